"""The messages a turn writes: each round's answer started and finished, the tool results and
the proposed actions after the round that asked for them, each announced to the conversation
once stored, as the agent's events (`_on_agent_event`) ask for them. Mixed into
chat.turns.Turn, which holds the state these methods share.
"""

import uuid
from typing import TYPE_CHECKING, Any

from chat import action_services, events, services
from chat.chunk_pacer import ChunkPacer
from chat.db_calls import db_call
from chat.events import Event
from chat.models import Message
from chat.serializers import action_to_dict, message_to_dict
from llm import providers
from llm.agent_events import (
    GUARDRAIL_INTERVENED,
    ActionProposed,
    AgentEvent,
    MessageFinished,
    MessageStarted,
    TextGrew,
    ToolFinished,
    ToolStarted,
    TurnFinished,
)
from llm.tools import cards_for


class TurnMessages:
    conversation_id: str
    token: str
    text: str
    blocked: bool
    paused: bool
    message_id: uuid.UUID | None
    _message: Message | None
    _first_answer: Message | None
    _tail: uuid.UUID | None
    _saved_text: str
    _sent_text: str
    _last: MessageFinished | None
    _released: bool
    _asking_message_id: str | None
    _versions: dict[uuid.UUID, list[str]]
    _pacer: ChunkPacer

    if TYPE_CHECKING:

        async def _broadcast(self, event: Event) -> None: ...

    async def _on_agent_event(self, event: AgentEvent) -> None:
        """One event of the agent's turn: the text grown, a message started or finished, a
        tool's start and result, an action proposed, the turn paused for decisions."""
        if isinstance(event, TextGrew):
            self.text = event.text
            await self._pacer.text_grew()
        elif isinstance(event, MessageStarted):
            await self._start_message()
        elif isinstance(event, MessageFinished):
            self.blocked = event.stop_reason == GUARDRAIL_INTERVENED
            if event.tool_calls:
                await self._finish_message(self._status_of(event), finished=event)
            else:
                # The last message: no tools follow, the turn ends with it, stored
                # with the claim's release (_finish_last).
                await self._pacer.flush()
                self._last = event
        elif isinstance(event, ToolStarted):
            await self._broadcast(self._info(event.name, "started", event.description))
        elif isinstance(event, ToolFinished):
            await self._tool_finished(event)
        elif isinstance(event, ActionProposed):
            await self._action_proposed(event)
        elif isinstance(event, TurnFinished) and event.reason == events.ACTION_REQUIRED:
            self.paused = True

    async def _start_message(self) -> None:
        message, self._first_answer = self._first_answer, None
        if message is None:
            message = await db_call(services.assistant_message_start)(
                conversation_id=self.conversation_id,
                model_id=providers.current().model_id,
                parent_id=self._tail,
            )
        self._message, self._tail = message, message.id
        self.message_id, self.text, self._saved_text, self._sent_text = message.id, "", "", ""

    async def _tool_finished(self, event: ToolFinished) -> None:
        stored = await db_call(services.tool_message_create)(
            conversation_id=self.conversation_id,
            tool_name=event.name,
            tool_call_id=event.call_id,
            content=event.result,
            ok=event.ok,
            cards=cards_for(event.name, event.result) if event.ok else [],
            parent_id=self._tail,
        )
        self._tail = stored.id
        await self._broadcast(events.message_event(message_to_dict(stored)))
        status = "finished" if event.ok else "failed"
        await self._broadcast(self._info(event.name, status, event.summary))

    async def _action_proposed(self, event: ActionProposed) -> None:
        assert self._asking_message_id is not None  # proposed by the message just stored
        action = await db_call(action_services.action_propose)(
            conversation_id=self.conversation_id,
            message_id=self._asking_message_id,
            tool_call_id=event.call_id,
            tool=event.name,
            args=event.args,
            summary=event.summary,
        )
        await self._broadcast(events.action_event(action_to_dict(action)))

    def _info(self, tool: str, status: str, content: str) -> Event:
        # Tools run only after the message that asked for them is stored (_finish_message).
        assert self._asking_message_id is not None
        return events.info_event(
            message_id=self._asking_message_id, tool=tool, status=status, content=content
        )

    async def _finish_message(
        self, status: str, *, finished: MessageFinished | None = None, error_code: str = ""
    ) -> None:
        if self._message is None:
            return
        if finished is None and self._last is not None:
            # Stopped or interrupted once the model had finished: the answer is complete.
            finished, error_code = self._last, ""
            status = self._status_of(finished)
        self._last = None
        await self._pacer.flush()  # chunks rebuild the full text before `done` arrives
        message = self._take_message()
        self._asking_message_id = str(message.id)
        stored = await db_call(services.assistant_message_finish)(
            message=message, **_final_fields(status, finished, self.text, error_code)
        )
        await self._broadcast(events.done_event(self._serialized(stored)))

    async def _finish_last(self) -> None:
        """Store the turn's last message and release the claim in one trip, then say `done`."""
        if self._last is None or self._message is None:
            return
        finished, self._last = self._last, None
        message = self._take_message()
        stored = await db_call(services.turn_finish)(
            conversation_id=self.conversation_id,
            token=self.token,
            message=message,
            **_final_fields(self._status_of(finished), finished, self.text, ""),
        )
        self._released = True
        await self._broadcast(events.done_event(self._serialized(stored)))

    def _serialized(self, message: Message) -> dict[str, Any]:
        return message_to_dict(message, self._versions.get(message.id))

    def _status_of(self, finished: MessageFinished) -> str:
        """A message the model finished is complete, unless a guardrail stopped it."""
        blocked = finished.stop_reason == GUARDRAIL_INTERVENED
        return Message.Status.BLOCKED if blocked else Message.Status.COMPLETE

    def _take_message(self) -> Message:
        """The streaming message, no longer this turn's to write once taken."""
        assert self._message is not None
        message, self._message, self.message_id = self._message, None, None
        return message


def _final_fields(
    status: str, finished: MessageFinished | None, text: str, error_code: str
) -> dict[str, Any]:
    """A message's final state, from what the model said (`finished`) or the text so far."""
    return {
        "content": finished.text if finished else text,
        "status": status,
        "tool_calls": finished.tool_calls if finished else [],
        "input_tokens": finished.input_tokens if finished else None,
        "output_tokens": finished.output_tokens if finished else None,
        "cache_read_tokens": finished.cache_read_tokens if finished else None,
        "cache_write_tokens": finished.cache_write_tokens if finished else None,
        "time_to_first_token_ms": finished.time_to_first_token_ms if finished else None,
        "duration_ms": finished.duration_ms if finished else None,
        "error_code": error_code,
    }
