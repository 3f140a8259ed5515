"""What a chat socket sends its client for each group event of its conversation.

Each handler is named after the event's `type` (chat.events), as Channels dispatches them, and
turns the event into a frame through the socket's SocketView (chat.delivery), so that every
frame continues from what this socket sent. The consumer (chat.consumers) mixes this in.
"""

import time
from typing import TYPE_CHECKING

from chat import events
from chat.delivery import SocketView
from chat.events import Event, Frame


class GroupEvents:
    view: SocketView
    last_event_at: float  # when the group last said anything (chat.catch_up watches it)

    if TYPE_CHECKING:

        async def send_json(self, frame: Frame) -> None: ...

        async def _send_if_any(self, frame: Frame | None) -> None: ...

        async def _send_history(self, title: str | None = None) -> None: ...

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
        await self._send_history()

    async def chat_cart(self, event: Event) -> None:
        await self.send_json(events.cart_frame(event["cart"]))

    async def chat_feedback(self, event: Event) -> None:
        await self.send_json(events.feedback_frame(event))
