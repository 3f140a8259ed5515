"""Short-term memory: stored messages -> a model request that Bedrock always accepts.

Converse rejects empty text blocks, a first turn that is not the user's, two user turns in a
row, and tool results that do not answer the tool uses just before them. Stored history holds
stopped, failed and interrupted answers and unanswered questions, so it is repaired here.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

SUMMARY = "summary"
SUMMARY_HEADING = "Summary of the earlier part of this conversation:"
CHARS_PER_TOKEN = 4  # rough, provider-independent estimate; good enough for a budget


@dataclass(frozen=True)
class PastMessage:
    """What the agent needs of a stored message."""

    # "user" | "assistant" | "tool", or "summary": what the conversation said before the
    # messages that follow (chat.summaries), first when there is one
    role: str
    content: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # [{"id","name","args"}]
    tool_call_id: str = ""
    tool_name: str = ""
    context: dict[str, Any] | None = None  # a question's product page (see with_context)


def with_context(question: str, context: dict[str, Any] | None) -> str:
    """The question as the model reads it: with the product the customer was looking at.

    The product comes from the catalogue when the question was stored (chat.services), never
    from the client's text, so the model is told a real id, name and price.
    """
    if not context:
        return question
    price = f", {context['price']} {context['currency']}" if context.get("price") else ""
    return (
        f"[The customer is looking at the product page of {context.get('name')} "
        f"(product id {context.get('product_id')}{price}).]\n\n{question}"
    )


_CONTEXT = re.compile(
    r"\[The customer is looking at the product page of (?P<name>.+?) \(product id "
    r"(?P<product_id>\d+)(?:, (?P<price>\S+) (?P<currency>\S+))?\)\.\]\n\n"
)


def read_context(text: str) -> tuple[dict[str, Any] | None, str]:
    """(the product of `with_context`'s note, the question after it): what a model that reads
    rules, not prose (the offline demo model), needs of a question asked on a product page."""
    notes = list(_CONTEXT.finditer(text))
    if not notes:
        return None, text
    note = notes[-1]
    context = {
        "product_id": int(note["product_id"]),
        "name": note["name"],
        "price": note["price"],
        "currency": note["currency"],
    }
    return context, text[note.end() :]


def estimate_tokens(message: BaseMessage) -> int:
    size = len(message.text) if isinstance(message.content, str) else len(str(message.content))
    if isinstance(message, AIMessage):
        size += sum(
            len(str(c.get("args", ""))) + len(c.get("name", "")) for c in message.tool_calls
        )
    return size // CHARS_PER_TOKEN + 4


def history_tokens(past: Sequence[PastMessage]) -> int:
    """The estimated size of stored messages as the model would read them."""
    return sum(estimate_tokens(m) for m in _to_messages(past))


def stored_tokens(past: Sequence[PastMessage]) -> int:
    """history_tokens' estimate from the stored messages as they are, without building the
    model's messages (a few microseconds per message less, on every turn): at most a few
    tokens more for a message the model would not be given."""
    return sum(
        (
            len(with_context(m.content, m.context) if m.role == "user" else m.content)
            + sum(len(str(c.get("args", ""))) + len(c.get("name", "")) for c in m.tool_calls)
        )
        // CHARS_PER_TOKEN
        + 4
        for m in past
    )


def _to_messages(past: Sequence[PastMessage]) -> list[BaseMessage]:
    """Well-formed messages: tool calls kept only when every call has its result right after."""
    out: list[BaseMessage] = []
    i = 0
    while i < len(past):
        msg = past[i]
        i += 1
        if msg.role == "user":
            if msg.content.strip():
                out.append(HumanMessage(with_context(msg.content, msg.context)))
        elif msg.role == "assistant":
            results: list[PastMessage] = []
            while i < len(past) and past[i].role == "tool":
                results.append(past[i])
                i += 1
            calls = [c for c in msg.tool_calls if c.get("id") and c.get("name")]
            answered = {r.tool_call_id for r in results}
            if calls and all(c["id"] in answered for c in calls):
                out.append(
                    AIMessage(
                        content=msg.content.strip(),
                        tool_calls=[
                            {"id": c["id"], "name": c["name"], "args": c.get("args") or {}}
                            for c in calls
                        ],
                    )
                )
                by_id = {r.tool_call_id: r for r in results}
                out.extend(
                    ToolMessage(content=by_id[c["id"]].content or "{}", tool_call_id=c["id"])
                    for c in calls
                )
            elif msg.content.strip():
                # A stopped or interrupted round: keep what was said, drop unanswered calls.
                out.append(AIMessage(content=msg.content.strip()))
        # A tool result without its assistant message right before it is dropped.
    return out


def _merge_runs(messages: list[BaseMessage]) -> list[BaseMessage]:
    """Start with the user; join consecutive user (or plain assistant) turns into one."""
    merged: list[BaseMessage] = []
    for msg in messages:
        if not merged and not isinstance(msg, HumanMessage):
            continue
        prev = merged[-1] if merged else None
        if isinstance(msg, HumanMessage) and isinstance(prev, HumanMessage):
            merged[-1] = HumanMessage(f"{prev.content}\n\n{msg.content}")
        elif (
            isinstance(msg, AIMessage)
            and isinstance(prev, AIMessage)
            and not prev.tool_calls
            and not msg.tool_calls
        ):
            merged[-1] = AIMessage(f"{prev.content}\n\n{msg.content}")
        else:
            merged.append(msg)
    return merged


def _trim(messages: list[BaseMessage], max_tokens: int) -> list[BaseMessage]:
    """Keep the most recent messages within budget, cutting only before a user turn."""
    kept: list[BaseMessage] = []
    used = 0
    for msg in reversed(messages):
        cost = estimate_tokens(msg)
        if kept and used + cost > max_tokens:
            break
        kept.append(msg)
        used += cost
    kept.reverse()
    # Never begin with a tool result (or an assistant turn) whose context was trimmed away.
    while kept and not isinstance(kept[0], HumanMessage):
        kept.pop(0)
    return kept


def build_model_input(
    *,
    past: Sequence[PastMessage],
    question: str | None,
    max_tokens: int,
    context: dict[str, Any] | None = None,
) -> list[BaseMessage]:
    """History plus the new question, trimmed, valid for Converse. Excludes the system prompt.

    Without a question, the history alone: a paused answer continues from its tool results.
    A leading "summary" message becomes a system message before the rest, kept whatever the
    trimming drops.
    """
    summary = [m for m in past if m.role == SUMMARY]
    past = [m for m in past if m.role != SUMMARY]
    new = [HumanMessage(with_context(question, context))] if question is not None else []
    messages = _trim(_merge_runs([*_to_messages(past), *new]), max_tokens)
    if summary:
        messages.insert(0, SystemMessage(f"{SUMMARY_HEADING}\n{summary[0].content}"))
    return messages
