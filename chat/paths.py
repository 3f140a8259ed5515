"""The conversation tree's reads: the active path, a message's question, versions, leaves.

Messages form a tree (Message.parent); regenerate and edit add branches. The **active path**
is the conversation's `active_leaf` and its ancestors, continued below it by the newest child
at each step. That continuation matters only while a turn appends to the path (or after its
worker died doing so): the turn moves `active_leaf` to its last message when it ends.

Django's ORM has no recursive queries, so the walks are one `WITH RECURSIVE` statement each,
written for both PostgreSQL and SQLite. Each walk visits only the path, never the whole
conversation, and stops at the summary's last message when asked to (what the summary stands
for is not read again).
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q

from chat.models import Conversation, Message

ACTIVE = "active"  # an anchor: the conversation's active leaf


@dataclass(frozen=True)
class _Walk:
    anchor: uuid.UUID | str  # a message id, or ACTIVE
    ascend: bool = True  # the anchor's ancestors
    descend: bool = False  # below the anchor, the newest child at each step
    stop_at_summary: bool = False  # not above the conversation's summary_through


def _sql(walk: _Walk, columns: str, *, limit: int | None) -> str:
    q = connection.ops.quote_name
    messages, conversations = q(Message._meta.db_table), q(Conversation._meta.db_table)
    if walk.anchor == ACTIVE:
        # A conversation whose first turn died before ending has no leaf yet: its newest root.
        anchor = (
            f"COALESCE(c.active_leaf_id, (SELECT r.id FROM {messages} r "
            f"WHERE r.conversation_id = c.id AND r.parent_id IS NULL "
            f"ORDER BY r.created_at DESC, r.id DESC LIMIT 1))"
        )
    else:
        anchor = "%(anchor)s"
    # A typed NULL (the column's own type) when the walk does not stop at the summary.
    stop = (
        "c.summary_through_id"
        if walk.stop_at_summary
        else ("CASE WHEN 1 = 0 THEN c.summary_through_id END")
    )
    climb = (
        f"""UNION ALL
        SELECT m.id, m.parent_id, up.depth + 1
        FROM up JOIN {messages} m ON m.id = up.parent_id JOIN conv ON 1 = 1
        WHERE conv.stop_id IS NULL OR up.id <> conv.stop_id"""
        if walk.ascend
        else ""
    )
    return f"""
    WITH RECURSIVE
    conv(anchor_id, stop_id, summary) AS (
        SELECT {anchor}, {stop}, c.summary FROM {conversations} c WHERE c.id = %(conversation)s
    ),
    up(id, parent_id, depth) AS (
        SELECT m.id, m.parent_id, 0 FROM {messages} m JOIN conv ON m.id = conv.anchor_id
        {climb}
    ),
    down(id, depth) AS (
        SELECT conv.anchor_id, 0 FROM conv WHERE {"1 = 1" if walk.descend else "1 = 0"}
        UNION ALL
        SELECT (SELECT n.id FROM {messages} n WHERE n.parent_id = down.id
                ORDER BY n.created_at DESC, n.id DESC LIMIT 1), down.depth - 1
        FROM down WHERE down.id IS NOT NULL
    ),
    path(id, depth) AS (
        SELECT id, depth FROM up
        UNION ALL
        SELECT id, depth FROM down WHERE depth < 0 AND id IS NOT NULL
    )
    SELECT {columns}
    FROM path JOIN {messages} m ON m.id = path.id JOIN conv ON 1 = 1
    ORDER BY CASE WHEN m.id = conv.stop_id THEN 0 ELSE 1 END, path.depth
    {"LIMIT %(limit)s" if limit is not None else ""}
    """


_PK = Message._meta.pk


def _db(value: uuid.UUID | str) -> Any:
    return _PK.get_db_prep_value(_PK.to_python(value), connection)


def _walk(
    conversation_id: uuid.UUID | str, walk: _Walk, columns: str, *, limit: int | None = None
) -> list[tuple[Any, ...]]:
    """The walk's rows, the summary's last message first when the walk reached it, then the
    path from its end upward (at most `limit` rows in all)."""
    params: dict[str, Any] = {"conversation": _db(conversation_id), "limit": limit}
    if walk.anchor != ACTIVE:
        params["anchor"] = _db(walk.anchor)
    with connection.cursor() as cursor:
        cursor.execute(_sql(walk, columns, limit=limit), params)
        return cursor.fetchall()


def _uuid(value: Any) -> uuid.UUID:
    return _PK.to_python(value)


# --- the active path ------------------------------------------------------------------------


def path_ids(conversation_id: uuid.UUID | str, *, limit: int | None = None) -> list[uuid.UUID]:
    """The active path's message ids, first question first; only the last `limit`."""
    rows = _walk(conversation_id, _Walk(ACTIVE, descend=True), "m.id", limit=limit)
    return [_uuid(pk) for (pk,) in reversed(rows)]


def leaf_id(conversation_id: uuid.UUID | str) -> uuid.UUID | None:
    """The last message of the active path: where a new message goes."""
    rows = _walk(conversation_id, _Walk(ACTIVE, ascend=False, descend=True), "m.id", limit=1)
    return _uuid(rows[0][0]) if rows else None


def newest_leaf_below(conversation_id: uuid.UUID | str, message_id: uuid.UUID) -> uuid.UUID:
    """The end of the path through `message_id`: its newest child, that one's, and so on."""
    rows = _walk(conversation_id, _Walk(message_id, ascend=False, descend=True), "m.id", limit=1)
    return _uuid(rows[0][0]) if rows else message_id


_FIELDS = ("role", "content", "tool_calls", "tool_call_id", "tool_name", "context")
_JSON = {name: Message._meta.get_field(name) for name in ("tool_calls", "context")}


@dataclass(frozen=True)
class PathRow:
    id: uuid.UUID
    role: str
    content: str
    tool_calls: list[dict[str, Any]]
    tool_call_id: str
    tool_name: str
    context: dict[str, Any] | None


@dataclass(frozen=True)
class History:
    summary: str  # what the messages up to the conversation's summary_through said, or ""
    rows: list[PathRow]  # the path after it, oldest first, at most the limit asked for
    leaf: uuid.UUID | None  # the path's last message (None for an empty path)


def history(
    conversation_id: uuid.UUID | str, *, anchor: uuid.UUID | str | None, limit: int
) -> History:
    """What the model reads: the path ending at `anchor` (ACTIVE: the active path, with what
    a turn appended below its leaf), the summary standing for the messages it covers when that
    summary was made on this path. One statement, summary included."""
    if anchor is None:  # before the first question
        return History(summary="", rows=[], leaf=None)
    walk = _Walk(anchor, descend=anchor == ACTIVE, stop_at_summary=True)
    columns = (
        "m.id, m.role, CASE WHEN m.id = conv.stop_id THEN conv.summary ELSE m.content END, "
        "m.tool_calls, m.tool_call_id, m.tool_name, m.context, "
        "CASE WHEN m.id = conv.stop_id THEN 1 ELSE 0 END"
    )
    # The summary's row (first when the walk reached it), then the path from its end.
    found = _walk(conversation_id, walk, columns, limit=limit + 2)
    summary = ""
    if found and found[0][-1]:
        summary, found = found[0][2], found[1:]
    leaf = _uuid(found[0][0]) if found else None
    rows = [_row(values) for values in reversed(found[:limit])]
    return History(summary=summary, rows=rows, leaf=leaf)


def _row(values: Sequence[Any]) -> PathRow:
    pk, role, content, tool_calls, tool_call_id, tool_name, context, _ = values
    return PathRow(
        id=_uuid(pk),
        role=role,
        content=content,
        tool_calls=_JSON["tool_calls"].from_db_value(tool_calls, None, connection) or [],
        tool_call_id=tool_call_id,
        tool_name=tool_name,
        context=_JSON["context"].from_db_value(context, None, connection),
    )


# --- around one message ---------------------------------------------------------------------


def answer_trail(
    conversation_id: uuid.UUID | str, message_id: uuid.UUID | str
) -> tuple[uuid.UUID | None, list[str]]:
    """(the question that the answer's message `message_id` answers: its nearest ancestor
    asked by the user; the names of the tools called between them, in order)."""
    rows = _walk(conversation_id, _Walk(message_id), "m.id, m.role, m.tool_name")
    tools: list[str] = []
    for pk, role, tool_name in rows:
        if role == Message.Role.USER:
            return _uuid(pk), tools[::-1]
        if role == Message.Role.TOOL:
            tools.append(tool_name)
    return None, tools[::-1]


def question_of(conversation_id: uuid.UUID | str, message_id: uuid.UUID | str) -> uuid.UUID | None:
    return answer_trail(conversation_id, message_id)[0]


def last_answer_id(conversation_id: uuid.UUID | str) -> uuid.UUID | None:
    """The active path's last assistant message."""
    rows = _walk(conversation_id, _Walk(ACTIVE, descend=True), "m.id, m.role")
    return next((_uuid(pk) for pk, role in rows if role == Message.Role.ASSISTANT), None)


def since_summary(conversation_id: uuid.UUID | str) -> tuple[bool, list[tuple[Any, ...]]]:
    """(whether the conversation's summary was made on the active path; the path after the
    summary's last message, all of it when not, oldest first: (id, role, content, tool_calls,
    tool_call_id, tool_name, status))."""
    columns = (
        "m.id, m.role, m.content, m.tool_calls, m.tool_call_id, m.tool_name, m.status, "
        "CASE WHEN m.id = conv.stop_id THEN 1 ELSE 0 END"
    )
    rows = _walk(conversation_id, _Walk(ACTIVE, descend=True, stop_at_summary=True), columns)
    calls = _JSON["tool_calls"]
    reached = bool(rows) and bool(rows[0][-1])
    return reached, [
        (
            _uuid(pk),
            role,
            content,
            calls.from_db_value(tool_calls, None, connection) or [],
            call_id,
            tool_name,
            status,
        )
        for pk, role, content, tool_calls, call_id, tool_name, status, stop in reversed(rows)
        if not stop
    ]


def sibling_ids(messages: Iterable[Message]) -> dict[uuid.UUID, list[str]]:
    """Each message's versions (same parent, same role), oldest first, itself included."""
    messages = list(messages)
    if not messages:
        return {}
    parents = {m.parent_id for m in messages if m.parent_id is not None}
    rows = (
        Message.objects.filter(conversation_id=messages[0].conversation_id)
        .filter(Q(parent_id__in=parents) | Q(parent__isnull=True))
        .order_by("created_at", "id")
        .values_list("id", "parent_id", "role")
    )
    versions: dict[tuple[uuid.UUID | None, str], list[str]] = defaultdict(list)
    for pk, parent_id, role in rows:
        versions[parent_id, role].append(str(pk))
    return {m.id: versions.get((m.parent_id, m.role)) or [str(m.id)] for m in messages}
