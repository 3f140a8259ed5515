"""Writes for the chat: conversations, questions, the turn claim, checkpoints, final states.

All functions are synchronous ORM code; async callers wrap them in chat.db_calls.db_call.

LOCK_ORDER: a transaction that writes a conversation's row and its messages' rows writes the
conversation first. The heartbeat extends its turns' claims and then checkpoints their texts
in one transaction, on another thread than the turns' own writes; a transaction that took a
message's row first and then waited for its conversation's would deadlock against it.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from chat import paths, turn_statements
from chat.models import DEFAULT_TITLE, Conversation, Message
from chat.selectors import question_id_before
from shop.errors import ShopError
from shop.owners import Owner

logger = logging.getLogger(__name__)

TITLE_MAX_CHARS = 80


class NotFound(ShopError):
    code = "not_found"
    default_detail = "No such conversation."


def title_from_question(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_MAX_CHARS else line[: TITLE_MAX_CHARS - 1].rstrip() + "…"


def conversation_create(*, owner: Owner, title: str = "") -> Conversation:
    return Conversation.objects.create(
        title=title_from_question(title) if title.strip() else DEFAULT_TITLE, **owner.as_fields()
    )


def conversation_rename(*, conversation: Conversation, title: str) -> Conversation:
    conversation.title = title_from_question(title)
    conversation.updated_at = timezone.now()
    conversation.save(update_fields=["title", "updated_at"])
    return conversation


def conversation_delete(*, conversation: Conversation) -> None:
    """Delete a conversation with all its messages."""
    conversation.delete()


def conversations_adopt(*, anonymous_key: str, user_id: int) -> int:
    """Move an anonymous visitor's conversations to the account they just logged in to."""
    return Conversation.objects.filter(user__isnull=True, anonymous_key=anonymous_key).update(
        user_id=user_id, anonymous_key=""
    )


# --- Turn claim -----------------------------------------------------------------------------


def claim_expiry() -> Any:
    return timezone.now() + timedelta(seconds=settings.CHAT_CLAIM_TTL_SECONDS)


def turn_claim(*, conversation_id: uuid.UUID | str, token: str) -> bool:
    """Atomically take the conversation's turn unless a live claim holds it (a question's
    own claim, with its checks, is chat.turn_statements.claim_question_turn)."""
    rows = Conversation.objects.filter(pk=conversation_id)
    values = {"turn_owner": token, "turn_claimed_until": claim_expiry()}
    # A free claim needs nothing settled: every release leaves no message streaming
    # (turn_release, turn_finish), so only a claim taken from a dead worker does.
    if rows.filter(turn_owner="").update(**values):
        return True
    if rows.exclude(turn_owner="").filter(turn_claimed_until__lt=timezone.now()).update(**values):
        messages_interrupt_streaming(conversation_id=conversation_id)
        return True
    return False


def turns_heartbeat(
    *, claims: list[tuple[str, str]], checkpoints: list[tuple[uuid.UUID, str]]
) -> int:
    """Extend the claims of a worker's running turns and checkpoint their streaming texts, in
    one transaction for all of them. Returns how many claims are still held.

    `claims` are (conversation id, token); `checkpoints` are (message id, text so far).
    """
    if not claims:
        return 0
    # Tokens are random per turn and only ever written to their own conversation, so matching
    # both lists is matching the pairs.
    with transaction.atomic():
        alive = Conversation.objects.filter(
            pk__in=[conversation_id for conversation_id, _ in claims],
            turn_owner__in=[token for _, token in claims],
        ).update(turn_claimed_until=claim_expiry())
        if checkpoints:
            _checkpoint_streaming_texts(checkpoints)
    return alive


def _checkpoint_streaming_texts(checkpoints: list[tuple[uuid.UUID, str]]) -> None:
    """One parameterised UPDATE per message, sent as a batch.

    The ORM's form (one UPDATE with a CASE WHEN per message) costs a compile per message on
    the worker that streams them, every beat: a visible stall (docs/benchmarks.md, findings).
    Only still-streaming rows: a message finished meanwhile keeps its final text.
    """
    quote = connection.ops.quote_name
    pk = Message._meta.pk
    sql = (
        f"UPDATE {quote(Message._meta.db_table)} SET {quote('content')} = %s "
        f"WHERE {quote(pk.column)} = %s AND {quote('status')} = %s"
    )
    params = [
        (text, pk.get_db_prep_value(message_id, connection), Message.Status.STREAMING)
        for message_id, text in checkpoints
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def turn_release(
    *,
    conversation_id: uuid.UUID | str,
    token: str,
    settle_streaming: bool = False,
    leaf_id: uuid.UUID | None = None,
) -> None:
    """Give the claim back; with `settle_streaming`, what the turn left streaming (it ended
    before storing its message) is stored as interrupted in the same transaction. `leaf_id`:
    the last message the turn stored, now the active path's leaf (chat.paths)."""
    # No savepoint inside turn_finish's transaction: two round trips for nothing to undo.
    # The conversation's row first, then its messages (LOCK_ORDER).
    with transaction.atomic(savepoint=False):
        turn_statements.claim_release(
            conversation_id=conversation_id, token=token, now=timezone.now(), leaf_id=leaf_id
        )
        if settle_streaming:
            messages_interrupt_streaming(conversation_id=conversation_id)


def messages_interrupt_streaming(*, conversation_id: uuid.UUID | str) -> list[Message]:
    """Mark messages left `streaming` by a dead turn as `interrupted`, keeping their checkpoint."""
    stale = list(
        Message.objects.filter(conversation_id=conversation_id, status=Message.Status.STREAMING)
    )
    for message in stale:
        message.status = Message.Status.INTERRUPTED
        message.error_code = "interrupted"
    if stale:
        Message.objects.bulk_update(stale, ["status", "error_code"])
        logger.info(
            "interrupted turn settled",
            extra={"conversation_id": str(conversation_id), "messages": len(stale)},
        )
    return stale


@dataclass(frozen=True)
class Settled:
    """A dead worker's turn, settled: what to tell the conversation's sockets."""

    conversation_id: str
    messages: list[Message]  # the answers it left streaming, now interrupted
    question_id: str | None  # the turn's question


def turn_settle_if_expired(*, conversation_id: uuid.UUID | str) -> Settled | None:
    """If the conversation's claim expired (its worker died), release it and mark its
    streaming messages interrupted. None when there was nothing to settle.

    Under the conversation's row lock: without it, a question could claim the turn and start
    its answer between the check that no turn runs and the settling, which would then
    interrupt a live answer.
    """
    with transaction.atomic():
        claim = (
            Conversation.objects.select_for_update()
            .filter(pk=conversation_id)
            .values_list("turn_owner", "turn_claimed_until")
            .first()
        )
        if claim is None:
            return None
        owner, until = claim
        if owner and until is not None and until >= timezone.now():
            return None  # a live turn
        released = bool(owner)
        if released:
            Conversation.objects.filter(pk=conversation_id).update(
                turn_owner="", turn_claimed_until=None
            )
        # A free claim with a streaming message: a turn that died before its release.
        stale = messages_interrupt_streaming(conversation_id=conversation_id)
    if not (released or stale):
        return None
    question_id = question_id_before(
        conversation_id=conversation_id, message=stale[0] if stale else None
    )
    return Settled(conversation_id=str(conversation_id), messages=stale, question_id=question_id)


def turns_reap_expired() -> list[Settled]:
    """Settle every conversation whose turn claim expired."""
    expired = (
        Conversation.objects.filter(turn_claimed_until__lt=timezone.now())
        .exclude(turn_owner="")
        .values_list("pk", flat=True)
    )
    settled = (turn_settle_if_expired(conversation_id=pk) for pk in expired)
    return [turn for turn in settled if turn is not None]


# --- Questions and answers ------------------------------------------------------------------


def assistant_message_new(
    *,
    conversation_id: uuid.UUID | str,
    model_id: str,
    parent_id: uuid.UUID | None,
    **fields: Any,
) -> Message:
    """A streaming answer, not stored yet (question_accept stores it with its question)."""
    return Message(
        conversation_id=conversation_id,
        parent_id=parent_id,
        role=Message.Role.ASSISTANT,
        status=Message.Status.STREAMING,
        model_id=model_id,
        **fields,
    )


def assistant_message_start(
    *,
    conversation_id: uuid.UUID | str,
    model_id: str,
    parent_id: uuid.UUID | None,
    **fields: Any,
) -> Message:
    message = assistant_message_new(
        conversation_id=conversation_id, model_id=model_id, parent_id=parent_id, **fields
    )
    turn_statements.messages_insert([message])
    return message


def assistant_message_finish(
    *,
    message: Message,
    content: str,
    status: str,
    tool_calls: list[dict[str, Any]] | None = None,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    cache_read_tokens: int | None = None,
    cache_write_tokens: int | None = None,
    time_to_first_token_ms: int | None = None,
    duration_ms: int | None = None,
    error_code: str = "",
) -> Message:
    """Store the final state of `message` (as assistant_message_start returned it): one
    UPDATE by its key, nothing read back."""
    message.content = content
    message.status = status
    message.tool_calls = tool_calls or []
    message.input_tokens = input_tokens
    message.output_tokens = output_tokens
    message.cache_read_tokens = cache_read_tokens
    message.cache_write_tokens = cache_write_tokens
    message.time_to_first_token_ms = time_to_first_token_ms
    message.duration_ms = duration_ms
    message.error_code = error_code
    turn_statements.message_store_final(message)
    return message


def turn_finish(
    *, conversation_id: uuid.UUID | str, token: str, message: Message, **final: Any
) -> Message:
    """Store the turn's last message and release its claim, in one transaction; the message
    becomes the active path's leaf."""
    with transaction.atomic():
        turn_release(conversation_id=conversation_id, token=token, leaf_id=message.pk)
        assistant_message_finish(message=message, **final)
    return message


def tool_message_create(
    *,
    conversation_id: uuid.UUID | str,
    tool_name: str,
    tool_call_id: str,
    content: str,
    ok: bool,
    cards: list[dict[str, Any]] | None = None,
    parent_id: uuid.UUID | None = None,
) -> Message:
    """A tool's result, after `parent_id` (a turn's last message); without it, at the end of
    the active path (a decision's result, outside any turn)."""
    fields: dict[str, Any] = {
        "conversation_id": conversation_id,
        "role": Message.Role.TOOL,
        "content": content,
        "tool_name": tool_name,
        "tool_call_id": tool_call_id,
        "status": Message.Status.COMPLETE if ok else Message.Status.ERROR,
        "cards": cards or [],
    }
    if parent_id is None:
        return message_append(**fields)
    return Message.objects.create(parent_id=parent_id, **fields)


def message_append(**fields: Any) -> Message:
    """A message (Message's fields, `conversation` or `conversation_id` among them) at the end
    of the conversation's active path, which it then ends. For writes outside a turn: the
    caller holds the conversation's lock, or no turn can be appending (a turn appends after
    its own last message instead)."""
    conversation_id = fields.get("conversation_id") or fields["conversation"].pk
    message = Message.objects.create(parent_id=paths.leaf_id(conversation_id), **fields)
    Conversation.objects.filter(pk=conversation_id).update(active_leaf_id=message.pk)
    return message
