"""Several daphne workers sharing PostgreSQL and Redis: streams, stop and dying workers."""

import asyncio
import signal
import time

import pytest

from chat.models import Message
from tests.chat.conftest import stored_messages
from tests.cluster.workers import Page

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


async def test_page_on_second_worker_sees_the_same_stream(start_workers):
    one, two = start_workers(2)
    _, _, (asker, watcher) = await Page.on_one_conversation(one, two)

    await asker.ask("Write me 80 words please")
    a = await asker.until("turn_ended")
    b = await watcher.until("turn_ended")

    def shape(frames):  # type: ignore[no-untyped-def]
        return [f for f in frames if f["type"] != "chunk"]

    assert shape(a) == shape(b)
    assert [f["type"] for f in b].count("chunk") > 3
    done = [f["message"] for f in b if f["type"] == "done"][-1]
    assert asker.texts()[done["id"]] == watcher.texts()[done["id"]] == done["content"]
    assert b[0]["type"] == "message" and b[0]["message"]["role"] == "user"
    assert b[-1] == {"type": "turn_ended", "status": "complete"}


async def test_stop_on_second_worker_stops_turn_on_first(start_workers):
    one, two = start_workers(2)
    _, conversation, (asker, other) = await Page.on_one_conversation(one, two)
    await asker.ask("Write me 3000 words please")
    await other.until("chunk")
    sent = time.monotonic()
    await other.send({"type": "stop"})
    frames = await other.until("turn_ended", within=5)
    assert time.monotonic() - sent < 1.5
    assert frames[-1] == {"type": "turn_ended", "status": "stopped"}
    rows = await stored_messages(conversation)
    assert rows[-1].status == Message.Status.STOPPED
    assert 0 < len(rows[-1].content) < 3000 * 5


async def test_killed_worker_turn_reads_interrupted_and_another_worker_answers(start_workers):
    one, two = start_workers(2)
    _, conversation, (asker, watcher) = await Page.on_one_conversation(one, two)
    await asker.ask("Write me 3000 words please")
    await watcher.until("chunk")
    await asyncio.sleep(3)  # past at least one checkpoint
    checkpoint = (await stored_messages(conversation))[-1].content
    assert checkpoint, "nothing checkpointed while streaming"
    killed_at = time.monotonic()
    one.signal(signal.SIGKILL)
    one.wait(10)

    frames = await watcher.until("turn_ended", within=30)
    assert time.monotonic() - killed_at < 30
    done = [f["message"] for f in frames if f["type"] == "done"][-1]
    assert done["status"] == "interrupted"
    rows = await stored_messages(conversation)
    assert rows[0].role == "user" and rows[0].content == "Write me 3000 words please"
    assert rows[-1].status == Message.Status.INTERRUPTED
    assert rows[-1].content.startswith(checkpoint) and rows[-1].content == done["content"]

    await watcher.ask("hello again")
    frames = await watcher.until("turn_ended")
    assert frames[-1]["status"] == "complete"


async def test_sigterm_leaves_no_message_streaming(start_workers):
    one, two = start_workers(2, APPLICATION_CLOSE_TIMEOUT="5", CHAT_SHUTDOWN_SECONDS="4")
    _, conversation, (asker, watcher) = await Page.on_one_conversation(one, two)
    await asker.ask("Write me 3000 words please")
    await watcher.until("chunk")
    await asyncio.sleep(0.5)
    one.signal(signal.SIGTERM)
    assert one.wait(15) == 0  # a clean exit, within the shutdown budget
    frames = await watcher.until("turn_ended", within=10)
    rows = await stored_messages(conversation)
    assert not [m for m in rows if m.status == Message.Status.STREAMING]
    assert rows[-1].status == Message.Status.INTERRUPTED
    done = [f["message"] for f in frames if f["type"] == "done"][-1]
    assert done["status"] == "interrupted" and done["content"] == rows[-1].content
    assert len(rows[-1].content) > 0
    await watcher.ask("hello again")
    assert (await watcher.until("turn_ended"))[-1]["status"] == "complete"
