"""The chat WebSocket: translates frames to service calls and turn events to frames.

See docs/protocol.md for the frames. Turns run in process-owned tasks (chat.turns); this
consumer only starts or stops them and forwards what the conversation's group carries.
"""

import asyncio
import json
import logging
import time
from collections import Counter
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError

from chat import layer_monitor, reaper, registry, selectors, services, turns
from chat.catch_up import CatchUpMixin
from chat.groups import conversation_group, turn_control_group, user_group
from chat.models import Message
from chat.owners import Owner, owner_from
from chat.protocol import client_message_id_of, parse_frame, parse_user_message
from chat.serializers import message_to_dict
from shop.errors import ShopError

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY_SOCKETS = 4429

# Sockets per owner in this worker (the limit is per worker; see docs/deploy.md).
_open_sockets: Counter[str] = Counter()

UNAVAILABLE = ShopError(
    "The shop's database is unavailable. Please try again shortly.", code="unavailable"
)


class ChatConsumer(CatchUpMixin, AsyncWebsocketConsumer):
    owner: Owner | None = None

    # --- connection ---------------------------------------------------------------------------

    async def connect(self) -> None:
        self.conversation_id = str(self.scope["url_route"]["kwargs"]["conversation_id"])
        self.owner = owner_from(self.scope.get("user"), self.scope.get("session"))
        self.sent: dict[str, int] = {}  # message id -> code points this socket holds
        self.finished: set[str] = set()  # message ids this socket got `done` for
        self.turn_running = False
        self.delay_noticed = False
        self.last_event_at = time.monotonic()
        self.groups_joined: list[str] = []
        self.watchdog: asyncio.Task[None] | None = None
        if self.owner is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        try:
            conversation = await database_sync_to_async(selectors.conversation_get)(
                owner=self.owner, conversation_id=self.conversation_id
            )
        except DatabaseError:
            await self.close(code=1011)
            return
        if conversation is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if _open_sockets[self.owner.rate_key] >= settings.CHAT_MAX_SOCKETS_PER_SESSION:
            await self.close(code=CLOSE_TOO_MANY_SOCKETS)
            return
        await self._join(conversation_group(self.conversation_id))
        if self.owner.user_id:
            await self._join(user_group(self.owner.user_id))
        await self.accept()
        # Counted only once the socket is really open, so a failed connect leaks no slot.
        _open_sockets[self.owner.rate_key] += 1
        self.counted = True
        registry.LOCAL_SOCKETS.setdefault(self.conversation_id, set()).add(self)
        await self._send_history(conversation.title)
        self.watchdog = asyncio.create_task(self._watch())
        reaper.ensure_running()
        layer_monitor.ensure_running()
        registry.install_shutdown_hook()

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)

    async def disconnect(self, code: int) -> None:
        if self.watchdog is not None:
            self.watchdog.cancel()
        local = registry.LOCAL_SOCKETS.get(self.conversation_id)
        if local is not None:
            local.discard(self)
            if not local:
                registry.LOCAL_SOCKETS.pop(self.conversation_id, None)
        if getattr(self, "counted", False) and self.owner is not None:
            _open_sockets[self.owner.rate_key] -= 1
            if _open_sockets[self.owner.rate_key] <= 0:
                del _open_sockets[self.owner.rate_key]
            self.counted = False
        for group in self.groups_joined:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception as exc:
                logger.warning("group discard failed", extra={"error": type(exc).__name__})
        self.groups_joined = []

    async def _send_history(self, title: str) -> None:
        # Bounded, so a long conversation never makes a frame too big to send; the whole
        # conversation stays available from GET /api/conversations/<id>/.
        limit = settings.CHAT_HISTORY_FRAME_MESSAGES
        messages = await database_sync_to_async(selectors.message_list)(
            conversation_id=self.conversation_id, last=limit + 1
        )
        truncated = len(messages) > limit
        messages = messages[-limit:] if truncated else messages
        frames = []
        for message in messages:
            data = message_to_dict(message)
            if message.status == Message.Status.STREAMING:
                live = registry.live_text(self.conversation_id, data["id"])
                if live is not None and len(live) > len(data["content"]):
                    data["content"] = live
                self.turn_running = True
            self.sent[data["id"]] = len(data["content"])
            if message.status != Message.Status.STREAMING:
                self.finished.add(data["id"])
            frames.append(data)
        if not self.turn_running:
            self.turn_running = await database_sync_to_async(services.turn_is_running)(
                conversation_id=self.conversation_id
            )
        await self.send_json(
            {
                "type": "history",
                "conversation": {"id": self.conversation_id, "title": title},
                "messages": frames,
                "running": self.turn_running,
                "truncated": truncated,
            }
        )

    async def deliver(self, event: dict[str, Any]) -> None:
        """An event handed over directly by a turn of this worker (the layer is down)."""
        handler = getattr(self, get_handler_name(event), None)
        if handler is not None:
            await handler(event)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale DB connections before every handler, a hop to the ORM thread.
        # Forwarding a chunk touches no database, so skip that hop on the hot path.
        if message.get("type") == "chat.chunk":
            await self.chat_chunk(message)
            return
        await super().dispatch(message)

    # --- client frames ------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            frame = parse_frame(text_data)
        except ShopError as exc:
            await self.send_error(exc)
            return
        handler = {
            "user_message": self.on_user_message,
            "stop": self.on_stop,
            "ping": self.on_ping,
        }.get(frame["type"])
        if handler is None:
            await self.send_error(
                ShopError(f"Unknown frame type {frame['type'][:40]!r}.", code="invalid_message")
            )
            return
        await handler(frame)

    async def on_ping(self, frame: dict[str, Any]) -> None:
        await self.send_json({"type": "pong"})

    async def on_stop(self, frame: dict[str, Any]) -> None:
        running = registry.RUNNING.get(self.conversation_id)
        if running is not None:
            running.stop()  # fast path: the turn runs in this worker
        try:
            await self.channel_layer.group_send(
                turn_control_group(self.conversation_id), {"type": "turn.stop"}
            )
        except Exception as exc:
            logger.warning("stop broadcast failed", extra={"error": type(exc).__name__})
            if running is None:
                await self.send_error(
                    ShopError("Could not reach the worker running this answer.", code="unavailable")
                )

    async def on_user_message(self, frame: dict[str, Any]) -> None:
        assert self.owner is not None
        client_message_id = client_message_id_of(frame)
        token = turns.new_token()
        try:
            question = parse_user_message(frame)
            accepted = await database_sync_to_async(services.question_accept)(
                owner=self.owner,
                conversation_id=self.conversation_id,
                content=question.content,
                client_message_id=question.client_message_id,
                token=token,
            )
        except ShopError as exc:
            await self.send_error(exc, client_message_id=client_message_id)
            return
        except DatabaseError:
            logger.warning("question not stored: database error", extra=self._log_extra())
            await self.send_error(UNAVAILABLE, client_message_id=client_message_id)
            return
        if accepted.duplicate:
            await self.send_json({"type": "message", "message": message_to_dict(accepted.question)})
            return
        self.turn_running = True
        self.last_event_at = time.monotonic()
        turns.start_turn(owner=self.owner, question=accepted.question, token=token)

    async def send_json(self, frame: dict[str, Any]) -> None:
        # UTF-8 on the wire: non-ASCII text costs its bytes, not \u escapes.
        await self.send(text_data=json.dumps(frame, ensure_ascii=False, separators=(",", ":")))

    async def send_error(self, error: ShopError, *, client_message_id: str | None = None) -> None:
        await self.send_json(
            {"type": "error", **error.as_dict(), "client_message_id": client_message_id}
        )

    def _log_extra(self) -> dict[str, Any]:
        return {"conversation_id": self.conversation_id}

    # --- group events -------------------------------------------------------------------------

    def _seen(self) -> None:
        self.last_event_at = time.monotonic()

    async def chat_chunk(self, event: dict[str, Any]) -> None:
        self._seen()
        self.turn_running = True
        message_id, text = event["message_id"], event["text"]
        if message_id in self.finished:
            return
        offset = self.sent.get(message_id, 0)
        if len(text) > offset:
            self.sent[message_id] = len(text)
            await self.send_json(
                {
                    "type": "chunk",
                    "message_id": message_id,
                    "offset": offset,
                    "delta": text[offset:],
                }
            )

    async def chat_message(self, event: dict[str, Any]) -> None:
        self._seen()
        message = event["message"]
        if message["role"] == Message.Role.USER:
            self.turn_running = True
        self.sent[message["id"]] = len(message["content"])
        self.finished.add(message["id"])
        await self.send_json({"type": "message", "message": message})

    async def chat_info(self, event: dict[str, Any]) -> None:
        self._seen()
        await self.send_json(
            {k: event[k] for k in ("message_id", "tool", "status", "content")} | {"type": "info"}
        )

    async def chat_done(self, event: dict[str, Any]) -> None:
        self._seen()
        message = event["message"]
        if message["id"] in self.finished:
            return
        self.finished.add(message["id"])
        self.sent[message["id"]] = len(message["content"])
        await self.send_json({"type": "done", "message": message})

    async def chat_error(self, event: dict[str, Any]) -> None:
        self._seen()
        await self.send_json(
            {
                "type": "error",
                "code": event["code"],
                "detail": event["detail"],
                "client_message_id": event.get("client_message_id"),
            }
        )

    async def chat_turn_ended(self, event: dict[str, Any]) -> None:
        self._seen()
        if not self.turn_running:
            return
        self.turn_running = False
        self.delay_noticed = False
        await self.send_json({"type": "turn_ended", "status": event["status"]})

    async def session_ended(self, event: dict[str, Any]) -> None:
        """The user logged out (on any worker): close their sockets."""
        await self.close(code=CLOSE_UNAUTHENTICATED)
