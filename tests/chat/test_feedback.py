"""Feedback on answers: one per answer, replaced by a new one, removed by a null rating; the
same rules over the socket and HTTP; a snapshot for evaluation; the admin and the export."""

import csv
import json
from io import StringIO

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command
from django.test import Client

from chat.models import Conversation, Feedback, Message
from chat.services import message_append
from llm.prompts import prompt_version
from tests.chat.conftest import open_socket, receive_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


async def answered(socket, question: str = "Do you have running shoes?") -> dict:  # type: ignore[no-untyped-def]
    await socket.send_json_to({"type": "user_message", "content": question})
    frames = await receive_until(socket, "turn_ended")
    return [f["message"] for f in frames if f["type"] == "done"][-1]


async def test_a_rating_over_the_socket_reaches_every_tab_and_the_history(
    channel_layer_kind, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    one = await open_socket(visitor, conversation, connected)
    two = await open_socket(visitor, conversation, connected)
    answer = await answered(one)
    await receive_until(two, "turn_ended")

    body = {"rating": "down", "reasons": ["not helpful"], "comment": "  Too vague.  "}
    await one.send_json_to({"type": "feedback", "message_id": answer["id"], **body})

    expected = {"rating": "down", "reasons": ["not helpful"], "comment": "Too vague."}
    for socket in (one, two):
        frame = await socket.receive_json_from(timeout=5)
        assert frame == {"type": "feedback", "message_id": answer["id"], "feedback": expected}
    again = await open_socket(visitor, conversation, connected)
    shown = next(m for m in again.history["messages"] if m["id"] == answer["id"])
    assert shown["feedback"] == expected
    assert all(m["feedback"] is None for m in again.history["messages"] if m["id"] != answer["id"])

    stored = await sync_to_async(Feedback.objects.get)(message_id=answer["id"])
    assert stored.question == "Do you have running shoes?"
    assert stored.answer == answer["content"]
    assert stored.tools == ["search_products"]
    assert stored.model_id == "offline-demo" and stored.prompt_version == prompt_version()


async def test_a_new_rating_replaces_the_old_and_null_removes_it(
    make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    socket = await open_socket(visitor, await visitor.conversation(), connected)
    answer = await answered(socket)
    for rating in ("down", "up"):
        await socket.send_json_to(
            {"type": "feedback", "message_id": answer["id"], "rating": rating}
        )
        frame = await socket.receive_json_from(timeout=5)
        assert frame["feedback"]["rating"] == rating
    assert await sync_to_async(Feedback.objects.count)() == 1
    await socket.send_json_to({"type": "feedback", "message_id": answer["id"], "rating": None})
    assert (await socket.receive_json_from(timeout=5))["feedback"] is None
    assert await sync_to_async(Feedback.objects.count)() == 0


async def test_bad_feedback_gets_clear_errors_and_stores_nothing(
    make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    stranger = await make_visitor()
    socket = await open_socket(visitor, await visitor.conversation(), connected)
    theirs = await open_socket(stranger, await stranger.conversation(), connected)
    answer = await answered(socket)
    rows = await sync_to_async(
        lambda: list(Message.objects.filter(role="user").values_list("id", flat=True))
    )()
    question_id = str(rows[0])
    cases = [
        (socket, {"message_id": answer["id"], "rating": "meh"}, "invalid_feedback"),
        (
            socket,
            {"message_id": answer["id"], "rating": "up", "reasons": ["made up"]},
            "invalid_feedback",
        ),
        (
            socket,
            {"message_id": answer["id"], "rating": "up", "reasons": "not helpful"},
            "invalid_feedback",
        ),
        (
            socket,
            {"message_id": answer["id"], "rating": "up", "comment": "x" * 1001},
            "invalid_feedback",
        ),
        (socket, {"message_id": answer["id"], "rating": "up", "comment": 5}, "invalid_feedback"),
        (socket, {"message_id": question_id, "rating": "up"}, "invalid_feedback"),
        (socket, {"message_id": "not-a-uuid", "rating": "up"}, "not_found"),
        (theirs, {"message_id": answer["id"], "rating": "down"}, "not_found"),
    ]
    for sender, body, code in cases:
        await sender.send_json_to({"type": "feedback", **body})
        error = await sender.receive_json_from(timeout=5)
        assert (error["type"], error["code"]) == ("error", code), body
    assert await sync_to_async(Feedback.objects.count)() == 0


def _client_of(visitor) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    name, value = visitor.cookie.split("=", 1)
    client.cookies[name] = value
    return client


async def test_feedback_over_http_follows_the_same_rules_and_reaches_the_sockets(
    make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    socket = await open_socket(visitor, await visitor.conversation(), connected)
    answer = await answered(socket)
    client = await sync_to_async(_client_of)(visitor)
    url = f"/api/messages/{answer['id']}/feedback/"

    def put(body: object) -> tuple[int, dict]:
        response = client.put(url, data=json.dumps(body), content_type="application/json")
        return response.status_code, response.json()

    status, body = await sync_to_async(put)({"rating": "up", "reasons": ["other"], "comment": "ok"})
    assert status == 200
    assert body == {
        "message_id": answer["id"],
        "feedback": {"rating": "up", "reasons": ["other"], "comment": "ok"},
    }
    assert (await socket.receive_json_from(timeout=5))["type"] == "feedback"
    status, body = await sync_to_async(put)({"rating": "sideways"})
    assert status == 400 and body["error"]["code"] == "invalid_feedback"
    stranger = await make_visitor()
    other = await sync_to_async(_client_of)(stranger)
    response = await sync_to_async(other.put)(
        url, data=json.dumps({"rating": "down"}), content_type="application/json"
    )
    assert response.status_code == 404
    stored = await sync_to_async(Feedback.objects.get)()
    assert stored.rating == "up"


def _rated(db_user) -> Feedback:  # type: ignore[no-untyped-def]
    conversation = Conversation.objects.create(user=db_user, title="Shoes")
    message_append(conversation=conversation, role="user", content="any shoes?")
    answer = message_append(
        conversation=conversation, role="assistant", content="Trail Runner 2.", model_id="m1"
    )
    return Feedback.objects.create(
        message=answer,
        rating="down",
        reasons=["wrong product information"],
        comment="It is sold out",
        question="any shoes?",
        answer="Trail Runner 2.",
        tools=["search_products"],
        model_id="m1",
        prompt_version="abc",
    )


@pytest.mark.django_db
def test_the_admin_lists_feedback_and_finds_conversations_with_negative_feedback(
    admin_client, django_user_model
):
    user = django_user_model.objects.create_user("ana", password="x-123456789")
    feedback = _rated(user)
    Conversation.objects.create(user=user, title="Praised")
    listing = admin_client.get("/admin/chat/feedback/", {"reason": "wrong product information"})
    page = listing.content.decode()
    assert "Trail Runner 2." in page
    assert f"#message-{feedback.message_id}" in page
    assert (
        "Trail Runner 2."
        not in admin_client.get("/admin/chat/feedback/", {"reason": "not helpful"}).content.decode()
    )
    conversations = admin_client.get("/admin/chat/conversation/", {"feedback": "down"})
    text = conversations.content.decode()
    assert "Shoes" in text and "Praised" not in text


@pytest.mark.django_db
def test_export_feedback_as_jsonl_and_csv(django_user_model):
    _rated(django_user_model.objects.create_user("ana", password="x-123456789"))
    out = StringIO()
    call_command("export_feedback", "--rating", "down", stdout=out)
    (case,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert case["question"] == "any shoes?" and case["answer"] == "Trail Runner 2."
    assert case["reasons"] == ["wrong product information"] and case["tools"] == ["search_products"]
    out = StringIO()
    call_command("export_feedback", "--format", "csv", stdout=out)
    (row,) = list(csv.DictReader(StringIO(out.getvalue())))
    assert row["rating"] == "down" and row["prompt_version"] == "abc"
    out = StringIO()
    call_command("export_feedback", "--rating", "up", stdout=out)
    assert out.getvalue() == ""
