"""Settles turns whose worker died: their claim expired while a message was streaming.

Every worker runs one loop; the atomic release in the service makes sure each dead turn is
settled once, and its sockets on every worker get `done` and `turn_ended`.
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from chat import registry, services
from chat.groups import conversation_group
from chat.models import Message
from chat.serializers import message_to_dict

logger = logging.getLogger(__name__)

_task: asyncio.Task[None] | None = None


async def announce_settled(conversation_id: str, messages: list[Message]) -> None:
    """Tell every socket of the conversation that its dead turn is over."""
    layer = get_channel_layer()
    group = conversation_group(conversation_id)
    for message in messages:
        await layer.group_send(group, {"type": "chat.done", "message": message_to_dict(message)})
    await layer.group_send(
        group, {"type": "chat.turn_ended", "status": "error", "conversation_id": conversation_id}
    )


async def reap_once() -> None:
    settled = await database_sync_to_async(services.turns_reap_expired)()
    for conversation_id, messages in settled:
        await announce_settled(conversation_id, messages)


async def _loop() -> None:
    interval = max(1.0, settings.CHAT_CLAIM_TTL_SECONDS / 3)
    while True:
        await asyncio.sleep(interval)
        try:
            await reap_once()
        except Exception as exc:
            logger.warning("reaper pass failed", extra={"error": type(exc).__name__})


def ensure_running() -> None:
    """Start this process's reaper loop once (called from the consumer's connect)."""
    global _task
    _task = registry.start_once(_task, _loop, "chat-reaper")
