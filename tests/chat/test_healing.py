"""Nothing may end wrong because the channel layer lost a group message, or a worker died."""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from chat.models import Conversation, Message
from chat.services import message_append
from tests.chat.conftest import open_socket, rebuild, receive_until
from tests.chat.lossy_layer import lossy_layers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def lossy(settings, drop_types, drop_every=1):  # type: ignore[no-untyped-def]
    settings.CHANNEL_LAYERS = lossy_layers(drop_types, drop_every)


async def test_socket_ends_with_stored_text_when_done_and_turn_ended_are_lost(
    settings, make_visitor, connected, turns_on_another_worker
):
    lossy(settings, ["chat.done", "chat.turn_ended"])
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    await socket.send_json_to({"type": "user_message", "content": "Write me 30 words please"})
    frames = await receive_until(socket, "turn_ended", within=15)
    assert get_channel_layer().dropped >= 2
    done = [f["message"] for f in frames if f["type"] == "done"]
    stored = await sync_to_async(
        lambda: Message.objects.filter(conversation=conversation, role="assistant").get()
    )()
    assert done and done[-1]["id"] == str(stored.id)
    assert done[-1]["content"] == stored.content and done[-1]["status"] == "complete"
    assert frames[-1] == {"type": "turn_ended", "status": "complete"}


async def test_lost_chunks_heal_from_the_next_cumulative_text(
    settings, make_visitor, connected, turns_on_another_worker
):
    lossy(settings, ["chat.chunk"], drop_every=3)
    settings.CHAT_CHUNK_COALESCE_MS = 0  # one group message per delta, so there is a lot to lose
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    await socket.send_json_to({"type": "user_message", "content": "Write me 60 words please"})
    frames = await receive_until(socket, "turn_ended", within=15)
    assert get_channel_layer().dropped > 5
    done = [f["message"] for f in frames if f["type"] == "done"][-1]
    assert rebuild(frames)[done["id"]] == done["content"]


async def test_dead_workers_turn_reads_interrupted_and_conversation_is_free_again(
    settings, make_visitor, connected
):
    settings.CHAT_CLAIM_TTL_SECONDS = 3
    visitor = await make_visitor()
    conversation = await visitor.conversation()

    @sync_to_async
    def leave_a_dead_turn() -> Message:
        message_append(conversation=conversation, role="user", content="hello?")
        Conversation.objects.filter(pk=conversation.pk).update(
            turn_owner="a-worker-that-died",
            turn_claimed_until=timezone.now() + timedelta(seconds=1),
        )
        return message_append(
            conversation=conversation, role="assistant", status="streaming", content="Checkpointed"
        )

    orphan = await leave_a_dead_turn()
    socket = await open_socket(visitor, conversation, connected)
    assert socket.history["messages"][-1]["status"] == "streaming"
    frames = await receive_until(socket, "turn_ended", within=20)
    done = [f["message"] for f in frames if f["type"] == "done"]
    assert done[-1]["id"] == str(orphan.id)
    assert done[-1]["status"] == "interrupted" and done[-1]["content"] == "Checkpointed"
    assert frames[-1]["type"] == "turn_ended"

    await socket.send_json_to({"type": "user_message", "content": "hello again"})
    frames = await receive_until(socket, "turn_ended")
    assert frames[-1]["status"] == "complete"


async def test_expired_claim_is_taken_over_by_the_next_question(settings, make_visitor, connected):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    await sync_to_async(
        lambda: Conversation.objects.filter(pk=conversation.pk).update(
            turn_owner="gone", turn_claimed_until=timezone.now() - timedelta(seconds=1)
        )
    )()
    socket = await open_socket(visitor, conversation, connected)
    await socket.send_json_to({"type": "user_message", "content": "hello"})
    frames = await receive_until(socket, "turn_ended")
    assert frames[-1]["status"] == "complete"


async def test_live_claim_makes_questions_busy(make_visitor, connected):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    await sync_to_async(
        lambda: Conversation.objects.filter(pk=conversation.pk).update(
            turn_owner="other-worker", turn_claimed_until=timezone.now() + timedelta(seconds=60)
        )
    )()
    socket = await open_socket(visitor, conversation, connected)
    await socket.send_json_to(
        {"type": "user_message", "content": "hello", "client_message_id": "x"}
    )
    error = await socket.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == "busy"
    assert await sync_to_async(Message.objects.filter(conversation=conversation).count)() == 0
    await asyncio.sleep(0)
