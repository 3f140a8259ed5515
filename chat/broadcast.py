"""Sending a group event to every socket of a conversation, whatever the layer does.

This worker's own sockets get the event in the process (chat.hub), before and whatever the
layer does; it is published once for the other workers, whose hubs hand it to their sockets.
When the layer fails, sockets elsewhere catch up from the database when they hear nothing
(chat.catch_up).
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
    """Deliver `event` here and group-send it; False when the layer failed and only local
    sockets got it."""
    hub = worker.hub
    await hub.deliver(conversation_id, event)
    if not hub.should_publish(conversation_id, event):
        return True  # a chunk no other worker would hear (chat.hub)
    mark = hub.publishing()
    try:
        receivers = await get_channel_layer().group_send(
            conversation_group(conversation_id), hub.outgoing(event)
        )
    except Exception as exc:
        record.layer_failure()
        if log_failure:
            logger.warning(
                "group send failed; delivered to this worker's sockets only",
                extra={"conversation_id": conversation_id, "error": type(exc).__name__},
            )
        return False
    # Redis' count from config.pubsub_layer; other layers say nothing.
    hub.published(conversation_id, receivers if isinstance(receivers, int) else None, mark)
    return True


def from_sync_code(group: str, event: Event, *, what: str) -> None:
    """Group-send from a view or signal handler; a failure is logged, never raised: what was
    stored stays stored and the sockets catch up on their next history."""
    try:
        async_to_sync(get_channel_layer().group_send)(group, event)
    except Exception as exc:
        logger.warning(f"{what} broadcast failed", extra={"error": type(exc).__name__})
