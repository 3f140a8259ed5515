"""What one socket has sent its client, so that every frame continues exactly from it.

Pure state, no I/O: the consumer feeds it group events and stored messages and sends the
frames it returns. Chunks carry the cumulative text, so a socket that missed some (the layer
delivers at most once) still continues from the code points it holds.
"""

from dataclasses import dataclass, field
from typing import Any

from chat import events
from chat.events import Frame
from chat.models import Message

Serialized = dict[str, Any]


@dataclass
class SocketView:
    sent: dict[str, int] = field(default_factory=dict)  # message id -> code points sent
    finished: set[str] = field(default_factory=set)  # message ids this socket got `done` for
    turn_running: bool = False
    question_id: str | None = None  # the question of the turn this socket knows of
    delay_noticed: bool = False  # the "live updates are delayed" error was sent this turn

    def history(
        self,
        *,
        conversation_id: str,
        title: str,
        messages: list[Serialized],
        running: bool,
        truncated: bool,
        actions: list[Serialized],
        reason: str = events.HISTORY_CONNECTED,
        client_message_id: str | None = None,
    ) -> Frame:
        """The frame after accept; `messages` already hold any newer live text."""
        for message in messages:
            if message["role"] == Message.Role.USER:
                self.question_id = message["id"]
            self.sent[message["id"]] = len(message["content"])
            if message["status"] == Message.Status.STREAMING:
                self.turn_running = True
            else:
                self.finished.add(message["id"])
        self.turn_running = self.turn_running or running
        return events.history_frame(
            conversation_id=conversation_id,
            title=title,
            messages=messages,
            running=self.turn_running,
            truncated=truncated,
            actions=actions,
            reason=reason,
            client_message_id=client_message_id,
        )

    def chunk(self, *, message_id: str, text: str) -> Frame | None:
        """The part of `text` this socket does not hold yet, if any."""
        self.turn_running = True
        if message_id in self.finished:
            return None
        offset = self.sent.get(message_id, 0)
        if len(text) <= offset:
            return None
        self.sent[message_id] = len(text)
        return events.chunk_frame(message_id=message_id, offset=offset, delta=text[offset:])

    def message(self, message: Serialized) -> Frame:
        """A stored message: a question (a turn has begun) or a tool result."""
        if message["role"] == Message.Role.USER:
            self.turn_started(message["id"])
        self._hold_final(message)
        return events.message_frame(message)

    def turn_started(self, question_id: str) -> None:
        self.turn_running = True
        self.question_id = question_id

    def turn_resumed(self, question_id: str) -> Frame:
        """A paused answer continues: its chunks and its turn_ended are expected again."""
        self.turn_started(question_id)
        return events.turn_started_frame(question_id=question_id)

    def missed_message(self, message: Serialized) -> Frame | None:
        """A stored message read back from the database, if this socket never got it."""
        if message["id"] in self.sent:
            return None
        return self.message(message)

    def done(self, message: Serialized) -> Frame | None:
        if message["id"] in self.finished:
            return None
        self._hold_final(message)
        return events.done_frame(message)

    def turn_ended(self, status: str, *, question_id: str | None = None) -> Frame | None:
        """Once per turn this socket knows of; never for an earlier turn's late event."""
        if not self.turn_running:
            return None
        if question_id and self.question_id and question_id != self.question_id:
            return None
        self.turn_running = False
        self.delay_noticed = False
        return events.turn_ended_frame(status)

    def _hold_final(self, message: Serialized) -> None:
        self.sent[message["id"]] = len(message["content"])
        self.finished.add(message["id"])
