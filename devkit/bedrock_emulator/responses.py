"""What the emulator answers: immutable scripts of event-stream events, and their builders."""

from __future__ import annotations

import json
import math
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

# Event-stream exception members of ConverseStreamOutput (service-2.json) and
# the HTTP error the same failure produces on the non-streaming route.
STREAM_EXCEPTIONS: dict[str, tuple[int, str]] = {
    "internalServerException": (500, "InternalServerException"),
    "modelStreamErrorException": (424, "ModelErrorException"),
    "validationException": (400, "ValidationException"),
    "throttlingException": (429, "ThrottlingException"),
    "serviceUnavailableException": (503, "ServiceUnavailableException"),
}
STREAM_EXCEPTIONS_BY_LOWER = {name.lower(): name for name in STREAM_EXCEPTIONS}


@dataclass(frozen=True)
class StreamEvent:
    """Wait ``delay`` seconds, then emit one event-stream frame.

    An empty ``event_type`` emits nothing: a pure pause (see hang_response).
    ``exception=True`` emits an exception frame whose ``:exception-type`` is
    ``event_type``.
    """

    event_type: str
    payload: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0
    exception: bool = False


@dataclass(frozen=True)
class ScriptedResponse:
    """What the emulator answers: an HTTP error, or a script of events."""

    events: tuple[StreamEvent, ...] = ()
    status: int = 200
    error_type: str = ""
    message: str = ""

    @property
    def is_http_error(self) -> bool:
        return self.status >= 300


def _split_text(text: str, chunks: int | Sequence[str] | None) -> list[str]:
    if chunks is None:
        # Word-ish pieces keep whitespace so the pieces join back exactly.
        return re.findall(r"\S+\s*|\s+", text)
    if isinstance(chunks, int):
        if chunks < 1:
            raise ValueError("chunks must be >= 1")
        if not text:
            return []
        size = math.ceil(len(text) / chunks)
        return [text[i : i + size] for i in range(0, len(text), size)]
    pieces = list(chunks)
    if "".join(pieces) != text:
        raise ValueError("chunks must concatenate to text")
    return pieces


def _split_json(value: dict[str, Any]) -> list[str]:
    # Bedrock streams tool input as several partial JSON strings.
    raw = json.dumps(value)
    count = min(len(raw), max(3, math.ceil(len(raw) / 20)))
    size = math.ceil(len(raw) / count)
    return [raw[i : i + size] for i in range(0, len(raw), size)]


def _new_tool_use_id() -> str:
    return "tooluse_" + secrets.token_urlsafe(16)[:22]


def _message_start() -> StreamEvent:
    return StreamEvent("messageStart", {"role": "assistant"})


def _text_block(index: int, pieces: Sequence[str], delay: float) -> list[StreamEvent]:
    events = [
        StreamEvent(
            "contentBlockDelta",
            {"contentBlockIndex": index, "delta": {"text": piece}},
            delay,
        )
        for piece in pieces
    ]
    if events:
        events.append(StreamEvent("contentBlockStop", {"contentBlockIndex": index}))
    return events


def _finish(
    events: list[StreamEvent],
    *,
    first_delay: float,
    stop_reason: str,
    usage: tuple[int, int] | None,
    output_tokens: int,
    cache_tokens: tuple[int, int] = (0, 0),
) -> ScriptedResponse:
    if first_delay and len(events) > 1:
        first = events[1]
        events[1] = replace(first, delay=first.delay + first_delay)
    input_tokens, out = usage if usage is not None else (10, max(1, output_tokens))
    latency_ms = int(sum(e.delay for e in events) * 1000)
    events.append(StreamEvent("messageStop", {"stopReason": stop_reason}))
    events.append(
        StreamEvent(
            "metadata",
            {
                "usage": {
                    "inputTokens": input_tokens,
                    "outputTokens": out,
                    "totalTokens": input_tokens + out + sum(cache_tokens),
                    # Bedrock reports prompt-cache reads and writes apart from inputTokens.
                    **(
                        {
                            "cacheReadInputTokens": cache_tokens[0],
                            "cacheWriteInputTokens": cache_tokens[1],
                        }
                        if any(cache_tokens)
                        else {}
                    ),
                },
                "metrics": {"latencyMs": latency_ms},
            },
        )
    )
    return ScriptedResponse(events=tuple(events))


def text_response(
    text: str,
    *,
    chunks: int | Sequence[str] | None = None,
    first_delay: float = 0.0,
    delay: float = 0.0,
    stop_reason: str = "end_turn",
    usage: tuple[int, int] | None = None,
    cache_tokens: tuple[int, int] = (0, 0),
) -> ScriptedResponse:
    """A plain assistant answer streamed as text deltas of content block 0.

    ``chunks``: None splits on words, an int gives that many equal pieces, a
    list is used verbatim (must join to ``text``). ``cache_tokens``: the prompt-cache
    (read, write) input tokens the usage reports.
    """
    pieces = _split_text(text, chunks)
    events = [_message_start(), *_text_block(0, pieces, delay)]
    return _finish(
        events,
        first_delay=first_delay,
        stop_reason=stop_reason,
        usage=usage,
        output_tokens=len(pieces),
        cache_tokens=cache_tokens,
    )


def tool_uses_response(
    tool_uses: Sequence[tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], str]],
    *,
    text_before: str = "",
    delay: float = 0.0,
    first_delay: float = 0.0,
    usage: tuple[int, int] | None = None,
) -> ScriptedResponse:
    """Optional text block, then one toolUse block per ``(name, input[, id])``."""
    if not tool_uses:
        raise ValueError("tool_uses must not be empty")
    pieces = _split_text(text_before, None)
    events = [_message_start(), *_text_block(0, pieces, delay)]
    index = 1 if pieces else 0
    output_tokens = len(pieces)
    for call in tool_uses:
        name, tool_input, *rest = call
        tool_use_id = rest[0] if rest else _new_tool_use_id()
        events.append(
            StreamEvent(
                "contentBlockStart",
                {
                    "contentBlockIndex": index,
                    "start": {"toolUse": {"toolUseId": tool_use_id, "name": name}},
                },
            )
        )
        for piece in _split_json(tool_input):
            events.append(
                StreamEvent(
                    "contentBlockDelta",
                    {"contentBlockIndex": index, "delta": {"toolUse": {"input": piece}}},
                    delay,
                )
            )
            output_tokens += 1
        events.append(StreamEvent("contentBlockStop", {"contentBlockIndex": index}))
        index += 1
    return _finish(
        events,
        first_delay=first_delay,
        stop_reason="tool_use",
        usage=usage,
        output_tokens=output_tokens,
    )


def tool_use_response(
    name: str,
    input: dict[str, Any],
    *,
    tool_use_id: str | None = None,
    text_before: str = "",
    delay: float = 0.0,
    first_delay: float = 0.0,
    usage: tuple[int, int] | None = None,
) -> ScriptedResponse:
    """A single tool call (stopReason ``tool_use``)."""
    return tool_uses_response(
        [(name, input, tool_use_id or _new_tool_use_id())],
        text_before=text_before,
        delay=delay,
        first_delay=first_delay,
        usage=usage,
    )


def stream_error_response(
    exception_type: str,
    message: str,
    *,
    after_text: str = "",
    delay: float = 0.0,
) -> ScriptedResponse:
    """Text deltas (``after_text``), then an exception frame mid-stream.

    ``exception_type`` is the ConverseStreamOutput member name, e.g.
    ``modelStreamErrorException``; ``ThrottlingException`` spelling is
    accepted too. botocore raises ``EventStreamError`` with that code.
    """
    kind = STREAM_EXCEPTIONS_BY_LOWER.get(exception_type.lower(), exception_type)
    events = [_message_start()]
    for piece in _split_text(after_text, None):
        events.append(
            StreamEvent(
                "contentBlockDelta",
                {"contentBlockIndex": 0, "delta": {"text": piece}},
                delay,
            )
        )
    events.append(StreamEvent(kind, {"message": message}, delay, exception=True))
    return ScriptedResponse(events=tuple(events))


def http_error_response(status: int, error_type: str, message: str) -> ScriptedResponse:
    """An AWS-style HTTP error, e.g. ``(429, "ThrottlingException", "...")``."""
    if status < 300:
        raise ValueError("status must be an error status")
    return ScriptedResponse(status=status, error_type=error_type, message=message)


def hang_response(seconds: float, *, then: ScriptedResponse | None = None) -> ScriptedResponse:
    """Headers + messageStart, then nothing for ``seconds``.

    Afterwards the rest of ``then`` (its messageStart skipped) is sent, or the
    body ends without messageStop. The wait ends early if the client closes.
    """
    tail: tuple[StreamEvent, ...] = ()
    if then is not None:
        if then.is_http_error:
            raise ValueError("then must be a streamed response")
        tail = tuple(e for e in then.events if e.event_type != "messageStart")
    return ScriptedResponse(events=(_message_start(), StreamEvent("", delay=seconds), *tail))
