"""Settles turns whose worker died: their claim expired while a message was streaming.

Every worker runs one reaper loop (chat.worker); the atomic release in the service makes sure
each dead turn is settled once, and its sockets on every worker get `done` and `turn_ended`.
"""

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from chat import events, services
from chat.groups import conversation_group
from chat.models import Message
from chat.serializers import message_to_dict


async def announce_settled(conversation_id: str, messages: list[Message]) -> None:
    """Tell every socket of the conversation that its dead turn is over."""
    layer = get_channel_layer()
    group = conversation_group(conversation_id)
    for message in messages:
        await layer.group_send(group, events.done_event(message_to_dict(message)))
    await layer.group_send(
        group,
        events.turn_ended_event(conversation_id=conversation_id, status=Message.Status.INTERRUPTED),
    )


async def reap_once() -> None:
    settled = await database_sync_to_async(services.turns_reap_expired)()
    for conversation_id, messages in settled:
        await announce_settled(conversation_id, messages)
