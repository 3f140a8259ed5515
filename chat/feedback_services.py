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

from chat import paths
from chat.models import Conversation, Feedback, Message
from chat.protocol import is_storable_text
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


def feedback_set(
    *, owner: Owner, message_id: Any, rating: Rating
) -> tuple[Message, Feedback | None]:
    """Store (or, with a null rating, remove) the owner's feedback on an answer."""
    message = _answer_of(owner, message_id)
    if rating.rating is None:
        Feedback.objects.filter(message=message).delete()
        return message, None
    question_id, tools = paths.answer_trail(message.conversation_id, message.id)
    question = Message.objects.filter(pk=question_id).first() if question_id else None
    feedback, _ = Feedback.objects.update_or_create(
        message=message,
        defaults={
            "rating": rating.rating,
            "reasons": rating.reasons,
            "comment": rating.comment,
            "question": question.content if question else "",
            "answer": message.content,
            "tools": list(dict.fromkeys(tools)),
            "model_id": message.model_id,
            "prompt_version": prompt_version(),
            "updated_at": timezone.now(),
        },
    )
    return message, feedback
