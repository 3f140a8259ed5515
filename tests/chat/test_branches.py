"""Branches: regenerate, edit and switch between versions, through the socket.

The offline model answers deterministically; the Bedrock emulator shows what the model reads
(the active path only, always valid Converse input)."""

import itertools
import uuid
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from chat.models import Action, Conversation, Message
from devkit.bedrock_emulator import text_response, tool_use_response
from shop.models import Product
from tests.chat.conftest import ask, of_type, open_socket, rebuild, receive_until, stored_messages
from tests.llm.test_agent_bedrock import assert_valid_converse

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def path_of(history: dict[str, Any]) -> list[tuple[str, str]]:
    """(role, text) of what a history shows in words: no tool results, no rounds that only
    called tools."""
    return [(m["role"], m["content"]) for m in history["messages"] if words(m)]


def words(message: dict[str, Any]) -> bool:
    return message["role"] != "tool" and bool(message["content"])


def said(request: dict[str, Any]) -> list[tuple[str, str]]:
    """What a Converse request holds, as (role, text) with tool blocks left out."""
    out = []
    for message in request["body"]["messages"]:
        text = " ".join(b["text"] for b in message["content"] if "text" in b)
        if text:
            out.append((message["role"], text))
    return out


async def detail(visitor, conversation, query: str = "") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    def get() -> dict[str, Any]:
        client = Client()
        name, value = visitor.cookie.split("=", 1)
        client.cookies[name] = value
        response = client.get(f"/api/conversations/{conversation.id}/{query}")
        assert response.status_code == 200
        return response.json()

    return await sync_to_async(get)()


async def message_count(conversation: Conversation) -> int:
    return await sync_to_async(Message.objects.filter(conversation=conversation).count)()


# --- regenerate ----------------------------------------------------------------------------


async def test_regenerate_answers_again_beside_the_old_answer_and_every_tab_sees_the_new_path(
    channel_layer_kind, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    one = await open_socket(visitor, conversation, connected)
    two = await open_socket(visitor, conversation, connected)
    first = of_type(await ask(one, "Do you have running shoes?"), "done")[-1]["message"]
    await receive_until(two, "turn_ended")

    assert one.history["reason"] == "connected" and "client_message_id" not in one.history
    await one.send_json_to({"type": "regenerate", "client_message_id": "again-1"})
    for socket in (one, two):
        frames = await receive_until(socket, "turn_ended")
        history = frames[0]
        assert history["type"] == "history" and history["running"] is True
        # Every tab hears which request changed the path, so each knows whether it asked.
        assert (history["reason"], history["client_message_id"]) == ("path_changed", "again-1")
        new = history["messages"][-1]
        assert new["role"] == "assistant" and new["status"] == "streaming"
        question = next(m for m in history["messages"] if m["role"] == "user")
        assert new["parent_id"] == question["id"]
        done = [f["message"] for f in of_type(frames, "done")]
        assert done[0]["id"] == new["id"] and done[-1]["content"] == first["content"]
        texts = rebuild(frames)
        assert all(texts[m["id"]] == m["content"] for m in done if m["id"] in texts)
        assert of_type(frames, "turn_ended")[-1]["status"] == "complete"

    versions = [m for m in await stored_messages(conversation) if m.parent_id == question_id(new)]
    answers = [str(m.id) for m in versions if m.role == "assistant"]
    assert len(answers) == 2 and answers[1] == new["id"]

    again = await open_socket(visitor, conversation, connected)
    shown = again.history["messages"]
    first_round = next(m for m in shown if m["parent_id"] == question["id"])
    assert first_round["id"] == new["id"] and first_round["sibling_ids"] == answers
    assert first["id"] not in [m["id"] for m in shown]  # the old answer is another version

    body = await detail(visitor, conversation)
    assert [m["id"] for m in body["messages"]] == [m["id"] for m in shown]
    everything = await detail(visitor, conversation, "?all=1")
    assert {m["id"] for m in everything["messages"]} >= {first["id"], new["id"]}
    assert len(everything["messages"]) == await message_count(conversation)


def question_id(message: dict[str, Any]) -> uuid.UUID:
    return uuid.UUID(message["parent_id"])


async def test_a_resent_regenerate_is_neither_stored_nor_answered_again(
    make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    await ask(socket, "Do you have tents?")
    await socket.send_json_to({"type": "regenerate", "client_message_id": "r-1"})
    frames = await receive_until(socket, "turn_ended")
    answer = of_type(frames, "done")[0]["message"]  # the new answer's first round
    count = await message_count(conversation)

    await socket.send_json_to({"type": "regenerate", "client_message_id": "r-1"})
    frame = await socket.receive_json_from(timeout=5)
    assert frame["type"] == "message" and frame["message"]["id"] == answer["id"]
    assert await message_count(conversation) == count


async def test_regenerate_of_an_earlier_answer_and_of_a_later_round_answers_its_own_question(
    bedrock, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    bedrock.push(tool_use_response("search_products", {"query": "tent"}), text_response("Tents!"))
    first = await ask(socket, "Any tents?")
    rounds = of_type(first, "done")
    assert len(rounds) == 2  # a round that called the tool, then the answer
    bedrock.push(text_response("Jackets!"))
    await ask(socket, "Any jackets?")

    # Regenerating the first question's last round: the path ends at its new answer.
    bedrock.push(text_response("Tents, again."))
    await socket.send_json_to({"type": "regenerate", "message_id": rounds[-1]["message"]["id"]})
    frames = await receive_until(socket, "turn_ended")
    assert path_of(frames[0])[:1] == [("user", "Any tents?")]
    request = bedrock.requests[-1]
    assert said(request) == [("user", "Any tents?")]  # nothing of the old answer or after
    assert_valid_converse(request["body"]["messages"])
    again = await open_socket(visitor, conversation, connected)
    assert path_of(again.history) == [("user", "Any tents?"), ("assistant", "Tents, again.")]


# --- edit ------------------------------------------------------------------------------------


async def test_edit_asks_a_new_version_of_the_question_and_switching_brings_the_old_one_back(
    channel_layer_kind, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    one = await open_socket(visitor, conversation, connected)
    two = await open_socket(visitor, conversation, connected)
    await ask(one, "Do you have tents?")
    await receive_until(two, "turn_ended")
    tents = await ask(one, "Which tent is lightest?")
    await receive_until(two, "turn_ended")
    old_question = of_type(tents, "message")[0]["message"]
    old_path = path_of((await open_socket(visitor, conversation, connected)).history)

    await one.send_json_to(
        {
            "type": "edit",
            "message_id": old_question["id"],
            "content": "Do you have running shoes?",
            "client_message_id": "e-1",
        }
    )
    for socket in (one, two):
        frames = await receive_until(socket, "turn_ended")
        history = frames[0]
        assert history["type"] == "history"
        assert (history["reason"], history["client_message_id"]) == ("path_changed", "e-1")
        asked = [m for m in history["messages"] if m["role"] == "user"]
        assert [m["content"] for m in asked] == ["Do you have tents?", "Do you have running shoes?"]
        assert asked[-1]["parent_id"] == old_question["parent_id"]
        assert asked[-1]["sibling_ids"] == [old_question["id"], asked[-1]["id"]]
        assert of_type(frames, "turn_ended")[-1]["status"] == "complete"
    new_path = path_of((await open_socket(visitor, conversation, connected)).history)
    assert new_path[:2] == old_path[:2] and new_path[2] == ("user", "Do you have running shoes?")
    assert "shoe" in new_path[-1][1].lower() and new_path[-1] != old_path[-1]

    await two.send_json_to({"type": "switch_branch", "message_id": old_question["id"]})
    for socket in (one, two):
        frame = await socket.receive_json_from(timeout=5)
        assert frame["type"] == "history" and path_of(frame) == old_path
        # A switch without a client_message_id is still a change of path, named by nobody.
        assert frame["reason"] == "path_changed" and "client_message_id" not in frame
    assert path_of((await open_socket(visitor, conversation, connected)).history) == old_path
    body = await detail(visitor, conversation)
    assert [(m["role"], m["content"]) for m in body["messages"] if words(m)] == old_path


async def test_switching_to_a_first_question_goes_down_to_its_newest_leaf(
    make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    first = of_type(await ask(socket, "Do you have tents?"), "message")[0]["message"]
    await ask(socket, "Which tent is lightest?")
    await socket.send_json_to(
        {"type": "edit", "message_id": first["id"], "content": "Do you have yoga mats?"}
    )
    await receive_until(socket, "turn_ended")

    await socket.send_json_to({"type": "switch_branch", "message_id": first["id"]})
    history = await socket.receive_json_from(timeout=5)
    assert [c for r, c in path_of(history) if r == "user"] == [
        "Do you have tents?",
        "Which tent is lightest?",
    ]
    # Asking now continues the path shown.
    frames = await ask(socket, "And the cheapest?")
    question = of_type(frames, "message")[0]["message"]
    assert question["parent_id"] == history["messages"][-1]["id"]


async def test_the_model_reads_the_active_path_only_after_edit_switch_and_regenerate(
    bedrock, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    bedrock.push(tool_use_response("search_products", {"query": "tent"}), text_response("Tents."))
    first = of_type(await ask(socket, "Any tents?"), "message")[0]["message"]
    bedrock.push(text_response("The Ultralight."))
    await ask(socket, "Which is lightest?")

    bedrock.push(text_response("Yes, mats."))
    await socket.send_json_to({"type": "edit", "message_id": first["id"], "content": "Mats?"})
    await receive_until(socket, "turn_ended")
    assert said(bedrock.requests[-1]) == [("user", "Mats?")]
    bedrock.push(text_response("The Cork mat."))
    await ask(socket, "Which is best?")
    assert said(bedrock.requests[-1]) == [
        ("user", "Mats?"),
        ("assistant", "Yes, mats."),
        ("user", "Which is best?"),
    ]

    await socket.send_json_to({"type": "switch_branch", "message_id": first["id"]})
    await socket.receive_json_from(timeout=5)
    bedrock.push(text_response("About 1.2 kg."))
    await ask(socket, "How heavy?")
    request = bedrock.requests[-1]
    assert said(request) == [
        ("user", "Any tents?"),
        ("assistant", "Tents."),
        ("user", "Which is lightest?"),
        ("assistant", "The Ultralight."),
        ("user", "How heavy?"),
    ]
    assert_valid_converse(request["body"]["messages"])  # the tool use and its result kept

    bedrock.push(text_response("Roughly 1.2 kg."))
    await socket.send_json_to({"type": "regenerate"})
    await receive_until(socket, "turn_ended")
    assert said(bedrock.requests[-1]) == said(request)
    assert_valid_converse(bedrock.requests[-1]["body"]["messages"])


# --- the rules of a question -----------------------------------------------------------------


async def test_bad_targets_get_invalid_message_and_change_nothing(
    make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    stranger = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    empty = await open_socket(visitor, await visitor.conversation(), connected)
    theirs = await open_socket(stranger, await stranger.conversation(), connected)
    frames = await ask(socket, "Do you have running shoes?")
    question = of_type(frames, "message")[0]["message"]
    tool = next(m["message"] for m in of_type(frames, "message") if m["message"]["role"] == "tool")
    answer = of_type(frames, "done")[-1]["message"]
    await ask(theirs, "Do you have tents?")
    count = await message_count(conversation)
    leaf = await sync_to_async(
        lambda: Conversation.objects.get(pk=conversation.pk).active_leaf_id
    )()

    bad = [
        (socket, {"type": "regenerate", "message_id": question["id"]}),
        (socket, {"type": "regenerate", "message_id": tool["id"]}),
        (socket, {"type": "regenerate", "message_id": str(uuid.uuid4())}),
        (socket, {"type": "regenerate", "message_id": "not-a-uuid"}),
        (socket, {"type": "regenerate", "message_id": 7}),
        (socket, {"type": "edit", "message_id": answer["id"], "content": "hi"}),
        (socket, {"type": "edit", "message_id": tool["id"], "content": "hi"}),
        (socket, {"type": "edit", "message_id": question["id"], "content": "   "}),
        (socket, {"type": "edit", "message_id": question["id"], "content": 5}),
        (socket, {"type": "edit", "content": "hi"}),
        (socket, {"type": "switch_branch"}),
        (socket, {"type": "switch_branch", "message_id": str(uuid.uuid4())}),
        (theirs, {"type": "switch_branch", "message_id": question["id"]}),
        (theirs, {"type": "regenerate", "message_id": answer["id"]}),
        (theirs, {"type": "edit", "message_id": question["id"], "content": "mine now"}),
        (empty, {"type": "regenerate"}),
    ]
    for sender, frame in bad:
        await sender.send_json_to(frame)
        reply = await sender.receive_json_from(timeout=5)
        assert reply["type"] == "error" and reply["code"] == "invalid_message", (frame, reply)
    await socket.send_json_to({"type": "edit", "message_id": question["id"], "content": "x" * 4001})
    assert (await socket.receive_json_from(timeout=5))["code"] == "too_long"
    assert await message_count(conversation) == count
    assert (
        await sync_to_async(lambda: Conversation.objects.get(pk=conversation.pk).active_leaf_id)()
        == leaf
    )


async def test_regenerate_edit_and_switch_are_busy_while_an_answer_runs(
    make_visitor, catalogue, connected, settings
):
    settings.LLM_OFFLINE_DELAY_MS = 50
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    frames = await ask(socket, "Do you have tents?")
    question = of_type(frames, "message")[0]["message"]
    await socket.send_json_to({"type": "user_message", "content": "Tell me about the lightest"})
    await receive_until(socket, "chunk")
    count = await message_count(conversation)
    for frame in (
        {"type": "regenerate"},
        {"type": "edit", "message_id": question["id"], "content": "Mats?"},
        {"type": "switch_branch", "message_id": question["id"]},
    ):
        await socket.send_json_to(frame)
        rest = await receive_until(socket, "error")
        assert rest[-1]["code"] == "busy", frame
    await socket.send_json_to({"type": "stop"})
    await receive_until(socket, "turn_ended")
    assert await message_count(conversation) == count


async def test_stop_ends_a_regenerated_answer(make_visitor, catalogue, connected, settings):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    await ask(socket, "Do you have tents?")
    settings.LLM_OFFLINE_DELAY_MS = 50
    await socket.send_json_to({"type": "regenerate"})
    await receive_until(socket, "chunk")
    await socket.send_json_to({"type": "stop"})
    frames = await receive_until(socket, "turn_ended")
    assert frames[-1]["status"] == "stopped"
    assert of_type(frames, "done")[-1]["message"]["status"] == "stopped"


async def test_regenerate_counts_against_the_rate_limit(
    make_visitor, catalogue, connected, settings
):
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 2
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    await ask(socket, "Do you have tents?")
    await socket.send_json_to({"type": "regenerate"})
    await receive_until(socket, "turn_ended")
    count = await message_count(conversation)
    await socket.send_json_to({"type": "regenerate"})
    assert (await socket.receive_json_from(timeout=5))["code"] == "rate_limited"
    assert await message_count(conversation) == count


async def test_regenerate_declines_pending_actions_first(
    bedrock, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    pid = await sync_to_async(lambda: Product.objects.filter(stock__gt=0).first().pk)()
    bedrock.push(tool_use_response("add_to_cart", {"product_id": pid, "quantity": 1}))
    frames = await ask(socket, "Put one in my cart")
    assert frames[-1]["status"] == "action_required"

    bedrock.push(text_response("Here is another answer."))
    await socket.send_json_to({"type": "regenerate"})
    frames = await receive_until(socket, "turn_ended")
    assert [f["action"]["status"] for f in of_type(frames, "action")] == ["rejected"]
    action = await sync_to_async(Action.objects.get)(conversation=conversation)
    assert action.status == "rejected"
    assert said(bedrock.requests[-1]) == [("user", "Put one in my cart")]
    assert_valid_converse(bedrock.requests[-1]["body"]["messages"])


async def test_feedback_on_an_edited_question_s_answer_keeps_that_question(
    make_visitor, catalogue, connected
):
    from chat.models import Feedback

    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    question = of_type(await ask(socket, "Do you have tents?"), "message")[0]["message"]
    await socket.send_json_to(
        {"type": "edit", "message_id": question["id"], "content": "Do you have yoga mats?"}
    )
    answer = of_type(await receive_until(socket, "turn_ended"), "done")[-1]["message"]
    await socket.send_json_to({"type": "feedback", "message_id": answer["id"], "rating": "up"})
    await receive_until(socket, "feedback")
    stored = await sync_to_async(Feedback.objects.get)(message_id=answer["id"])
    assert stored.question == "Do you have yoga mats?"
    assert stored.tools == ["search_products"]


def test_existing_conversations_become_a_single_path(db):
    import importlib

    from django.apps import apps

    from shop.owners import Owner

    migration = importlib.import_module("chat.migrations.0007_message_tree")
    owner = Owner(user_id=None, anonymous_key="k")
    conversation = Conversation.objects.create(**owner.as_fields())
    rows = [
        Message.objects.create(conversation=conversation, role=role, content=str(i))
        for i, role in enumerate(["user", "assistant", "tool", "assistant", "user", "assistant"])
    ]
    empty = Conversation.objects.create(**owner.as_fields())
    migration.chain_messages(apps, None)

    for earlier, later in itertools.pairwise(rows):
        later.refresh_from_db()
        assert later.parent_id == earlier.pk
    conversation.refresh_from_db()
    empty.refresh_from_db()
    assert conversation.active_leaf_id == rows[-1].pk and empty.active_leaf_id is None
    from chat import paths

    assert paths.path_ids(conversation.pk) == [m.pk for m in rows]


async def test_a_socket_that_switches_to_the_path_it_shows_gets_it_again(
    make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    one = await open_socket(visitor, conversation, connected)
    two = await open_socket(visitor, conversation, connected)
    question = of_type(await ask(one, "Do you have tents?"), "message")[0]["message"]
    await receive_until(two, "turn_ended")
    await one.send_json_to(
        {"type": "switch_branch", "message_id": question["id"], "client_message_id": "s1"}
    )
    again = await one.receive_json_from(timeout=5)
    assert again["type"] == "history"
    assert (again["reason"], again["client_message_id"]) == ("unchanged", "s1")
    assert await two.receive_nothing(timeout=0.5)  # nothing changed: the other tab hears nothing


def test_a_summary_counts_only_on_the_path_it_was_made_on(db):
    from chat import paths
    from chat.services import message_append
    from shop.owners import Owner

    conversation = Conversation.objects.create(**Owner(None, "k").as_fields())
    first = message_append(conversation=conversation, role="user", content="tents?")
    answer = message_append(conversation=conversation, role="assistant", content="Yes.")
    message_append(conversation=conversation, role="user", content="lightest?")
    Conversation.objects.filter(pk=conversation.pk).update(
        summary="They asked about tents.", summary_through=answer
    )
    on_path = paths.history(conversation.pk, anchor=paths.ACTIVE, limit=10)
    assert on_path.summary == "They asked about tents."
    assert [r.content for r in on_path.rows] == ["lightest?"]

    edited = Message.objects.create(conversation=conversation, role="user", content="mats?")
    Conversation.objects.filter(pk=conversation.pk).update(active_leaf=edited)
    elsewhere = paths.history(conversation.pk, anchor=paths.ACTIVE, limit=10)
    assert elsewhere.summary == "" and [r.content for r in elsewhere.rows] == ["mats?"]
    assert first.pk not in [r.id for r in elsewhere.rows]
