"""Running one turn: the agent loop, stored through chat.services, fanned out to the group.

A turn belongs to the worker process, not to a socket: closing every socket does not end it
(the answer completes and is stored). chat.registry keeps a strong reference to each turn and
lets shutdown settle them. The worker holding the turn listens on the conversation's control
group, so a `stop` sent on any worker reaches it.
"""

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import DatabaseError

from chat import keeper, registry, services
from chat.groups import conversation_group, turn_control_group
from chat.models import Message
from chat.owners import Owner
from chat.selectors import past_messages
from chat.serializers import message_to_dict
from llm.agent import (
    MessageFinished,
    MessageStarted,
    TextGrew,
    ToolFinished,
    ToolStarted,
    run_agent,
)
from llm.errors import LLMError
from llm.providers import current

logger = logging.getLogger(__name__)


def new_token() -> str:
    return uuid.uuid4().hex


class Turn:
    def __init__(self, *, owner: Owner, question: Message, token: str) -> None:
        self.owner = owner
        self.question = question
        self.conversation_id = str(question.conversation_id)
        self.token = token
        self.group = conversation_group(self.conversation_id)
        self.layer = get_channel_layer()
        self.message_id: uuid.UUID | None = None  # the assistant message now streaming
        self.asking_message_id: uuid.UUID | None = None  # the last one, whose tools now run
        self.text = ""
        self.stop_requested = False
        self.task: asyncio.Task[None] | None = None
        self._agent_task: asyncio.Task[None] | None = None
        self.saved_text: str | None = None  # what the last checkpoint stored (chat.keeper)
        self.layer_failed = False
        # Chunk coalescing: the text last group-sent, when, and a pending delayed send.
        self._chunk_text = ""
        self._chunk_sent_at = 0.0
        self._delta_at = 0.0
        self._flusher: asyncio.Task[None] | None = None

    # --- fan-out ------------------------------------------------------------------------------

    async def _text_grew(self, text: str) -> None:
        """Group-send the cumulative text; coalesce only when the model is fast.

        A model that is no faster than one delta per half CHAT_CHUNK_COALESCE_MS gets every
        delta sent at once; bursts of faster deltas go out at most once per window. A fast
        model yields far more deltas than a reader needs, and each sent chunk costs a layer
        message, a frame and ~70 bytes of framing per socket: measured on a 50 KB answer in
        4-character deltas, 630 MB through Redis and 25x the answer on the wire per socket
        without coalescing; 5 MB and 1.2x with 50 ms.
        """
        self.text = text
        loop = asyncio.get_running_loop()
        now = loop.time()
        gap, self._delta_at = now - self._delta_at, now
        if self._flusher is not None:
            return  # a send is already scheduled and will carry the latest text
        window = settings.CHAT_CHUNK_COALESCE_MS / 1000
        wait = self._chunk_sent_at + window - now
        if wait <= 0 or gap >= window / 2:
            await self._send_chunk()
        else:
            self._flusher = asyncio.create_task(self._send_chunk_after(wait))

    async def _send_chunk_after(self, wait: float) -> None:
        await asyncio.sleep(wait)
        self._flusher = None
        await self._send_chunk()

    async def _flush_chunk(self) -> None:
        """Send any text still held back, before an event that must follow it."""
        flusher, self._flusher = self._flusher, None
        if flusher is not None:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
        await self._send_chunk()

    async def _send_chunk(self) -> None:
        self._chunk_sent_at = asyncio.get_running_loop().time()
        if self.message_id is None or self.text == self._chunk_text:
            return
        self._chunk_text = self.text
        await self._broadcast(
            {"type": "chat.chunk", "message_id": str(self.message_id), "text": self.text}
        )

    async def _broadcast(self, event: dict[str, Any]) -> None:
        if event["type"] != "chat.chunk":
            await self._flush_chunk()
        # A layer failure must not end the turn: this worker's own sockets get the event
        # directly, and sockets elsewhere catch up from the database when they hear nothing.
        try:
            await self.layer.group_send(self.group, event)
        except Exception as exc:
            if not self.layer_failed:
                logger.warning(
                    "group send failed; delivering to this worker's sockets only",
                    extra={"conversation_id": self.conversation_id, "error": type(exc).__name__},
                )
            self.layer_failed = True
            for socket in list(registry.LOCAL_SOCKETS.get(self.conversation_id, ())):
                await socket.deliver(event)

    # --- lifecycle ----------------------------------------------------------------------------

    def stop(self) -> None:
        if not self.stop_requested and self._agent_task is not None:
            self.stop_requested = True
            self._agent_task.cancel()

    async def run(self) -> None:
        started = time.monotonic()
        status = "complete"
        control = await self._listen_for_stop()
        try:
            await self._broadcast(
                {"type": "chat.message", "message": message_to_dict(self.question)}
            )
            self._agent_task = asyncio.create_task(self._answer())
            try:
                await self._agent_task
            except asyncio.CancelledError:
                if not self.stop_requested or _current_task_cancelling():
                    raise
                status = "stopped"
                await self._finish_message(Message.Status.STOPPED)
            except LLMError as exc:
                status = "error"
                await self._finish_message(Message.Status.ERROR, error_code=exc.reason)
                await self._broadcast(
                    {
                        "type": "chat.error",
                        "code": exc.code,
                        "detail": exc.detail,
                        "client_message_id": self.question.client_message_id,
                    }
                )
            except DatabaseError:
                status = "error"
                logger.exception("turn failed on the database", extra=self._log_extra())
                await self._broadcast(
                    {
                        "type": "chat.error",
                        "code": "unavailable",
                        "detail": "The shop's database is unavailable. Please try again shortly.",
                        "client_message_id": self.question.client_message_id,
                    }
                )
        except asyncio.CancelledError:
            # The worker is shutting down: store what we have as interrupted, never streaming.
            status = "interrupted"
            with contextlib.suppress(Exception):
                await asyncio.shield(self._finish_message(Message.Status.INTERRUPTED))
            raise
        finally:
            control.cancel()
            if self._flusher is not None:
                self._flusher.cancel()
            with contextlib.suppress(Exception):
                await database_sync_to_async(services.turn_release)(
                    conversation_id=self.conversation_id, token=self.token
                )
            # turn_ended's statuses are complete, stopped and error; interrupted reads as error.
            await self._broadcast(
                {
                    "type": "chat.turn_ended",
                    "status": "error" if status == "interrupted" else status,
                    "conversation_id": self.conversation_id,
                }
            )
            registry.RUNNING.pop(self.conversation_id, None)
            logger.info(
                "turn finished",
                extra={
                    **self._log_extra(),
                    "status": status,
                    "seconds": round(time.monotonic() - started, 3),
                },
            )

    def _log_extra(self) -> dict[str, Any]:
        return {"conversation_id": self.conversation_id, "question_id": str(self.question.id)}

    async def _listen_for_stop(self) -> asyncio.Task[None]:
        """Listen on the control group for `stop` sent on any worker (best effort: with the
        layer down, only this worker's sockets can stop the turn)."""
        group = turn_control_group(self.conversation_id)

        ready = asyncio.Event()

        async def listen() -> None:
            channel = None
            try:
                channel = await self.layer.new_channel()
                await self.layer.group_add(group, channel)
                ready.set()
                while True:
                    event = await self.layer.receive(channel)
                    if event.get("type") == "turn.stop":
                        self.stop()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning(
                    "stop listener unavailable",
                    extra={"conversation_id": self.conversation_id, "error": type(exc).__name__},
                )
            finally:
                ready.set()
                if channel is not None:
                    with contextlib.suppress(Exception):
                        await self.layer.group_discard(group, channel)

        task = asyncio.create_task(listen())
        # Subscribed before the answer starts, so an early `stop` from another worker counts.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ready.wait(), 2.0)
        return task

    # --- the answer ---------------------------------------------------------------------------

    async def _answer(self) -> None:
        past = await database_sync_to_async(past_messages)(
            conversation_id=self.conversation_id,
            limit=settings.LLM_HISTORY_MAX_MESSAGES,
            before=self.question,
        )
        events = run_agent(question=self.question.content, past=past, user=self.owner.user)
        async with contextlib.aclosing(events):
            async for event in events:
                if isinstance(event, TextGrew):
                    await self._text_grew(event.text)
                elif isinstance(event, MessageStarted):
                    message = await database_sync_to_async(services.assistant_message_start)(
                        conversation_id=self.conversation_id, model_id=current().model_id
                    )
                    self.message_id, self.text, self.saved_text = message.id, "", ""
                    self._chunk_text = ""
                elif isinstance(event, MessageFinished):
                    await self._finish_message(Message.Status.COMPLETE, finished=event)
                elif isinstance(event, ToolStarted):
                    await self._broadcast(self._info(event.name, "started", event.description))
                elif isinstance(event, ToolFinished):
                    stored = await database_sync_to_async(services.tool_message_create)(
                        conversation_id=self.conversation_id,
                        tool_name=event.name,
                        tool_call_id=event.call_id,
                        content=event.result,
                        ok=event.ok,
                    )
                    await self._broadcast(
                        {"type": "chat.message", "message": message_to_dict(stored)}
                    )
                    await self._broadcast(
                        self._info(event.name, "finished" if event.ok else "failed", event.summary)
                    )

    def _info(self, tool: str, status: str, content: str) -> dict[str, Any]:
        return {
            "type": "chat.info",
            "message_id": str(self.asking_message_id),
            "tool": tool,
            "status": status,
            "content": content,
        }

    async def _finish_message(
        self, status: str, *, finished: MessageFinished | None = None, error_code: str = ""
    ) -> None:
        if self.message_id is None:
            return
        await self._flush_chunk()  # chunks rebuild the full text before `done` arrives
        message_id, self.message_id = self.message_id, None
        self.asking_message_id = message_id
        stored = await database_sync_to_async(services.assistant_message_finish)(
            message_id=message_id,
            content=finished.text if finished else self.text,
            status=status,
            tool_calls=finished.tool_calls if finished else [],
            input_tokens=finished.input_tokens if finished else None,
            output_tokens=finished.output_tokens if finished else None,
            time_to_first_token_ms=finished.time_to_first_token_ms if finished else None,
            duration_ms=finished.duration_ms if finished else None,
            error_code=error_code,
        )
        await self._broadcast({"type": "chat.done", "message": message_to_dict(stored)})


def _current_task_cancelling() -> bool:
    task = asyncio.current_task()
    return bool(task and task.cancelling())


def start_turn(*, owner: Owner, question: Message, token: str) -> Turn:
    """Run a claimed turn in a task owned by this process."""
    turn = Turn(owner=owner, question=question, token=token)
    registry.RUNNING[turn.conversation_id] = turn
    keeper.ensure_running()
    turn.task = asyncio.create_task(turn.run(), name=f"turn-{turn.conversation_id}")
    return turn
