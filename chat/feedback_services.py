"""Feedback on answers: parsing what a client sent, storing it with its snapshot, removing it.

The same rules over the socket (`feedback` frame) and HTTP (`PUT /api/messages/<id>/feedback/`):
only assistant messages of the owner's conversations; a new rating replaces the old one; a
null rating removes it (docs/protocol.md, "Feedback").
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from chat.models import Conversation, Feedback, Message
from chat.protocol import is_storable_text
from chat.selectors import question_before
from llm.prompts import prompt_version
from shop.errors import ShopError
from shop.owners import Owner

COMMENT_MAX_CHARS = 1000


class InvalidFeedback(ShopError):
    code = "invalid_feedback"
    default_detail = "That feedback cannot be stored."


class MessageNotFound(ShopError):
    code = "not_found"
    default_detail = "No such message in your conversations."


@dataclass(frozen=True)
class Rating:
    rating: str | None  # None removes the feedback
    reasons: list[str]
    comment: str


def parse_rating(body: dict[str, Any]) -> Rating:
    rating = body.get("rating")
    if rating is not None and rating not in Feedback.Rating.values:
        raise InvalidFeedback('`rating` must be "up", "down" or null.')
    reasons = body.get("reasons", [])
    allowed = settings.CHAT_FEEDBACK_REASONS
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise InvalidFeedback("`reasons` must be a list of strings.")
    unknown = [r for r in reasons if r not in allowed]
    if unknown:
        raise InvalidFeedback(f"Unknown reason {unknown[0][:60]!r}; the reasons are: {allowed}.")
    comment = body.get("comment", "")
    if not isinstance(comment, str):
        raise InvalidFeedback("`comment` must be a string.")
    if len(comment) > COMMENT_MAX_CHARS:
        raise InvalidFeedback(f"`comment` is longer than {COMMENT_MAX_CHARS} characters.")
    if not is_storable_text(comment):
        raise InvalidFeedback("`comment` contains a NUL character or an unpaired surrogate.")
    return Rating(rating=rating, reasons=list(dict.fromkeys(reasons)), comment=comment.strip())


def _answer_of(owner: Owner, message_id: Any) -> Message:
    try:
        pk = uuid.UUID(str(message_id))
    except ValueError:
        raise MessageNotFound() from None
    message = (
        Message.objects.filter(
            pk=pk, conversation__in=Conversation.objects.filter(owner.row_filter())
        )
        .select_related("conversation")
        .first()
    )
    if message is None:
        raise MessageNotFound()
    if message.role != Message.Role.ASSISTANT:
        raise InvalidFeedback("Only the assistant's answers can be rated.")
    return message


def _tools_used(message: Message, question: Message | None) -> list[str]:
    """The tools of the turn that led to this answer (between its question and it)."""
    rows = Message.objects.filter(
        conversation_id=message.conversation_id,
        role=Message.Role.TOOL,
        created_at__lte=message.created_at,
    )
    if question is not None:
        rows = rows.filter(created_at__gte=question.created_at)
    return list(dict.fromkeys(rows.order_by("created_at").values_list("tool_name", flat=True)))


def feedback_set(
    *, owner: Owner, message_id: Any, rating: Rating
) -> tuple[Message, Feedback | None]:
    """Store (or, with a null rating, remove) the owner's feedback on an answer."""
    message = _answer_of(owner, message_id)
    if rating.rating is None:
        Feedback.objects.filter(message=message).delete()
        return message, None
    question = question_before(conversation_id=message.conversation_id, message_id=message.id)
    feedback, _ = Feedback.objects.update_or_create(
        message=message,
        defaults={
            "rating": rating.rating,
            "reasons": rating.reasons,
            "comment": rating.comment,
            "question": question.content if question else "",
            "answer": message.content,
            "tools": _tools_used(message, question),
            "model_id": message.model_id,
            "prompt_version": prompt_version(),
            "updated_at": timezone.now(),
        },
    )
    return message, feedback
