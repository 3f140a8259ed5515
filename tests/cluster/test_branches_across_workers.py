"""Branches across real daphne workers: a regenerate or an edit on one worker reaches the
sockets of the other as a new path, then its answer; a switch is seen everywhere; the same
regenerate raced on both workers makes one answer."""

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from chat.models import Message
from tests.cluster.workers import Page, Socket

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def rebuilt(frames: list[dict[str, Any]]) -> dict[str, str]:
    """Texts from the last history frame on, as a client applies them."""
    start = max(i for i, f in enumerate(frames) if f["type"] == "history")
    texts = {m["id"]: m["content"] for m in frames[start]["messages"]}
    for frame in frames[start:]:
        if frame["type"] == "chunk":
            current = texts.get(frame["message_id"], "")
            assert frame["offset"] <= len(current)
            texts[frame["message_id"]] = current[: frame["offset"]] + frame["delta"]
    return texts


def words(history: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (m["role"], m["content"])
        for m in history["messages"]
        if m["role"] != "tool" and m["content"]
    ]


async def answered(asker: Socket, other: Socket, question: str) -> list[dict[str, Any]]:
    await asker.ask(question)
    frames = await asker.until("turn_ended")
    await other.until("turn_ended")
    return frames


async def test_a_regenerate_on_one_worker_streams_to_the_other_as_a_new_path(start_workers):
    one, two = start_workers(2)
    _, _, (asker, reader) = await Page.on_one_conversation(one, two)
    first = await answered(asker, reader, "Do you have tents?")
    old = [f["message"] for f in first if f["type"] == "done"][-1]

    await asker.send({"type": "regenerate", "client_message_id": "again"})
    for socket in (asker, reader):
        frames = await socket.until("turn_ended")
        assert frames[0]["type"] == "history" and frames[0]["running"] is True
        done = [f["message"] for f in frames if f["type"] == "done"]
        assert done[-1]["content"] == old["content"] and done[-1]["id"] != old["id"]
        assert rebuilt(frames)[done[-1]["id"]] == done[-1]["content"]
        assert frames[-1] == {"type": "turn_ended", "status": "complete"}
        first_round = done[0]
        assert (
            len(first_round["sibling_ids"]) == 2
            and first_round["sibling_ids"][1] == (first_round["id"])
        )


async def test_an_edit_on_one_worker_and_a_switch_on_the_other_are_seen_everywhere(
    start_workers,
):
    one, two = start_workers(2)
    page, conversation, (asker, reader) = await Page.on_one_conversation(one, two)
    frames = await answered(asker, reader, "Do you have tents?")
    question = next(f["message"] for f in frames if f["type"] == "message")
    before = words((await page.open(one, conversation)).history)

    await reader.send(
        {"type": "edit", "message_id": question["id"], "content": "Do you have yoga mats?"}
    )
    for socket in (asker, reader):
        edited = await socket.until("turn_ended")
        assert edited[0]["type"] == "history"
    after = words((await page.open(two, conversation)).history)
    assert after[0] == ("user", "Do you have yoga mats?") and after != before

    await asker.send({"type": "switch_branch", "message_id": question["id"]})
    for socket in (asker, reader):
        frame = await socket.until("history")
        assert words(frame[-1]) == before
    for worker in (one, two):
        assert words((await page.open(worker, conversation)).history) == before


async def test_the_same_regenerate_raced_on_both_workers_makes_one_answer(start_workers):
    one, two = start_workers(2)
    _, conversation, (left, right) = await Page.on_one_conversation(one, two)
    first = await answered(left, right, "Do you have tents?")
    question = next(f["message"] for f in first if f["type"] == "message")
    frame = {"type": "regenerate", "client_message_id": "same"}
    await asyncio.gather(left.send(frame), right.send(frame))
    for socket in (left, right):
        await socket.until("turn_ended")

    def first_rounds() -> int:
        return Message.objects.filter(
            conversation_id=conversation, parent_id=question["id"], role="assistant"
        ).count()

    assert await sync_to_async(first_rounds)() == 2  # the first answer and one new one
