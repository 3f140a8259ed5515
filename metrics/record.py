"""The shop's metrics and the small functions that record them (docs/deploy.md, "Metrics").

Each worker process exposes its own figures and is scraped on its own, so the default
registry of prometheus-client serves as it is (no multiprocess mode). Every label value comes
from a fixed set: anything else is recorded as `other`, so no label can carry user data or
message text, and no label can grow without bound.
"""

import time
from collections.abc import Callable, Iterable

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# The `*_created` series would double every counter for a figure nobody graphs.
disable_created_metrics()

OTHER = "other"
# How a turn ended: the status its answer is stored with (chat.models.Message.Status), or
# paused for the customer to decide the actions it proposed.
TURN_STATUSES = ("complete", "stopped", "error", "interrupted", "blocked", "action_required")
# LLMError.reason, as the providers classify failures (llm/providers/).
LLM_ERROR_REASONS = (
    "model_error",
    "throttled",
    "invalid_request",
    "access_denied",
    "timeout",
    "unavailable",
)
TOKEN_KINDS = ("input", "output", "cache_read", "cache_write")
TOOL_OUTCOMES = ("ok", "error")
# chat.models.Action.Status
ACTION_STATUSES = ("pending", "approved", "rejected", "expired", "done", "failed")

# Latencies people notice: from tens of milliseconds to a model that keeps them waiting.
_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0)

TURNS = Counter("chat_turns", "Turns this worker ran, by how they ended.", ["status"])
TURN_DURATION = Histogram(
    "chat_turn_duration_seconds",
    "A turn from its start to its end, tool rounds included.",
    buckets=(0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0),
)
TIME_TO_FIRST_TOKEN = Histogram(
    "chat_time_to_first_token_seconds",
    "A model call's start to its first text or tool-call token, per model call.",
    buckets=_LATENCY_BUCKETS,
)
TIME_TO_FIRST_CHUNK = Histogram(
    "chat_time_to_first_chunk_seconds",
    "Question (or, for a continued answer, decision) received to the turn's first chunk sent.",
    buckets=_LATENCY_BUCKETS,
)
TOKENS = Counter("chat_tokens", "Model tokens, by kind.", ["kind"])
TOOL_CALLS = Counter("chat_tool_calls", "Tool calls the model made.", ["tool", "outcome"])
TOOL_DURATION = Histogram(
    "chat_tool_duration_seconds",
    "Time one tool call took to run.",
    ["tool"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
ACTIVE_TURNS = Gauge("chat_active_turns", "Turns running in this worker now.")
OPEN_SOCKETS = Gauge("chat_open_sockets", "Chat sockets open on this worker now.")
LAYER_FAILURES = Counter(
    "chat_layer_failures",
    "Channel-layer calls that failed: a turn's group sends and the worker's health round trips.",
)
CATCH_UPS = Counter(
    "chat_catch_ups", "Times a socket read its conversation from the database to heal."
)
LLM_ERRORS = Counter("llm_errors", "Model calls that failed, by reason.", ["reason"])
ACTIONS = Counter(
    "chat_actions", "Changes of status of actions the assistant proposed.", ["tool", "status"]
)

# The shop's tool names, given once at start-up by the llm app (tools_known).
_tool_names: set[str] = set()


def _bounded(value: str, allowed: Iterable[str]) -> str:
    return value if value in allowed else OTHER


def _tool(name: str) -> str:
    return _bounded(name, _tool_names)


# Every known series exists from the first scrape, at zero, so that a rate over the first
# increase is not lost.
for _status in TURN_STATUSES:
    TURNS.labels(_status)
for _reason in LLM_ERROR_REASONS:
    LLM_ERRORS.labels(_reason)
for _kind in TOKEN_KINDS:
    TOKENS.labels(_kind)


def tools_known(names: Iterable[str]) -> None:
    """Name the shop's tools: only these appear as `tool` labels (each at zero from the start)."""
    _tool_names.update(names)
    for name in _tool_names:
        for outcome in TOOL_OUTCOMES:
            TOOL_CALLS.labels(name, outcome)
        TOOL_DURATION.labels(name)


def watch_live_state(
    *, active_turns: Callable[[], float], open_sockets: Callable[[], float]
) -> None:
    """Read the live gauges from their owner at each scrape instead of tracking them twice."""
    ACTIVE_TURNS.set_function(active_turns)
    OPEN_SOCKETS.set_function(open_sockets)


def turn_ended(*, status: str, seconds: float) -> None:
    TURNS.labels(_bounded(status, TURN_STATUSES)).inc()
    TURN_DURATION.observe(seconds)


class FirstChunkClock:
    """Times one turn from its question's arrival (`received_at`, time.monotonic(); None: now)
    to its first chunk sent, once."""

    def __init__(self, received_at: float | None) -> None:
        self._received_at: float | None = time.monotonic() if received_at is None else received_at

    def chunk_sent(self) -> None:
        if self._received_at is not None:
            TIME_TO_FIRST_CHUNK.observe(time.monotonic() - self._received_at)
            self._received_at = None


def model_call_finished(
    *,
    time_to_first_token_ms: int | None,
    input_tokens: int,
    output_tokens: int,
    cache_read_tokens: int = 0,
    cache_write_tokens: int = 0,
) -> None:
    if time_to_first_token_ms is not None:
        TIME_TO_FIRST_TOKEN.observe(time_to_first_token_ms / 1000)
    for kind, count in zip(
        TOKEN_KINDS,
        (input_tokens, output_tokens, cache_read_tokens, cache_write_tokens),
        strict=True,
    ):
        if count > 0:
            TOKENS.labels(kind).inc(count)


def tool_call_finished(name: str, *, ok: bool, seconds: float) -> None:
    tool = _tool(name)
    TOOL_CALLS.labels(tool, "ok" if ok else "error").inc()
    TOOL_DURATION.labels(tool).observe(seconds)


def llm_error(reason: str) -> None:
    LLM_ERRORS.labels(_bounded(reason, LLM_ERROR_REASONS)).inc()


def layer_failure() -> None:
    LAYER_FAILURES.inc()


def catch_up() -> None:
    CATCH_UPS.inc()


def action_status_changed(tool: str, status: str) -> None:
    """An action of `tool` was proposed (`pending`) or moved on to `status`."""
    ACTIONS.labels(_tool(tool), _bounded(status, ACTION_STATUSES)).inc()
