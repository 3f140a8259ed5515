"""Healing a socket from the database when the channel layer may have failed it.

Every socket of a conversation must end each answer with the stored final text, `done` and
`turn_ended`, whatever the layer dropped (channels-redis delivers at most once) and even while
Redis is down. A socket that hears nothing for a while during an answer, or whose worker sees
the layer down, reads the conversation from the database and sends what it missed.
"""

import asyncio
import logging
import time

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DatabaseError

from chat import layer_monitor, reaper, selectors, services
from chat.models import Message
from chat.serializers import message_to_dict
from shop.errors import ShopError

logger = logging.getLogger(__name__)

# How long a socket waits for its running turn to say anything before asking the database.
SILENCE_SECONDS = 3.0


class CatchUpMixin:
    """For ChatConsumer: needs its per-socket state (sent, finished, turn_running, ...)."""

    conversation_id: str
    sent: dict[str, int]
    finished: set[str]
    turn_running: bool
    delay_noticed: bool
    last_event_at: float

    async def _watch(self) -> None:
        """Ask the database how the conversation stands whenever the group may be failing us:
        a running turn gone quiet, or the channel layer down (then until it is back)."""
        layer_was_down = False
        while True:
            await asyncio.sleep(1.0)
            layer_down = layer_monitor.layer_is_down()
            quiet = time.monotonic() - self.last_event_at >= SILENCE_SECONDS
            recovered = layer_was_down and not layer_down
            layer_was_down = layer_down
            if not (recovered or (quiet and (self.turn_running or layer_down))):
                continue
            try:
                await self._catch_up()
            except DatabaseError:
                logger.warning("catch-up failed: database error", extra=self._log_extra())
            self.last_event_at = time.monotonic()

    async def _catch_up(self) -> None:
        running = await database_sync_to_async(services.turn_is_running)(
            conversation_id=self.conversation_id
        )
        if not running:
            settled = await database_sync_to_async(services.turn_settle_if_expired)(
                conversation_id=self.conversation_id
            )
            if settled is not None:
                try:
                    await reaper.announce_settled(self.conversation_id, settled)
                except Exception as exc:
                    logger.warning("settle broadcast failed", extra={"error": type(exc).__name__})
        messages = await database_sync_to_async(selectors.message_list)(
            conversation_id=self.conversation_id, last=settings.CHAT_HISTORY_FRAME_MESSAGES
        )
        last_status = "complete"
        held = dict(self.sent)
        for message in messages:
            if message.role == Message.Role.ASSISTANT:
                last_status = message.status
            if str(message.id) in self.finished:
                continue
            data = message_to_dict(message)
            if message.status == Message.Status.STREAMING:
                await self.chat_chunk({"message_id": data["id"], "text": data["content"]})
            elif message.role == Message.Role.ASSISTANT:
                await self.chat_done({"message": data})
            elif data["id"] not in self.sent:
                self.sent[data["id"]] = len(data["content"])
                self.finished.add(data["id"])
                if message.role == Message.Role.USER:
                    self.turn_running = True  # a turn we never heard of: end it with turn_ended
                await self.send_json({"type": "message", "message": data})
        if self.sent != held and not self.delay_noticed:
            # What the group should have carried came from the database instead: say so.
            self.delay_noticed = True
            await self.send_error(
                ShopError("Live updates are delayed; showing the saved answer.", code="unavailable")
            )
        if not running:
            status = {"complete": "complete", "stopped": "stopped"}.get(last_status, "error")
            await self.chat_turn_ended({"status": status})
