"""Settles turns whose worker died (their claim expired while a message was streaming), and
expires actions the customer did not decide in time.

Every worker runs one reaper loop (chat.worker); the atomic release in the service makes sure
each dead turn is settled once, and its sockets on every worker get `done` and `turn_ended`;
each expired action's sockets get its `action` frame.
"""

import logging

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from chat import action_services, events, services
from chat.groups import conversation_group
from chat.models import Conversation, Message
from chat.serializers import message_to_dict

logger = logging.getLogger(__name__)


async def announce_settled(settled: services.Settled) -> None:
    """Tell every socket of the conversation that its dead turn is over."""
    layer = get_channel_layer()
    group = conversation_group(settled.conversation_id)
    for message in settled.messages:
        await layer.group_send(group, events.done_event(message_to_dict(message)))
    await layer.group_send(
        group,
        events.turn_ended_event(
            conversation_id=settled.conversation_id,
            status=Message.Status.INTERRUPTED,
            question_id=settled.question_id,
        ),
    )


def settle_before_reading(conversation: Conversation) -> None:
    """For HTTP readers: a turn whose claim expired is settled first, so nobody reads a dead
    worker's answer as `streaming` (the reaper would settle it a little later)."""
    if not conversation.turn_claim_expired():
        return
    settled = services.turn_settle_if_expired(conversation_id=conversation.id)
    if settled is not None:
        async_to_sync(announce_settled_quietly)(settled)


async def announce_settled_quietly(settled: services.Settled) -> None:
    """announce_settled, for callers that go on whatever the layer does: the sockets' own
    catch-up still ends their turn."""
    try:
        await announce_settled(settled)
    except Exception as exc:
        logger.warning("settle broadcast failed", extra={"error": type(exc).__name__})


async def reap_once() -> None:
    for settled in await database_sync_to_async(services.turns_reap_expired)():
        await announce_settled(settled)
    layer = get_channel_layer()
    for conversation_id, announced in await database_sync_to_async(
        action_services.actions_expire_due
    )():
        for event in announced:
            await layer.group_send(conversation_group(conversation_id), event)
