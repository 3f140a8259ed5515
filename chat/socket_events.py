"""What a chat socket sends its client for each group event of its conversation, and the
`history` frame (after accept, and whenever the active path changes).

Each handler is named after the event's `type` (chat.events), as Channels dispatches them, and
turns the event into a frame through the socket's SocketView (chat.delivery), so that every
frame continues from what this socket sent. The consumer (chat.consumers) mixes this in.
"""

import time
from typing import TYPE_CHECKING

from django.conf import settings

from chat import events, selectors
from chat.db_calls import db_call
from chat.delivery import Serialized, SocketView
from chat.events import Event, Frame
from chat.models import Message
from chat.serializers import action_to_dict, message_to_dict
from chat.worker import Worker


class GroupEvents:
    view: SocketView
    conversation_id: str
    worker: Worker
    last_event_at: float  # when the group last said anything (chat.catch_up watches it)

    if TYPE_CHECKING:

        async def send_json(self, frame: Frame) -> None: ...

        async def _send_if_any(self, frame: Frame | None) -> None: ...

    async def _send_history(
        self,
        title: str | None = None,
        *,
        reason: str = events.HISTORY_CONNECTED,
        client_message_id: str | None = None,
    ) -> None:
        # Bounded, so a long conversation never makes a frame too big to send; the whole
        # conversation stays available from GET /api/conversations/<id>/.
        limit = settings.CHAT_HISTORY_FRAME_MESSAGES
        found = await db_call(selectors.history_of)(
            conversation_id=self.conversation_id, last=limit + 1, title=title
        )
        stored, actions, versions = found.messages, found.actions, found.versions
        truncated = len(stored) > limit
        messages = [
            self._with_live_text(message_to_dict(m, versions.get(m.id))) for m in stored[-limit:]
        ]
        frame = self.view.history(
            conversation_id=self.conversation_id,
            title=found.title,
            messages=messages,
            running=False,
            truncated=truncated,
            actions=[action_to_dict(a) for a in actions],
            reason=reason,
            client_message_id=client_message_id,
        )
        # No answer streaming here: a turn may still be under way before its first words.
        if not self.view.turn_running and await db_call(selectors.turn_is_running)(
            conversation_id=self.conversation_id
        ):
            frame["running"] = self.view.turn_running = True
        await self.send_json(frame)

    def _with_live_text(self, message: Serialized) -> Serialized:
        """A message streaming in this worker: its text is newer than the checkpoint."""
        if message["status"] == Message.Status.STREAMING:
            live = self.worker.live_text(self.conversation_id, message["id"])
            if live is not None and len(live) > len(message["content"]):
                message["content"] = live
        return message

    def _seen(self) -> None:
        self.last_event_at = time.monotonic()

    async def chat_chunk(self, event: Event) -> None:
        self._seen()
        await self._send_if_any(self.view.chunk(message_id=event["message_id"], text=event["text"]))

    async def chat_message(self, event: Event) -> None:
        self._seen()
        await self.send_json(self.view.message(event["message"]))

    async def chat_info(self, event: Event) -> None:
        self._seen()
        await self.send_json(events.info_frame(event))

    async def chat_done(self, event: Event) -> None:
        self._seen()
        await self._send_if_any(self.view.done(event["message"]))

    async def chat_error(self, event: Event) -> None:
        self._seen()
        await self.send_json(events.error_frame_from_event(event))

    async def chat_turn_ended(self, event: Event) -> None:
        self._seen()
        frame = self.view.turn_ended(event["status"], question_id=event.get("question_id"))
        await self._send_if_any(frame)

    async def chat_action(self, event: Event) -> None:
        self._seen()
        await self.send_json(events.action_frame(event["action"]))

    async def chat_turn_resumed(self, event: Event) -> None:
        self._seen()
        await self.send_json(self.view.turn_resumed(event["question_id"]))

    async def chat_path_changed(self, event: Event) -> None:
        self._seen()
        await self._send_history(
            reason=events.HISTORY_PATH_CHANGED, client_message_id=event.get("client_message_id")
        )

    async def chat_cart(self, event: Event) -> None:
        await self.send_json(events.cart_frame(event["cart"]))

    async def chat_feedback(self, event: Event) -> None:
        await self.send_json(events.feedback_frame(event))
