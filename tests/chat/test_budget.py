"""A daily token budget per user or anonymous session: past it, a question is refused with
`budget_exceeded` and not stored; yesterday's answers and other people's do not count."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from chat.models import Message
from tests.chat.conftest import open_socket, receive_until, stored_messages

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


async def spent(conversation, tokens: int, *, days_ago: int = 0) -> None:  # type: ignore[no-untyped-def]
    await sync_to_async(Message.objects.create)(
        conversation=conversation,
        role="assistant",
        content="earlier answer",
        input_tokens=tokens - 10,
        output_tokens=10,
        created_at=timezone.now() - timedelta(days=days_ago),
    )


async def test_past_the_budget_a_question_is_refused_and_not_stored(
    settings, make_visitor, connected
):
    settings.CHAT_DAILY_TOKEN_BUDGET = 1000
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    other = await visitor.conversation()  # the budget is the owner's, over all conversations
    await spent(other, 1000)
    socket = await open_socket(visitor, conversation, connected)

    await socket.send_json_to(
        {"type": "user_message", "content": "one more?", "client_message_id": "q9"}
    )
    error = await socket.receive_json_from(timeout=5)

    assert (error["type"], error["code"], error["client_message_id"]) == (
        "error",
        "budget_exceeded",
        "q9",
    )
    assert "allowance" in error["detail"]
    assert await stored_messages(conversation) == []


async def test_under_the_budget_answers_count_until_it_is_reached(
    settings, make_visitor, connected
):
    settings.CHAT_DAILY_TOKEN_BUDGET = 1000
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    await spent(conversation, 5000, days_ago=1)  # yesterday's: not counted
    stranger = await make_visitor()
    await spent(await stranger.conversation(), 5000)  # someone else's: not counted
    socket = await open_socket(visitor, conversation, connected)

    await socket.send_json_to({"type": "user_message", "content": "hello"})
    frames = await receive_until(socket, "turn_ended")
    assert frames[-1]["status"] == "complete"

    await spent(conversation, 1000)
    await socket.send_json_to({"type": "user_message", "content": "and again"})
    assert (await socket.receive_json_from(timeout=5))["code"] == "budget_exceeded"


async def test_a_resent_question_is_still_a_duplicate_past_the_budget(
    settings, make_visitor, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    await socket.send_json_to({"type": "user_message", "content": "hi", "client_message_id": "a1"})
    await receive_until(socket, "turn_ended")
    settings.CHAT_DAILY_TOKEN_BUDGET = 1
    await socket.send_json_to({"type": "user_message", "content": "hi", "client_message_id": "a1"})
    echo = await socket.receive_json_from(timeout=5)
    assert echo["type"] == "message" and echo["message"]["client_message_id"] == "a1"
