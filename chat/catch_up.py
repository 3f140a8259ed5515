"""Healing a socket from the database when the channel layer may have failed it.

Every socket of a conversation must end each answer with the stored final text, `done` and
`turn_ended`, whatever the layer dropped (channels-redis delivers at most once) and even while
Redis is down. A socket that hears nothing for a while during an answer, or whose worker sees
the layer down, reads the conversation from the database and sends what it missed.
"""

import asyncio
import logging
import time
import uuid
from typing import Protocol

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DatabaseError

from chat import events, reaper, selectors, services
from chat.delivery import SocketView
from chat.events import Frame
from chat.models import Message
from chat.serializers import message_to_dict
from chat.worker import Worker
from metrics import record
from shop.errors import ShopError

logger = logging.getLogger(__name__)

# How long a socket waits for its running turn to say anything before asking the database.
SILENCE_SECONDS = 3.0


class LiveUpdatesDelayed(ShopError):
    code = "unavailable"
    default_detail = "Live updates are delayed; showing the saved answer."


class Watched(Protocol):
    """A socket as the watchdog sees it (chat.consumers.ChatConsumer)."""

    conversation_id: str
    view: SocketView
    worker: Worker
    last_event_at: float

    async def send_frames(self, frames: list[Frame]) -> None: ...


async def watch(socket: Watched) -> None:
    """Ask the database how the conversation stands whenever the group may be failing us:
    a running turn gone quiet, or the channel layer down (then until it is back)."""
    layer_was_down = False
    while True:
        await asyncio.sleep(1.0)
        layer_down = socket.worker.layer_down
        quiet = time.monotonic() - socket.last_event_at >= SILENCE_SECONDS
        recovered = layer_was_down and not layer_down
        layer_was_down = layer_down
        if not (recovered or (quiet and (socket.view.turn_running or layer_down))):
            continue
        try:
            await catch_up(socket)
        except DatabaseError:
            logger.warning(
                "catch-up failed: database error",
                extra={"conversation_id": socket.conversation_id},
            )
        socket.last_event_at = time.monotonic()


async def catch_up(socket: Watched) -> None:
    record.catch_up()
    running, settled, messages, versions = await database_sync_to_async(_read)(
        socket.conversation_id
    )
    if settled is not None:
        await reaper.announce_settled_quietly(settled)
    frames = missed_frames(socket.view, messages, running=running, versions=versions)
    await socket.send_frames(frames)


def _read(
    conversation_id: str,
) -> tuple[bool, services.Settled | None, list[Message], dict[uuid.UUID, list[str]]]:
    """How the conversation stands, in one trip to the ORM thread: a turn running, a dead
    one settled now, and the latest messages of the active path with their versions."""
    running = selectors.turn_is_running(conversation_id=conversation_id)
    settled = None if running else services.turn_settle_if_expired(conversation_id=conversation_id)
    messages = selectors.message_list(
        conversation_id=conversation_id, last=settings.CHAT_HISTORY_FRAME_MESSAGES
    )
    return running, settled, messages, selectors.message_versions(messages)


def missed_frames(
    view: SocketView,
    messages: list[Message],
    *,
    running: bool,
    versions: dict[uuid.UUID, list[str]] | None = None,
) -> list[Frame]:
    """What the socket should have been sent, judged from the stored messages."""
    frames: list[Frame | None] = []
    last_status: str = Message.Status.COMPLETE
    question_id: str | None = None
    held = dict(view.sent)
    for message in messages:
        if message.role == Message.Role.ASSISTANT:
            last_status = message.status
        elif message.role == Message.Role.USER:
            question_id = str(message.id)
        if str(message.id) in view.finished:
            continue
        data = message_to_dict(message, (versions or {}).get(message.id))
        if message.status == Message.Status.STREAMING:
            frames.append(view.chunk(message_id=data["id"], text=data["content"]))
        elif message.role == Message.Role.ASSISTANT:
            frames.append(view.done(data))
        else:
            frames.append(view.missed_message(data))  # a question we never heard of, too
    if view.sent != held and not view.delay_noticed:
        # What the group should have carried came from the database instead: say so.
        view.delay_noticed = True
        frames.append(events.error_frame(LiveUpdatesDelayed()))
    if not running:
        status = events.turn_ended_status(last_status)
        frames.append(view.turn_ended(status, question_id=question_id))
    return [frame for frame in frames if frame is not None]
