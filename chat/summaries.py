"""Memory beyond the window: after an answer, the older part of a long conversation is
summarised (llm.summary) and stored on the conversation with the last message it covers.

Never on a question's path: a question that arrives before the summary is written gets the
previous summary (or none) and a trimmed history, which is valid input all the same. Written
with a compare-and-set on the previous summary's last message, so two workers summarising the
same conversation cannot step back.
"""

import logging
import uuid
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.conf import settings

from chat import paths
from chat.models import Conversation, Message
from llm.errors import LLMError
from llm.history import SUMMARY, PastMessage, history_tokens, stored_tokens
from llm.summary import summarise

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SummaryPlan:
    conversation_id: str
    previous: str  # the summary so far
    previous_through: uuid.UUID | None
    older: list[PastMessage]  # what the new summary takes in
    through: uuid.UUID  # the last of them


def due(history: list[PastMessage] | None) -> bool:
    """Whether the history a turn read (what its model was given) says the conversation may
    have outgrown the window: no query, so a short conversation's turn costs nothing more.
    summary_plan decides for sure."""
    if not history:
        return False
    recent = [m for m in history if m.role != SUMMARY]
    return (
        len(recent) >= settings.LLM_HISTORY_MAX_MESSAGES
        or stored_tokens(recent) > settings.LLM_HISTORY_MAX_TOKENS * 3 // 4
    )


def summary_plan(*, conversation_id: uuid.UUID | str) -> SummaryPlan | None:
    """What to summarise, when the history since the last summary outgrows
    LLM_HISTORY_MAX_TOKENS: all but the newest turns, which stay within half of it."""
    found = (
        Conversation.objects.filter(pk=conversation_id)
        .values_list("summary", "summary_through_id", "pk")
        .first()
    )
    if found is None:
        return None
    previous, previous_through, _ = found
    # The active path since the summary (all of it when the summary was made on another
    # branch): a summary stands for one path's messages only.
    on_path, listed = paths.since_summary(conversation_id)
    if not on_path:
        previous = ""
    if any(status == Message.Status.STREAMING for *_, status in listed):
        return None  # an answer is being written: summarise after it
    past = [
        PastMessage(role=r, content=c, tool_calls=t or [], tool_call_id=i, tool_name=n)
        for _, r, c, t, i, n, _ in listed
    ]
    budget = settings.LLM_HISTORY_MAX_TOKENS
    if history_tokens(past) <= budget:
        return None
    split = _split(past, budget // 2)
    if split == 0:
        return None
    return SummaryPlan(
        conversation_id=str(conversation_id),
        previous=previous,
        previous_through=previous_through,
        older=past[:split],
        through=listed[split - 1][0],
    )


def _split(past: list[PastMessage], keep_tokens: int) -> int:
    """Where the kept newest turns begin: at a question, so that no tool result is cut from
    the call it answers; at least the last question is kept."""
    questions = [i for i, m in enumerate(past) if m.role == "user"]
    for start in questions:
        if history_tokens(past[start:]) <= keep_tokens:
            return start
    return questions[-1] if questions else 0


def summary_store(*, plan: SummaryPlan, text: str) -> bool:
    """Store the summary unless another one was stored meanwhile."""
    return bool(
        Conversation.objects.filter(
            pk=plan.conversation_id, summary_through_id=plan.previous_through
        ).update(summary=text, summary_through_id=plan.through)
    )


async def summarise_if_long(conversation_id: str) -> None:
    """The whole step, after an answer: plan, ask the model, store. Failures only log: the
    next answer tries again."""
    try:
        plan = await database_sync_to_async(summary_plan)(conversation_id=conversation_id)
        if plan is None:
            return
        text = await summarise(previous=plan.previous, messages=plan.older)
        if text:
            stored = await database_sync_to_async(summary_store)(plan=plan, text=text)
            logger.info(
                "conversation summarised",
                extra={"conversation_id": conversation_id, "stored": stored},
            )
    except LLMError as exc:
        logger.warning("summary failed", extra={"reason": exc.reason})
    except Exception as exc:
        logger.warning("summary failed", extra={"error": type(exc).__name__})
