"""Running one turn: the agent loop, stored through chat.services, fanned out to the group.

The turn's lifecycle and the agent's events are here; the messages it writes for them, in
chat.turn_messages.

A turn belongs to the worker process, not to a socket: closing every socket does not end it
(the answer completes and is stored). The worker (chat.worker) keeps a strong reference to
each turn and lets shutdown settle them. A `stop` sent on any worker reaches the
worker holding the turn through the workers' control group (chat.worker).
"""

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any

from django.conf import settings
from django.db import DatabaseError

from chat import action_services, broadcast, events, services, summaries, tracing
from chat.chunk_pacer import ChunkPacer
from chat.db_calls import db_call
from chat.events import Event
from chat.models import Message
from chat.paths import ACTIVE
from chat.selectors import past_messages
from chat.serializers import message_to_dict
from chat.turn_messages import TurnMessages
from chat.worker import Worker
from llm.agent import run_agent
from llm.agent_events import (
    MessageFinished,
)
from llm.errors import LLMError
from llm.history import PastMessage
from metrics import record
from shop.errors import DatabaseUnavailable
from shop.owners import Owner

logger = logging.getLogger(__name__)


def new_token() -> str:
    """A turn's claim token: random, so only the turn that took a claim can release it."""
    return uuid.uuid4().hex


class Turn(TurnMessages):
    """The answer to `question`; with `resume`, its continuation after the customer decided the
    actions its last round proposed (the history then ends with their tool results).

    `past` and `answer` are the history and the streaming answer row when the question's
    acceptance already read and created them (question_services.question_accept).
    """

    def __init__(
        self,
        *,
        worker: Worker,
        owner: Owner,
        question: Message,
        token: str,
        resume: bool = False,
        received_at: float | None = None,
        past: list[PastMessage] | None = None,
        answer: Message | None = None,
        branched: bool = False,
        versions: dict[uuid.UUID, list[str]] | None = None,
        request_id: str | None = None,
    ) -> None:
        self.worker = worker
        # The client_message_id of the frame that asked, named in the new path's history.
        self.request_id = request_id
        # An edit or a regenerate: the sockets are sent the new path, not the question.
        self.branched = branched
        self._versions = versions or {}
        self.resume = resume
        self.paused = False  # the answer stopped for the customer to decide actions
        self.blocked = False  # a guardrail intervened
        self.owner = owner
        self.question = question
        self.conversation_id = str(question.conversation_id)
        self.token = token
        self.task: asyncio.Task[None] | None = None
        self.stop_requested = False
        self._agent_task: asyncio.Task[None] | None = None
        self.layer_failed = False
        # The assistant message now streaming: its id, its text, what its last checkpoint
        # stored and what was last group-sent.
        self.message_id: uuid.UUID | None = None
        self._message: Message | None = None
        self._past = past
        # A row made with the question is the first round's message from the start, so a
        # turn that ends before the model starts still leaves it in a final state.
        self._first_answer = answer
        if answer is not None:
            self._message, self.message_id = answer, answer.id
        # The last message this turn stored: the next one follows it (Message.parent), and it
        # ends the active path when the turn lets go of the claim. A continuation learns it
        # from the history it reads.
        self._tail: uuid.UUID | None = None if resume else (answer or question).id
        # The turn's last message, finished by the model: stored together with the claim's
        # release (_finish_last), one trip to the database instead of two.
        self._last: MessageFinished | None = None
        self._released = False
        self.text = ""
        self._saved_text = ""
        self._sent_text = ""
        self._pacer = ChunkPacer(self._send_chunk)
        self._asking_message_id: str | None = None  # the last one, whose tools now run
        self._left_streaming = False  # a message may be left streaming (a failed write)
        self._first_chunk = record.FirstChunkClock(received_at)

    # --- checkpoint state (chat.heartbeat) ----------------------------------------------------

    def claim(self) -> tuple[str, str]:
        return self.conversation_id, self.token

    def unsaved_text(self) -> tuple[uuid.UUID, str] | None:
        if self.message_id is None or self.text == self._saved_text:
            return None
        return self.message_id, self.text

    def text_saved(self, message_id: uuid.UUID, text: str) -> None:
        if message_id == self.message_id:
            self._saved_text = text

    def live_text(self, message_id: str) -> str | None:
        """The streaming text of `message_id`, if that is the message this turn writes."""
        return self.text if str(self.message_id) == message_id else None

    # --- fan-out ------------------------------------------------------------------------------

    async def _send_chunk(self) -> None:
        if self.message_id is None or self.text == self._sent_text:
            return
        self._sent_text = self.text
        await self._broadcast(events.chunk_event(message_id=str(self.message_id), text=self.text))
        self._first_chunk.chunk_sent()

    async def _broadcast(self, event: Event) -> None:
        if not events.is_chunk(event):
            await self._pacer.flush()
        # A layer failure must not end the turn (chat.broadcast); it is logged once per turn.
        sent = await broadcast.to_conversation(
            self.worker, self.conversation_id, event, log_failure=not self.layer_failed
        )
        self.layer_failed = self.layer_failed or not sent

    # --- lifecycle ----------------------------------------------------------------------------

    def stop(self) -> None:
        if not self.stop_requested and self._agent_task is not None:
            self.stop_requested = True
            self._agent_task.cancel()

    async def run(self) -> None:
        started = time.monotonic()
        status = Message.Status.COMPLETE
        try:
            if self.resume:
                await self._broadcast(events.turn_resumed_event(question_id=str(self.question.id)))
            elif self.branched:
                await self._broadcast(events.path_changed_event(client_message_id=self.request_id))
            else:
                await self._broadcast(events.message_event(message_to_dict(self.question)))
            self._agent_task = asyncio.create_task(self._answer())
            try:
                await self._agent_task
                if self.paused:
                    status = events.ACTION_REQUIRED
                elif self.blocked:
                    status = Message.Status.BLOCKED
                await self._finish_last()
            except asyncio.CancelledError:
                if not self.stop_requested or _current_task_cancelling():
                    raise
                status = Message.Status.STOPPED
                await self._finish_message(Message.Status.STOPPED)
            except LLMError as exc:
                status = Message.Status.ERROR
                await self._finish_message(Message.Status.ERROR, error_code=exc.reason)
                await self._broadcast(self._error(exc))
            except DatabaseError:
                status = Message.Status.ERROR
                self._left_streaming = True
                logger.exception("turn failed on the database", extra=self._log_extra())
                await self._broadcast(self._error(DatabaseUnavailable()))
        except asyncio.CancelledError:
            # The worker is shutting down: store what we have as interrupted, never streaming.
            status = Message.Status.INTERRUPTED
            self._left_streaming = True
            with contextlib.suppress(Exception):
                await asyncio.shield(self._finish_message(Message.Status.INTERRUPTED))
            raise
        finally:
            self._pacer.cancel()
            continues = False
            with contextlib.suppress(Exception):
                continues = await self._release()
            # Counted, and off the worker's running turns, before sockets hear that the turn
            # ended (this worker's hear it at once, in the process), so a scrape or a stop
            # after turn_ended finds it over.
            seconds = time.monotonic() - started
            record.turn_ended(status=str(status), seconds=seconds)
            self.worker.turn_ended(self)
            await self._broadcast(
                events.turn_ended_event(
                    conversation_id=self.conversation_id,
                    status=status,
                    question_id=str(self.question.id),
                )
            )
            if status == Message.Status.COMPLETE and summaries.due(self._past):
                self.worker.spawn(
                    summaries.summarise_if_long(self.conversation_id),
                    name=f"summary-{self.conversation_id}",
                )
            if continues:
                start_turn(
                    worker=self.worker,
                    owner=self.owner,
                    question=self.question,
                    token=self.token,
                    resume=True,
                )
            logger.info(
                "turn finished",
                extra={**self._log_extra(), "status": str(status), "seconds": round(seconds, 3)},
            )

    async def _release(self) -> bool:
        """Give the claim back; True when this worker keeps it to continue the answer, every
        action of the paused round having been decided while this turn still held it."""
        if self._released:
            return False
        if self.paused and self._asking_message_id is not None and not self.stop_requested:
            return bool(
                await db_call(action_services.turn_release_unless_decided)(
                    conversation_id=self.conversation_id,
                    token=self.token,
                    message_id=self._asking_message_id,
                    leaf_id=self._tail,
                )
            )
        await db_call(services.turn_release)(
            conversation_id=self.conversation_id,
            token=self.token,
            settle_streaming=self._left_streaming,
            leaf_id=self._tail,
        )
        return False

    def _error(self, error: LLMError | DatabaseUnavailable) -> Event:
        return events.error_event(error, client_message_id=self.question.client_message_id)

    def _log_extra(self) -> dict[str, Any]:
        return {"conversation_id": self.conversation_id, "question_id": str(self.question.id)}

    # --- the answer ---------------------------------------------------------------------------

    async def _answer(self) -> None:
        # A continuation reads everything stored so far: the question, the paused round and
        # the outcomes of its actions.
        if self._past is None:
            self._past, leaf = await db_call(past_messages)(
                conversation_id=self.conversation_id,
                limit=settings.LLM_HISTORY_MAX_MESSAGES,
                anchor=ACTIVE if self.resume else self.question.parent_id,
            )
            if self.resume:
                self._tail = leaf
        past = self._past
        agent = tracing.traced_turn(
            run_agent(
                question=None if self.resume else self.question.content,
                context=None if self.resume else self.question.context,
                past=past,
                owner=self.owner,
            ),
            conversation_id=self.conversation_id,
            question_id=str(self.question.id),
            resumed=self.resume,
        )
        async with contextlib.aclosing(agent):
            async for event in agent:
                await self._on_agent_event(event)


def _current_task_cancelling() -> bool:
    task = asyncio.current_task()
    return bool(task and task.cancelling())


def start_turn(
    *,
    worker: Worker,
    owner: Owner,
    question: Message,
    token: str,
    resume: bool = False,
    received_at: float | None = None,
    past: list[PastMessage] | None = None,
    answer: Message | None = None,
    branched: bool = False,
    versions: dict[uuid.UUID, list[str]] | None = None,
    request_id: str | None = None,
) -> Turn:
    """Run a claimed turn in a task owned by this worker; `received_at` is when the frame that
    started it arrived (time.monotonic()), now when not given."""
    turn = Turn(
        worker=worker,
        owner=owner,
        question=question,
        token=token,
        resume=resume,
        received_at=received_at,
        past=past,
        answer=answer,
        branched=branched,
        versions=versions,
        request_id=request_id,
    )
    worker.turn_started(turn)
    turn.task = asyncio.create_task(turn.run(), name=f"turn-{turn.conversation_id}")
    return turn
