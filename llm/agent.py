"""The agent loop: one streaming, tool-calling turn as a sequence of events.

Every caller (the chat consumer, the HTTP query API, benchmarks) consumes the same
generator. Wrap it in `contextlib.aclosing` so that cancelling the caller also closes the
model stream. See docs/agent.md.
"""

import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from django.conf import settings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, SystemMessage

from llm.agent_calls import ToolResult, answer_calls
from llm.agent_events import (
    GUARDRAIL_INTERVENED,
    ActionProposed,
    AgentEvent,
    MessageFinished,
    MessageStarted,
    TextGrew,
    TurnFinished,
)
from llm.errors import LLMError
from llm.history import PastMessage, build_model_input
from llm.prompts import SYSTEM_PROMPT
from llm.providers import Provider, current
from llm.tools import User, build_tools, tool_schemas
from metrics import record
from shop.owners import Owner

MAX_ROUNDS_TEXT = (
    "I looked things up several times without reaching an answer, so I stopped here. "
    "Could you rephrase or narrow the question?"
)


# What a provider sets on every chunk, which says nothing the merge is read for.
_EVERY_CHUNK_METADATA = frozenset({"model_provider"})


def _carries_more_than_text(chunk: AIMessageChunk) -> bool:
    return bool(
        chunk.tool_call_chunks
        or chunk.usage_metadata
        or chunk.additional_kwargs
        or chunk.response_metadata.keys() - _EVERY_CHUNK_METADATA
    )


async def _stream_round(
    model: Any, messages: list[BaseMessage], provider: Provider
) -> AsyncIterator[TextGrew | MessageFinished]:
    started = time.monotonic()
    first_token: float | None = None
    chunks: list[AIMessageChunk] = []
    text = ""
    try:
        async for chunk in model.astream(messages):
            delta = chunk.text  # a property that rebuilds the text: read it once
            if first_token is None and (delta or chunk.tool_call_chunks):
                first_token = time.monotonic()
            if not delta or _carries_more_than_text(chunk):
                chunks.append(chunk)
            if delta:
                text += delta
                yield TextGrew(text)
    except Exception as exc:  # cancellation is a BaseException and passes through
        error = provider.translate_error(exc, partial_text=text)
        record.llm_error(error.reason)
        raise error from exc
    # Merged once at the end, not per chunk, and only the chunks that carry more than text:
    # the merge only yields tool calls and metadata, and the text is already built.
    merged = chunks[0] + chunks[1:] if chunks else AIMessageChunk(content="")
    calls = [{"id": c["id"], "name": c["name"], "args": c["args"]} for c in merged.tool_calls]
    # A call whose arguments did not parse still gets an answer, so the history stays valid.
    calls += [
        {"id": c["id"], "name": c["name"] or "unknown", "args": {}, "invalid": True}
        for c in merged.invalid_tool_calls
        if c.get("id")
    ]
    usage = merged.usage_metadata or {}
    cached = usage.get("input_token_details") or {}
    metadata = merged.response_metadata
    now = time.monotonic()
    finished = MessageFinished(
        text=text,
        tool_calls=calls,
        stop_reason=str(metadata.get("stopReason") or ("tool_use" if calls else "end_turn")),
        input_tokens=int(usage.get("input_tokens", 0)),
        output_tokens=int(usage.get("output_tokens", 0)),
        cache_read_tokens=int(cached.get("cache_read") or 0),
        cache_write_tokens=int(cached.get("cache_creation") or 0),
        time_to_first_token_ms=round((first_token - started) * 1000) if first_token else None,
        duration_ms=round((now - started) * 1000),
        model_id=provider.model_id,
    )
    cached_total = finished.cache_read_tokens + finished.cache_write_tokens
    record.model_call_finished(
        time_to_first_token_ms=finished.time_to_first_token_ms,
        # The kinds do not overlap: `input` is what neither came from nor went to the cache.
        input_tokens=max(finished.input_tokens - cached_total, 0),
        output_tokens=finished.output_tokens,
        cache_read_tokens=finished.cache_read_tokens,
        cache_write_tokens=finished.cache_write_tokens,
    )
    yield finished


async def run_agent(
    *,
    question: str | None,
    past: Sequence[PastMessage],
    user: User = None,
    owner: Owner | None = None,
    context: dict[str, Any] | None = None,
    model: BaseChatModel | None = None,
    provider: Provider | None = None,
) -> AsyncIterator[AgentEvent]:
    """Answer `question` given the conversation so far, yielding events as they happen.

    `question` None continues the conversation from its last stored tool results (after the
    customer decided the actions of a round). `owner` (who the chat is with) lets the model
    propose actions, which pause the answer (TurnFinished reason "action_required"); without
    it, a tool that writes answers that it needs the chat's approval. `context` is the
    product the customer is looking at (see llm.history).

    `provider` (normally the configured one) builds the model unless `model` is given, names
    it in MessageFinished and translates its failures: raises LLMError (with the partial text
    of the current message) when the model fails.
    """
    provider = provider or current()
    if owner is not None:
        user = owner.user
    tools = build_tools(user=user, owner=owner)
    by_name = {t.name: t for t in tools}
    bound = model.bind_tools(list(tool_schemas())) if model else provider.bound_model()
    messages: list[BaseMessage] = [
        SystemMessage(SYSTEM_PROMPT),
        *build_model_input(
            past=past,
            question=question,
            context=context,
            max_tokens=settings.LLM_HISTORY_MAX_TOKENS,
        ),
    ]
    max_rounds = settings.LLM_MAX_TOOL_ROUNDS
    all_calls: list[dict[str, Any]] = []
    for round_number in range(1, max_rounds + 2):
        yield MessageStarted(round_number)
        if round_number > max_rounds:
            yield TextGrew(MAX_ROUNDS_TEXT)
            yield MessageFinished(
                text=MAX_ROUNDS_TEXT,
                tool_calls=[],
                stop_reason="max_tool_rounds",
                input_tokens=0,
                output_tokens=0,
                time_to_first_token_ms=0,
                duration_ms=0,
                model_id=provider.model_id,
            )
            yield TurnFinished(rounds=max_rounds, reason="max_tool_rounds", tool_calls=all_calls)
            return
        finished: MessageFinished | None = None
        async for event in _stream_round(bound, messages, provider):
            if isinstance(event, MessageFinished):
                finished = event
            yield event
        if finished is None:  # pragma: no cover - _stream_round always finishes or raises
            raise LLMError(partial_text="")
        if finished.stop_reason == GUARDRAIL_INTERVENED:
            # The guardrail's own words are the answer; nothing it stopped may run.
            yield TurnFinished(rounds=round_number, reason="blocked", tool_calls=all_calls)
            return
        if not finished.tool_calls:
            yield TurnFinished(rounds=round_number, tool_calls=all_calls)
            return
        public_calls = [{k: c[k] for k in ("id", "name", "args")} for c in finished.tool_calls]
        all_calls += public_calls
        messages.append(AIMessage(content=finished.text, tool_calls=public_calls))
        proposed = False
        async for event in answer_calls(finished.tool_calls, tools=by_name, owner=owner):
            if isinstance(event, ToolResult):
                messages.append(event.message)
                continue
            proposed = proposed or isinstance(event, ActionProposed)
            yield event
        if proposed:
            # Paused: the customer's decisions, stored with the rest, continue the answer.
            yield TurnFinished(rounds=round_number, reason="action_required", tool_calls=all_calls)
            return
