"""Reads of conversations and messages."""

import uuid
from dataclasses import dataclass
from functools import reduce
from operator import and_

from django.db import connection
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from chat import paths
from chat.models import Action, Conversation, Message
from llm.history import SUMMARY, PastMessage
from shop.owners import Owner
from shop.search import singular


def conversation_list(*, owner: Owner) -> QuerySet[Conversation]:
    return Conversation.objects.filter(owner.row_filter()).order_by("-updated_at")


SEARCH_MAX_CHARS = 200


def conversation_search(*, owner: Owner, query: str) -> QuerySet[Conversation]:
    """The owner's conversations whose title or messages match `query`, best first.

    PostgreSQL: full-text search (web-search syntax, English stemming), a title match weighing
    more than one in the messages. SQLite: every word must appear, newest first. Only the
    owner's conversations are ever searched, so the vectors are built for few rows.
    """
    mine = conversation_list(owner=owner)
    words = query.split()
    if not words:
        return mine
    if connection.vendor != "postgresql":
        # Each word (singular, so "tents" finds "tent") in the title or in what was said.
        stems = [singular(word) for word in words[:8]]
        said = Message.objects.filter(conversation=OuterRef("pk")).exclude(role=Message.Role.TOOL)
        matches = mine
        for stem in stems:
            matches = matches.filter(
                Q(title__icontains=stem) | Exists(said.filter(content__icontains=stem))
            )
        in_title = reduce(and_, (Q(title__icontains=stem) for stem in stems))
        return matches.annotate(
            in_title=Case(When(in_title, then=Value(1)), default=Value(0))
        ).order_by("-in_title", "-updated_at")
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    search = SearchQuery(query[:SEARCH_MAX_CHARS], search_type="websearch", config="english")
    in_messages = (
        Message.objects.filter(conversation=OuterRef("pk"))
        .exclude(role=Message.Role.TOOL)  # tool results are data, not what was said
        .annotate(rank=SearchRank(SearchVector("content", config="english"), search))
        .filter(rank__gt=0)
        .order_by("-rank")
        .values("rank")[:1]
    )
    return (
        mine.annotate(
            title_rank=SearchRank(SearchVector("title", config="english", weight="A"), search),
            message_rank=Coalesce(Subquery(in_messages), Value(0.0)),
        )
        .filter(Q(title_rank__gt=0) | Q(message_rank__gt=0))
        .order_by((F("title_rank") * 2 + F("message_rank")).desc(), "-updated_at")
    )


def conversation_get(*, owner: Owner, conversation_id: uuid.UUID | str) -> Conversation | None:
    """The owner's conversation, or None (also for someone else's: existence never leaks)."""
    try:
        pk = uuid.UUID(str(conversation_id))
    except ValueError:
        return None
    return Conversation.objects.filter(owner.row_filter(), pk=pk).first()


def message_list(
    *, conversation_id: uuid.UUID | str, last: int | None = None, every_branch: bool = False
) -> list[Message]:
    """The conversation's active path in order (with their feedback); only the `last` ones
    when given. With `every_branch`, every message of the conversation, oldest first."""
    messages = Message.objects.filter(conversation_id=conversation_id).select_related("feedback")
    if every_branch:
        return list(messages.order_by("created_at", "id"))
    ids = paths.path_ids(conversation_id, limit=last)
    by_id = messages.in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def message_versions(messages: list[Message]) -> dict[uuid.UUID, list[str]]:
    """Each message's `sibling_ids` (docs/protocol.md, "Branches")."""
    return paths.sibling_ids(messages)


@dataclass(frozen=True)
class HistoryView:
    """What a `history` frame holds: the active path, the actions, each message's versions."""

    title: str
    messages: list[Message]
    actions: list[Action]
    versions: dict[uuid.UUID, list[str]]


def history_of(
    *, conversation_id: uuid.UUID | str, last: int, title: str | None = None
) -> HistoryView:
    """The `history` frame's contents, in one trip to the ORM thread; the title is read only
    when the caller does not know it."""
    messages = message_list(conversation_id=conversation_id, last=last)
    if title is None:
        title = (
            Conversation.objects.filter(pk=conversation_id).values_list("title", flat=True).first()
            or ""
        )
    return HistoryView(
        title=title,
        messages=messages,
        actions=action_list(conversation_id=conversation_id, last=last),
        versions=message_versions(messages),
    )


def turn_is_running(*, conversation_id: uuid.UUID | str) -> bool:
    """A live claim holds the conversation's turn (on some worker)."""
    return (
        Conversation.objects.filter(pk=conversation_id, turn_claimed_until__gte=timezone.now())
        .exclude(turn_owner="")
        .exists()
    )


def question_id_before(
    *, conversation_id: uuid.UUID | str, message: Message | None = None
) -> str | None:
    """The id of the question that `message` answers (the active path's latest when None)."""
    below = message.pk if message is not None else paths.leaf_id(conversation_id)
    pk = paths.question_of(conversation_id, below) if below is not None else None
    return str(pk) if pk is not None else None


def question_before(
    *, conversation_id: uuid.UUID | str, message_id: uuid.UUID | str
) -> Message | None:
    """The question that the assistant message `message_id` answers."""
    pk = paths.question_of(conversation_id, message_id)
    return Message.objects.filter(pk=pk).first() if pk is not None else None


def action_list(*, conversation_id: uuid.UUID | str, last: int | None = None) -> list[Action]:
    """The conversation's actions, oldest first (decided ones included); the `last` ones."""
    actions = Action.objects.filter(conversation_id=conversation_id)
    if last is None:
        return list(actions.order_by("created_at"))
    return list(reversed(actions.order_by("-created_at")[:last]))


def message_get_by_client_id(
    *, conversation_id: uuid.UUID | str, client_message_id: str
) -> Message | None:
    return Message.objects.filter(
        conversation_id=conversation_id, client_message_id=client_message_id
    ).first()


def past_messages(
    *, conversation_id: uuid.UUID | str, limit: int, anchor: uuid.UUID | str | None = paths.ACTIVE
) -> tuple[list[PastMessage], uuid.UUID | None]:
    """What the model reads, and the path's last message: the latest `limit` messages of the
    path ending at `anchor` (by default the active path), in order; when a summary stands for
    the older ones, it comes first (role "summary").

    One statement, trimmed in the query (chat.paths), so a long conversation costs no more
    than a short one.
    """
    found = paths.history(conversation_id, anchor=anchor, limit=limit)
    past = [
        PastMessage(
            role=row.role,
            content=row.content,
            tool_calls=row.tool_calls,
            tool_call_id=row.tool_call_id,
            tool_name=row.tool_name,
            context=row.context,
        )
        for row in found.rows
    ]
    if found.summary:
        past.insert(0, PastMessage(role=SUMMARY, content=found.summary))
    return past, found.leaf
