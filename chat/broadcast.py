"""Sending a group event to every socket of a conversation, whatever the layer does.

A layer failure must not lose the event for this worker's own sockets: they get it directly,
and sockets elsewhere catch up from the database when they hear nothing (chat.catch_up).
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from chat.events import Event
from chat.groups import conversation_group
from chat.worker import Worker
from metrics import record

logger = logging.getLogger(__name__)


async def to_conversation(
    worker: Worker, conversation_id: str, event: Event, *, log_failure: bool = True
) -> bool:
    """Group-send `event`; False when the layer failed and only local sockets got it."""
    try:
        await get_channel_layer().group_send(conversation_group(conversation_id), event)
        return True
    except Exception as exc:
        record.layer_failure()
        if log_failure:
            logger.warning(
                "group send failed; delivering to this worker's sockets only",
                extra={"conversation_id": conversation_id, "error": type(exc).__name__},
            )
        for socket in worker.local_sockets(conversation_id):
            await socket.deliver(event)
        return False


def from_sync_code(group: str, event: Event, *, what: str) -> None:
    """Group-send from a view or signal handler; a failure is logged, never raised: what was
    stored stays stored and the sockets catch up on their next history."""
    try:
        async_to_sync(get_channel_layer().group_send)(group, event)
    except Exception as exc:
        logger.warning(f"{what} broadcast failed", extra={"error": type(exc).__name__})
