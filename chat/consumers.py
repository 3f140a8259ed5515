"""The chat WebSocket: translates frames to service calls and group events to frames.

See docs/protocol.md for the frames. Turns run in worker-owned tasks (chat.turns); this
consumer only starts or stops them and forwards what the conversation's group carries,
through its SocketView (chat.delivery) so that every frame continues from what it sent.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import orjson
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import DatabaseError

from chat import (
    action_services,
    broadcast,
    catch_up,
    events,
    feedback_services,
    selectors,
    turns,
)
from chat.db_calls import db_call
from chat.delivery import SocketView
from chat.events import Event, Frame
from chat.groups import owner_group, turn_control_group, user_group
from chat.protocol import (
    parse_action_decision,
    parse_frame,
)
from chat.serializers import feedback_to_dict
from chat.server_send import SERVER_SEND
from chat.socket_asks import AskFrames
from chat.socket_events import GroupEvents
from chat.worker import current
from shop.errors import DatabaseUnavailable, ShopError
from shop.owners import Owner, owner_from

logger = logging.getLogger(__name__)
T = TypeVar("T")
P = TypeVar("P")

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY_SOCKETS = 4429


class ChatConsumer(AskFrames, GroupEvents, AsyncWebsocketConsumer):
    owner: Owner | None = None
    counted = False  # this socket holds one of its owner's socket slots on the worker
    hub_joined = False  # this socket is one of its conversation's sockets in the worker's hub

    # --- connection ---------------------------------------------------------------------------

    async def connect(self) -> None:
        # Frames go below the session middleware, which has nothing to do for them
        # (chat.server_send); found once, not per chunk.
        self.frame_send = self.scope.get(SERVER_SEND) or self.base_send
        self.conversation_id = str(self.scope["url_route"]["kwargs"]["conversation_id"])
        self.owner = owner_from(self.scope.get("user"), self.scope.get("session"))
        self.worker = current()
        self.view = SocketView()
        self.last_event_at = time.monotonic()
        self.groups_joined: list[str] = []
        self.watchdog: asyncio.Task[None] | None = None
        if self.owner is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        try:
            conversation = await db_call(selectors.conversation_get)(
                owner=self.owner, conversation_id=self.conversation_id
            )
        except DatabaseError:
            await self.close(code=1011)
            return
        if conversation is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if not self.worker.has_room_for_socket(self.owner.key):
            await self.close(code=CLOSE_TOO_MANY_SOCKETS)
            return
        await self._join(owner_group(self.owner.key))
        if self.owner.user_id:
            await self._join(user_group(self.owner.user_id))
        # The conversation's events come through this worker's hub (chat.hub), held back
        # until the history is sent.
        await self.worker.hub.join(self.conversation_id, self)
        self.hub_joined = True
        await self.accept()
        # Counted only once the socket is really open, so a failed connect leaks no slot.
        self.worker.socket_opened(owner_key=self.owner.key)
        self.counted = True
        await self._send_history(conversation.title)
        await self.worker.hub.live(self.conversation_id, self)
        self.watchdog = asyncio.create_task(catch_up.watch(self))

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)

    async def disconnect(self, code: int) -> None:
        if self.watchdog is not None:
            self.watchdog.cancel()
        if self.counted and self.owner is not None:
            self.worker.socket_closed(owner_key=self.owner.key)
            self.counted = False
        if self.hub_joined:
            self.hub_joined = False
            await self.worker.hub.leave(self.conversation_id, self)
        for group in self.groups_joined:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception as exc:
                logger.warning("group discard failed", extra={"error": type(exc).__name__})
        self.groups_joined = []

    async def deliver(self, event: Event) -> None:
        """A conversation event, handed over by this worker's hub (chat.hub)."""
        if events.is_chunk(event):
            await self.chat_chunk(event)
            return
        handler = getattr(self, get_handler_name(event), None)
        if handler is not None:
            await handler(event)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale DB connections before every handler, a hop to the ORM thread
        # per frame and per group event. Every database call here goes through
        # chat.db_calls, which closes them itself on its own thread, so no handler needs
        # that hop.
        if events.is_chunk(message):
            await self.chat_chunk(message)
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

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
            "action_decision": self.on_action_decision,
            "feedback": self.on_feedback,
            "regenerate": self.on_regenerate,
            "edit": self.on_edit,
            "switch_branch": self.on_switch_branch,
        }.get(frame["type"])
        if handler is None:
            await self.send_error(
                ShopError(f"Unknown frame type {frame['type'][:40]!r}.", code="invalid_message")
            )
            return
        await handler(frame)

    async def on_ping(self, frame: dict[str, Any]) -> None:
        await self.send_json(events.pong_frame())

    async def on_stop(self, frame: dict[str, Any]) -> None:
        running = self.worker.turns.get(self.conversation_id)
        if running is not None:
            running.stop()  # fast path: the turn runs in this worker
        try:
            await self.channel_layer.group_send(
                turn_control_group(), events.stop_event(conversation_id=self.conversation_id)
            )
        except Exception as exc:
            logger.warning("stop broadcast failed", extra={"error": type(exc).__name__})
            if running is None:
                await self.send_error(
                    ShopError("Could not reach the worker running this answer.", code="unavailable")
                )

    async def _service(
        self, call: Callable[[], T], *, what: str, client_message_id: str | None = None
    ) -> T | None:
        """Run a service on a database thread (chat.db_calls); a refusal or a database
        failure becomes an `error` frame (None returned), so each handler only says what to
        call."""
        try:
            return await db_call(call)()
        except ShopError as exc:
            await self.send_error(exc, client_message_id=client_message_id)
        except DatabaseError:
            logger.warning(
                f"{what} not stored: database error",
                extra={"conversation_id": self.conversation_id},
            )
            await self.send_error(DatabaseUnavailable(), client_message_id=client_message_id)
        return None

    async def on_action_decision(self, frame: dict[str, Any]) -> None:
        assert self.owner is not None
        received_at = time.monotonic()
        token = turns.new_token()
        try:
            decision = parse_action_decision(frame)
        except ShopError as exc:
            await self.send_error(exc)
            return
        decided = await self._service(
            partial(
                action_services.action_decide,
                owner=self.owner,
                conversation_id=self.conversation_id,
                action_id=decision.action_id,
                approve=decision.approve,
                token=token,
            ),
            what="decision",
        )
        if decided is None:
            return
        if decided.refused is not None:
            await self.send_error(decided.refused)
            if not decided.announced:  # this socket may have missed the earlier decision
                await self.send_json(events.action_frame(decided.action))
        await self._announce(decided.announced)
        if decided.resume is not None:
            self.last_event_at = time.monotonic()
            turns.start_turn(
                worker=self.worker,
                owner=self.owner,
                question=decided.resume,
                token=token,
                resume=True,
                received_at=received_at,
            )

    async def on_feedback(self, frame: dict[str, Any]) -> None:
        assert self.owner is not None
        try:
            rating = feedback_services.parse_rating(frame)
        except ShopError as exc:
            await self.send_error(exc)
            return
        stored = await self._service(
            partial(
                feedback_services.feedback_set,
                owner=self.owner,
                message_id=frame.get("message_id"),
                rating=rating,
            ),
            what="feedback",
        )
        if stored is None:
            return
        message, feedback = stored
        event = events.feedback_event(
            message_id=str(message.id), feedback=feedback_to_dict(feedback)
        )
        await broadcast.to_conversation(self.worker, str(message.conversation_id), event)

    async def _announce(self, announced: list[Event]) -> None:
        for event in announced:
            await broadcast.to_conversation(self.worker, self.conversation_id, event)

    async def send_json(self, frame: Frame) -> None:
        # UTF-8 on the wire: non-ASCII text costs its bytes, not \u escapes. orjson writes
        # the same compact JSON as json.dumps for a fraction of the CPU, on every chunk.
        text = orjson.dumps(frame, option=orjson.OPT_NON_STR_KEYS).decode()
        await self.frame_send({"type": "websocket.send", "text": text})

    async def send_frames(self, frames: list[Frame]) -> None:
        for frame in frames:
            await self.send_json(frame)

    async def send_error(self, error: ShopError, *, client_message_id: str | None = None) -> None:
        await self.send_json(events.error_frame(error, client_message_id=client_message_id))

    async def _send_if_any(self, frame: Frame | None) -> None:
        if frame is not None:
            await self.send_json(frame)

    # --- group events beyond the conversation's (chat.socket_events has those) ----------------

    async def session_ended(self, event: Event) -> None:
        """The user logged out (on any worker): close their sockets."""
        await self.close(code=CLOSE_UNAUTHENTICATED)
