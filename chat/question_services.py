"""Accepting a question: idempotency, the rate limit, the turn claim, pending actions, context.

The rules a question passes before its answer starts, in one place (docs/protocol.md, rules
1 to 3): a resent `client_message_id` is answered with the stored question; too many questions
in a minute are refused; only one answer at a time per conversation; actions still pending are
declined first, so the history the model reads answers every tool call.
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from chat.action_services import actions_settle_pending
from chat.events import Event
from chat.models import DEFAULT_TITLE, Conversation, Message
from chat.selectors import message_get_by_client_id
from chat.services import title_from_question, turn_claim, turn_release
from shop import selectors as shop_selectors
from shop.errors import ShopError
from shop.owners import Owner


class Busy(ShopError):
    code = "busy"
    default_detail = "The assistant is still answering in this conversation. Wait or press stop."


class RateLimited(ShopError):
    code = "rate_limited"
    default_detail = "Too many questions in a minute. Please wait a moment."


@dataclass(frozen=True)
class Accepted:
    question: Message
    duplicate: bool  # True: the client resent a question already stored; nothing new happens
    # The pending actions it declined, as group events (their states and tool results).
    announce: list[Event] = field(default_factory=list)


def _rate_limited(owner: Owner) -> bool:
    since = timezone.now() - timedelta(minutes=1)
    recent = Message.objects.filter(
        role=Message.Role.USER,
        created_at__gte=since,
        conversation__in=Conversation.objects.filter(owner.row_filter()),
    ).count()
    return recent >= settings.CHAT_RATE_LIMIT_PER_MINUTE


def product_context(product_id: int) -> dict[str, Any]:
    """The product a question was asked about, from the catalogue (never the client's text)."""
    product = shop_selectors.product_get(product_id=product_id)
    if product is None:
        raise ShopError("No such product.", code="not_found")
    return {
        "product_id": product.pk,
        "name": product.name,
        "url": product.get_absolute_url(),
        "price": str(product.price),
        "currency": product.currency,
    }


def question_accept(
    *,
    owner: Owner,
    conversation_id: uuid.UUID | str,
    content: str,
    client_message_id: str | None,
    token: str,
    product_id: int | None = None,
) -> Accepted:
    """Store a question and claim the turn for it, or say why not (Busy, RateLimited,
    not_found for an unknown context product).

    A repeated client_message_id returns the stored question without claiming anything.
    """
    if client_message_id:
        existing = message_get_by_client_id(
            conversation_id=conversation_id, client_message_id=client_message_id
        )
        if existing is not None:
            return Accepted(question=existing, duplicate=True)
    context = product_context(product_id) if product_id is not None else None
    if _rate_limited(owner):
        raise RateLimited()
    if not turn_claim(conversation_id=conversation_id, token=token):
        raise Busy()
    try:
        with transaction.atomic():
            conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
            settled = actions_settle_pending(conversation_id=conversation_id)
            question = Message.objects.create(
                conversation_id=conversation_id,
                role=Message.Role.USER,
                content=content,
                client_message_id=client_message_id or None,
                context=context,
            )
            if conversation.title == DEFAULT_TITLE:
                conversation.title = title_from_question(content)
            conversation.updated_at = question.created_at
            conversation.save(update_fields=["title", "updated_at"])
    except IntegrityError:
        # The same client_message_id raced in from another socket: answer as a duplicate.
        turn_release(conversation_id=conversation_id, token=token)
        existing = message_get_by_client_id(
            conversation_id=conversation_id, client_message_id=client_message_id or ""
        )
        if existing is None:
            raise
        return Accepted(question=existing, duplicate=True)
    except BaseException:
        turn_release(conversation_id=conversation_id, token=token)
        raise
    return Accepted(question=question, duplicate=False, announce=settled)
