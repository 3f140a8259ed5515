"""Optional OpenTelemetry traces: one span per turn, a child per model call and per tool call,
and botocore's own spans for the Bedrock requests.

Only when OTEL_EXPORTER_OTLP_ENDPOINT is set (with the `otel` extra installed: `pip install
.[otel]`); otherwise `traced_turn` hands the agent's events through untouched and nothing of
OpenTelemetry is imported. Spans carry ids, statuses, tool names and token counts, never the
text of a question, an answer or a tool result.
"""

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings

from llm.agent_events import (
    ActionProposed,
    AgentEvent,
    MessageFinished,
    MessageStarted,
    ToolFinished,
    ToolStarted,
    TurnFinished,
)

if TYPE_CHECKING:  # only for the annotations; never imported at run time unless configured
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span, Tracer

_exporter_override: "SpanExporter | None" = None


def use_exporter(exporter: "SpanExporter | None") -> None:
    """Send spans to `exporter` instead of OTLP (tests); None goes back to OTLP, and takes
    the botocore instrumentation off until tracing is next set up."""
    global _exporter_override
    _exporter_override = exporter
    if _tracer.cache_info().currsize and "opentelemetry.instrumentation.botocore" in sys.modules:
        for instrumentor in _botocore_instrumentors():
            instrumentor.uninstrument()
    _tracer.cache_clear()


@cache
def _tracer() -> "Tracer | None":
    if not settings.OTEL_EXPORTER_OTLP_ENDPOINT:
        return None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.OTEL_SERVICE_NAME})
    )
    if _exporter_override is not None:
        provider.add_span_processor(SimpleSpanProcessor(_exporter_override))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.OTEL_EXPORTER_OTLP_ENDPOINT.rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    _instrument_botocore(provider)
    return provider.get_tracer("shop.chat")


def _botocore_instrumentors() -> list[Any]:
    # Streams go through aiobotocore (llm.bedrock_stream), the other calls through botocore.
    from opentelemetry.instrumentation.botocore import (
        AiobotocoreInstrumentor,
        BotocoreInstrumentor,
    )

    return [BotocoreInstrumentor(), AiobotocoreInstrumentor()]


def _instrument_botocore(provider: Any) -> None:
    for instrumentor in _botocore_instrumentors():
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
        instrumentor.instrument(tracer_provider=provider)


def traced_turn(
    events: AsyncIterator[AgentEvent], *, conversation_id: str, question_id: str, resumed: bool
) -> AsyncIterator[AgentEvent]:
    """The agent's events of one turn, traced when tracing is configured."""
    tracer = _tracer()
    if tracer is None:
        return events
    attributes = {
        "chat.conversation_id": conversation_id,
        "chat.question_id": question_id,
        "chat.resumed": resumed,
    }
    return _traced(tracer, events, attributes)


async def _traced(
    tracer: "Tracer", events: AsyncIterator[AgentEvent], attributes: dict[str, Any]
) -> AsyncIterator[AgentEvent]:
    from opentelemetry.trace import StatusCode, set_span_in_context

    turn = tracer.start_span("chat.turn", attributes=attributes)
    parent = set_span_in_context(turn)
    model: Span | None = None
    tools: dict[str, Span] = {}
    totals = {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0}
    status = "error"
    try:
        async with contextlib.aclosing(events):
            async for event in events:
                if isinstance(event, MessageStarted):
                    model = tracer.start_span(
                        "llm.call", context=parent, attributes={"llm.round": event.round}
                    )
                elif isinstance(event, MessageFinished) and model is not None:
                    _finish_model_span(model, event, totals)
                    model = None
                elif isinstance(event, ToolStarted):
                    tools[event.call_id] = tracer.start_span(
                        f"tool {event.name}", context=parent, attributes={"tool.name": event.name}
                    )
                elif isinstance(event, ToolFinished) and event.call_id in tools:
                    span = tools.pop(event.call_id)
                    span.set_attribute("tool.ok", event.ok)
                    if not event.ok:
                        span.set_status(StatusCode.ERROR)
                    span.end()
                elif isinstance(event, ActionProposed):
                    turn.add_event("action proposed", {"tool.name": event.name})
                elif isinstance(event, TurnFinished):
                    status = event.reason
                yield event
    except asyncio.CancelledError:
        status = "stopped"
        raise
    except Exception as exc:
        # The type only: an exception's message may quote what the model or a user wrote.
        turn.set_attribute("error.type", type(exc).__name__)
        turn.set_status(StatusCode.ERROR)
        raise
    finally:
        for span in [*tools.values(), *([model] if model is not None else [])]:
            span.end()
        turn.set_attribute("chat.status", status)
        for kind, count in totals.items():
            turn.set_attribute(f"llm.tokens.{kind}", count)
        turn.end()


def _finish_model_span(span: "Span", event: MessageFinished, totals: dict[str, int]) -> None:
    cached = event.cache_read_tokens + event.cache_write_tokens
    counts = {
        "input": max(event.input_tokens - cached, 0),
        "output": event.output_tokens,
        "cache_read": event.cache_read_tokens,
        "cache_write": event.cache_write_tokens,
    }
    for kind, count in counts.items():
        totals[kind] += count
        span.set_attribute(f"llm.tokens.{kind}", count)
    span.set_attribute("llm.model_id", event.model_id)
    span.set_attribute("llm.stop_reason", event.stop_reason)
    span.set_attribute("llm.tool_calls", len(event.tool_calls))
    span.end()
