"""What the agent loop (llm.agent.run_agent) yields: one event per step of a turn.

Kept apart from the loop so that its consumers (chat.turns, chat.tracing, the query API) read
the shapes without the loop's machinery.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MessageStarted:
    """A new assistant message (one model round) begins."""

    round: int


@dataclass(frozen=True)
class TextGrew:
    """The current assistant message grew; `text` is everything it holds so far."""

    text: str


@dataclass(frozen=True)
class ToolStarted:
    call_id: str
    name: str
    args: dict[str, Any]
    description: str


@dataclass(frozen=True)
class ToolFinished:
    call_id: str
    name: str
    args: dict[str, Any]
    ok: bool
    result: str
    summary: str


@dataclass(frozen=True)
class ActionProposed:
    """The model called a tool that writes: it did not run, the customer is to decide.

    `args` are the validated arguments; `summary` words the action from the shop's data.
    """

    call_id: str
    name: str
    args: dict[str, Any]
    summary: str


@dataclass(frozen=True)
class MessageFinished:
    text: str
    tool_calls: list[dict[str, Any]]
    stop_reason: str
    input_tokens: int  # all of the input, the prompt cache's reads and writes included
    output_tokens: int
    time_to_first_token_ms: int | None
    duration_ms: int
    model_id: str
    cache_read_tokens: int = 0  # input tokens read from the prompt cache
    cache_write_tokens: int = 0  # input tokens written to it


@dataclass(frozen=True)
class TurnFinished:
    rounds: int
    # "complete" | "max_tool_rounds" | "action_required" | "blocked" (by a guardrail)
    reason: str = "complete"
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


AgentEvent = (
    MessageStarted
    | TextGrew
    | ToolStarted
    | ToolFinished
    | ActionProposed
    | MessageFinished
    | TurnFinished
)

# The stop reason Bedrock gives when a guardrail blocked the question or the answer.
GUARDRAIL_INTERVENED = "guardrail_intervened"
