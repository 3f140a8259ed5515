"""The statements every question runs, written once as SQL instead of compiled per call.

The ORM builds and compiles each query anew, and for the question's claiming UPDATE (with
its rate-limit and resend probes) that was most of a question's CPU on the database thread
(docs/benchmarks.md, figure 9). These are the same statements with the same meaning: names
through the backend's quoting, values through each field's own preparation, so they run
unchanged on PostgreSQL and SQLite. Every rarer path (a claim taken from a dead worker, the
reasons for a refusal) stays in the ORM.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field, Model

from chat.models import Action, Conversation, Message
from shop.owners import Owner

_USER, _ASSISTANT = Message.Role.USER.value, Message.Role.ASSISTANT.value


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _prep(model: type[Model], name: str, value: Any) -> Any:
    return model._meta.get_field(name).get_db_prep_value(value, connection)


@cache
def _claim_sql(by_user: bool, with_client_id: bool, taking_over: bool) -> str:
    conv, msg = _q(Conversation._meta.db_table), _q(Message._meta.db_table)
    owner = 'c."user_id" = %s' if by_user else 'c."user_id" IS NULL AND c."anonymous_key" = %s'
    resend = (
        f' AND NOT EXISTS (SELECT 1 FROM {msg} m WHERE m."client_message_id" = %s'
        f' AND m."conversation_id" = {conv}."id")'
        if with_client_id
        else ""
    )
    # A free claim, or (taking over) one whose worker stopped renewing it.
    free = "\"turn_owner\" = ''"
    held = f'NOT {free} AND "turn_claimed_until" < %s' if taking_over else free
    # The owner's questions of the last minute, each counted by its first answer; a LIMIT 1
    # OFFSET probe stops at the limit instead of counting them all.
    return (
        f'UPDATE {conv} SET "turn_owner" = %s, "turn_claimed_until" = %s, "updated_at" = %s,'
        ' "title" = CASE WHEN "title" = %s THEN %s ELSE "title" END'
        f' WHERE "id" = %s AND {held}'
        f' AND NOT EXISTS (SELECT 1 FROM {msg} a JOIN {msg} q ON a."parent_id" = q."id"'
        f' WHERE a."conversation_id" IN (SELECT c."id" FROM {conv} c WHERE {owner})'
        f' AND a."created_at" >= %s AND q."role" = \'{_USER}\' AND a."role" = \'{_ASSISTANT}\''
        " LIMIT 1 OFFSET %s)" + resend
    )


def claim_question_turn(
    *,
    conversation_id: uuid.UUID | str,
    token: str,
    owner: Owner,
    client_message_id: str | None,
    claimed_until: datetime,
    now: datetime,
    since: datetime,
    rate_limit: int,
    default_title: str,
    title: str,
    taking_over: bool = False,
) -> bool:
    """Take a free claim for a question (with `taking_over`, one that expired before `now`
    instead), dating the conversation and naming it (when it has the default title), if the
    owner asked fewer than `rate_limit` questions since `since` and `client_message_id` is
    new here. False when any of that fails: the caller finds out which."""
    if rate_limit <= 0:
        return False
    params: list[Any] = [
        token,
        _prep(Conversation, "turn_claimed_until", claimed_until),
        _prep(Conversation, "updated_at", now),
        default_title,
        title,
        _prep(Conversation, "id", conversation_id),
        *([_prep(Conversation, "turn_claimed_until", now)] if taking_over else []),
        owner.user_id if owner.user_id else owner.anonymous_key,
        _prep(Message, "created_at", since),
        rate_limit - 1,
    ]
    if client_message_id:
        params.append(client_message_id)
    with connection.cursor() as cursor:
        cursor.execute(
            _claim_sql(bool(owner.user_id), bool(client_message_id), taking_over), params
        )
        return cursor.rowcount == 1


@cache
def _inserted_fields() -> tuple[Field, ...]:
    return tuple(Message._meta.concrete_fields)


@cache
def _insert_sql(rows: int) -> str:
    fields = _inserted_fields()
    columns = ", ".join(_q(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return f"INSERT INTO {_q(Message._meta.db_table)} ({columns}) VALUES " + ", ".join([row] * rows)


def messages_insert(messages: Sequence[Message]) -> None:
    """Store new `messages` (built with their keys) in one INSERT, in order."""
    params: list[Any] = []
    for message in messages:
        params += [
            f.get_db_prep_save(f.pre_save(message, True), connection) for f in _inserted_fields()
        ]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(len(messages)), params)
    for message in messages:
        message._state.adding = False
        message._state.db = connection.alias


FINAL_FIELDS = (
    "content",
    "status",
    "tool_calls",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "time_to_first_token_ms",
    "duration_ms",
    "error_code",
)


@cache
def _finish_sql() -> str:
    sets = ", ".join(f"{_q(Message._meta.get_field(n).column)} = %s" for n in FINAL_FIELDS)
    return f"UPDATE {_q(Message._meta.db_table)} SET {sets} WHERE {_q('id')} = %s"


def message_store_final(message: Message) -> None:
    """Store the final fields of `message` (FINAL_FIELDS, as set on it): one UPDATE by key."""
    params = [
        Message._meta.get_field(n).get_db_prep_save(getattr(message, n), connection)
        for n in FINAL_FIELDS
    ]
    params.append(_prep(Message, "id", message.pk))
    with connection.cursor() as cursor:
        cursor.execute(_finish_sql(), params)


@cache
def _release_sql(with_leaf: bool) -> str:
    leaf = ', "active_leaf_id" = %s' if with_leaf else ""
    return (
        f"UPDATE {_q(Conversation._meta.db_table)} SET \"turn_owner\" = '',"
        f' "turn_claimed_until" = NULL, "updated_at" = %s{leaf}'
        ' WHERE "id" = %s AND "turn_owner" = %s'
    )


def claim_release(
    *,
    conversation_id: uuid.UUID | str,
    token: str,
    now: datetime,
    leaf_id: uuid.UUID | None,
) -> None:
    """Give the claim back if `token` still holds it; `leaf_id` becomes the active path's
    leaf (chat.paths)."""
    params: list[Any] = [_prep(Conversation, "updated_at", now)]
    if leaf_id is not None:
        params.append(_prep(Message, "id", leaf_id))
    params += [_prep(Conversation, "id", conversation_id), token]
    with connection.cursor() as cursor:
        cursor.execute(_release_sql(leaf_id is not None), params)


def pending_actions(conversation_id: uuid.UUID | str) -> list[Action]:
    """The conversation's pending actions, oldest first (every question looks)."""
    table = _q(Action._meta.db_table)
    return list(
        Action.objects.raw(
            f'SELECT * FROM {table} WHERE "conversation_id" = %s AND "status" = %s'
            ' ORDER BY "created_at"',
            [_prep(Action, "conversation", conversation_id), Action.Status.PENDING.value],
        )
    )
