"""Accepting a question: idempotency, the rate limit, the turn claim, pending actions, context.

The rules a question passes before its answer starts, in one place (docs/protocol.md, rules
1 to 3): a resent `client_message_id` is answered with the stored question; too many questions
in a minute are refused; only one answer at a time per conversation; actions still pending are
declined first, so the history the model reads answers every tool call.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from chat import paths, turn_statements
from chat.action_services import actions_settle_pending
from chat.events import Event
from chat.models import DEFAULT_TITLE, Conversation, Message
from chat.question_limits import (
    BudgetExceeded,
    Busy,
    RateLimited,
    over_budget,
    rate_limited,
)
from chat.selectors import message_get_by_client_id, past_messages
from chat.services import (
    assistant_message_new,
    assistant_message_start,
    claim_expiry,
    messages_interrupt_streaming,
    title_from_question,
)
from llm.history import PastMessage
from shop import selectors as shop_selectors
from shop.errors import ShopError
from shop.owners import Owner


@dataclass(frozen=True)
class Accepted:
    question: Message  # for a regenerate, the question answered again
    duplicate: bool  # True: the client resent a question already stored; nothing new happens
    # The pending actions it declined, as group events (their states and tool results).
    announce: list[Event] = field(default_factory=list)
    # With `answer_model_id`: what the answer starts from, read and written with the question.
    past: list[PastMessage] | None = None
    answer: Message | None = None
    # An edit or a regenerate: the active path changed to a new branch (docs/protocol.md).
    branched: bool = False
    versions: dict[uuid.UUID, list[str]] = field(default_factory=dict)  # new messages' siblings
    resent: Message | None = None  # with `duplicate`: the stored message to send back


class InvalidTarget(ShopError):
    code = "invalid_message"


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


def _resent(conversation_id: uuid.UUID | str, client_message_id: str | None) -> Accepted | None:
    """The stored question when this one is a resend: it wins over every refusal."""
    if not client_message_id:
        return None
    existing = message_get_by_client_id(
        conversation_id=conversation_id, client_message_id=client_message_id
    )
    if existing is None:
        return None
    return Accepted(question=existing, duplicate=True, resent=existing)


def _refusal(
    owner: Owner, conversation_id: uuid.UUID | str, client_message_id: str | None
) -> Accepted:
    """Why the claiming UPDATE matched nothing, in the rules' order: a resent question is
    answered as a duplicate, else RateLimited, else Busy."""
    if resent := _resent(conversation_id, client_message_id):
        return resent
    if rate_limited(owner):
        raise RateLimited()
    raise Busy()


def question_accept(
    *,
    owner: Owner,
    conversation_id: uuid.UUID | str,
    content: str,
    client_message_id: str | None,
    token: str,
    product_id: int | None = None,
    answer_model_id: str | None = None,
    edit_of: str | None = None,
) -> Accepted:
    """Store a question and claim the turn for it, or say why not (Busy, RateLimited,
    BudgetExceeded, not_found for an unknown context product).

    A repeated client_message_id returns the stored question without claiming anything. With
    `answer_model_id`, the same transaction also reads the history the model answers from
    and creates the (streaming) answer, so a question costs one trip to the ORM thread.
    With `edit_of` (a question of the conversation), the question is a new version of that
    one: same parent, same product context, and the active path moves to it.
    """
    if edit_of is not None:
        edited = message_of(conversation_id, edit_of, Message.Role.USER, "edit")
        parent, context = edited.parent_id, edited.context
    else:
        parent, context = None, None
        try:
            context = product_context(product_id) if product_id is not None else None
        except ShopError:
            if resent := _resent(conversation_id, client_message_id):
                return resent
            raise

    def create(past_leaf: uuid.UUID | None) -> tuple[Message, Message | None]:
        question = Message(
            conversation_id=conversation_id,
            parent_id=parent if edit_of is not None else past_leaf,
            role=Message.Role.USER,
            content=content,
            client_message_id=client_message_id or None,
            context=context,
        )
        answer = (
            assistant_message_new(
                conversation_id=conversation_id, model_id=answer_model_id, parent_id=question.pk
            )
            if answer_model_id is not None
            else None
        )
        turn_statements.messages_insert([question, *([answer] if answer else [])])
        return question, answer

    return _accept(
        owner=owner,
        conversation_id=conversation_id,
        client_message_id=client_message_id,
        token=token,
        title=title_from_question(content),
        anchor=paths.ACTIVE if edit_of is None else parent,
        read_past=answer_model_id is not None,
        create=create,
        branched=edit_of is not None,
    )


def answer_again(
    *,
    owner: Owner,
    conversation_id: uuid.UUID | str,
    message_id: str | None,
    client_message_id: str | None,
    token: str,
    answer_model_id: str,
) -> Accepted:
    """Answer again the question that the assistant message `message_id` answers (the active
    path's last answer when None): a new answer beside the old ones, on a path of its own.
    The same rules as a question (Busy, RateLimited, BudgetExceeded, a resent id)."""
    if message_id is None:
        last = paths.last_answer_id(conversation_id)
        if last is None:
            raise InvalidTarget("There is no answer to regenerate yet.")
        message_id = str(last)
    target = message_of(conversation_id, message_id, Message.Role.ASSISTANT, "regenerate")
    question_id = paths.question_of(conversation_id, target.pk)
    question = Message.objects.filter(pk=question_id).first() if question_id else None
    if question is None:
        raise InvalidTarget("That answer has no question to answer again.")

    def create(past_leaf: uuid.UUID | None) -> tuple[Message, Message | None]:
        answer = assistant_message_start(
            conversation_id=conversation_id,
            model_id=answer_model_id,
            parent_id=question.pk,
            client_message_id=client_message_id or None,
        )
        return question, answer

    return _accept(
        owner=owner,
        conversation_id=conversation_id,
        client_message_id=client_message_id,
        token=token,
        title=title_from_question(question.content),
        anchor=question.parent_id,
        read_past=True,
        create=create,
        branched=True,
    )


def message_of(
    conversation_id: uuid.UUID | str, message_id: Any, role: str | None, verb: str
) -> Message:
    """The conversation's message `message_id` (with `role` when given), or InvalidTarget."""
    try:
        pk = uuid.UUID(str(message_id))
    except ValueError:
        raise InvalidTarget("`message_id` must be the id of a message.") from None
    message = Message.objects.filter(pk=pk, conversation_id=conversation_id).first()
    if message is None:
        raise InvalidTarget("No such message in this conversation.")
    if role is not None and message.role != role:
        raise InvalidTarget(f"Only a message with role {role!r} can be used with {verb}.")
    return message


def _claim(
    owner: Owner,
    conversation_id: uuid.UUID | str,
    client_message_id: str | None,
    token: str,
    title: str,
) -> bool:
    """The claiming UPDATE, with the idempotency and rate checks in it; it also names the
    conversation and dates it: one statement when the question is accepted. A claim left by
    a dead worker is taken by a second one, with the same checks, and what that worker left
    streaming is settled as interrupted."""
    now = timezone.now()
    for taking_over in (False, True):
        if turn_statements.claim_question_turn(
            conversation_id=conversation_id,
            token=token,
            owner=owner,
            client_message_id=client_message_id,
            claimed_until=claim_expiry(),
            now=now,
            since=now - timedelta(minutes=1),
            rate_limit=settings.CHAT_RATE_LIMIT_PER_MINUTE,
            default_title=DEFAULT_TITLE,
            title=title,
            taking_over=taking_over,
        ):
            if taking_over:
                messages_interrupt_streaming(conversation_id=conversation_id)
            return True
    return False


def _accept(
    *,
    owner: Owner,
    conversation_id: uuid.UUID | str,
    client_message_id: str | None,
    token: str,
    title: str,
    anchor: uuid.UUID | str | None,
    read_past: bool,
    create: Callable[[uuid.UUID | None], tuple[Message, Message | None]],
    branched: bool,
) -> Accepted:
    """The rules every question passes, then `create` (given the path's last message) stores
    it in the transaction that claims the turn."""
    # Only with a budget configured: one more statement per question.
    if over_budget(owner):
        if resent := _resent(conversation_id, client_message_id):
            return resent
        raise BudgetExceeded()
    try:
        with transaction.atomic():
            claimed = _claim(owner, conversation_id, client_message_id, token, title)
            if not claimed:
                return _refusal(owner, conversation_id, client_message_id)
            # The claim's UPDATE holds the conversation's row lock until the commit; pending
            # actions are declined at the end of the path, before it is read.
            settled = actions_settle_pending(conversation_id=conversation_id)
            past, leaf = (
                past_messages(
                    conversation_id=conversation_id,
                    limit=settings.LLM_HISTORY_MAX_MESSAGES,
                    anchor=anchor,
                )
                if read_past or anchor == paths.ACTIVE
                else (None, None)
            )
            question, answer = create(leaf)
            versions: dict[uuid.UUID, list[str]] = {}
            if branched:
                newest = answer or question
                Conversation.objects.filter(pk=conversation_id).update(active_leaf_id=newest.pk)
                versions = paths.sibling_ids([question, *([answer] if answer else [])])
    except IntegrityError:
        # The same client_message_id raced in from another socket: answer as a duplicate
        # (the claim went back with the rolled-back transaction).
        if resent := _resent(conversation_id, client_message_id):
            return resent
        raise
    return Accepted(
        question=question,
        duplicate=False,
        announce=settled,
        past=past if read_past else None,
        answer=answer,
        branched=branched,
        versions=versions,
    )
