"""Reads of conversations and messages."""

import uuid
from functools import reduce
from operator import and_

from django.db import connection
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

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


def message_list(*, conversation_id: uuid.UUID | str, last: int | None = None) -> list[Message]:
    """The conversation's messages in order (with their feedback); only the `last` ones when
    given."""
    messages = Message.objects.filter(conversation_id=conversation_id).select_related("feedback")
    if last is None:
        return list(messages.order_by("created_at"))
    return list(reversed(messages.order_by("-created_at")[:last]))


def turn_is_running(*, conversation_id: uuid.UUID | str) -> bool:
    """A live claim holds the conversation's turn (on some worker)."""
    return (
        Conversation.objects.filter(pk=conversation_id, turn_claimed_until__gte=timezone.now())
        .exclude(turn_owner="")
        .exists()
    )


def _questions_until(
    conversation_id: uuid.UUID | str, message: Message | None
) -> QuerySet[Message]:
    """The conversation's questions up to `message` (all when None), newest first."""
    questions = Message.objects.filter(conversation_id=conversation_id, role=Message.Role.USER)
    if message is not None:
        questions = questions.filter(created_at__lte=message.created_at)
    return questions.order_by("-created_at")


def question_id_before(
    *, conversation_id: uuid.UUID | str, message: Message | None = None
) -> str | None:
    """The id of the question that `message` answers (the latest question when None)."""
    pk = _questions_until(conversation_id, message).values_list("pk", flat=True).first()
    return str(pk) if pk is not None else None


def question_before(
    *, conversation_id: uuid.UUID | str, message_id: uuid.UUID | str
) -> Message | None:
    """The question that the assistant message `message_id` answers."""
    message = Message.objects.filter(pk=message_id, conversation_id=conversation_id).first()
    return _questions_until(conversation_id, message).first() if message else None


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
    *, conversation_id: uuid.UUID | str, limit: int, before: Message | None = None
) -> list[PastMessage]:
    """The latest `limit` messages (older than `before`) in order, for the model; when the
    conversation has a summary, it comes first (role "summary") and stands for the messages
    it covers, which are left out.

    Trimmed in the query, not in Python, so a long conversation costs no more than a short one.
    """
    summary = (
        Conversation.objects.filter(pk=conversation_id)
        .values_list("summary", "summary_through__created_at")
        .first()
    )
    rows = Message.objects.filter(conversation_id=conversation_id)
    if before is not None:
        rows = rows.filter(created_at__lt=before.created_at)
    if summary and summary[1] is not None:
        rows = rows.filter(created_at__gt=summary[1])
    rows = rows.order_by("-created_at").values_list(
        "role", "content", "tool_calls", "tool_call_id", "tool_name", "context"
    )[:limit]
    past = [
        PastMessage(
            role=role,
            content=content,
            tool_calls=tool_calls or [],
            tool_call_id=tool_call_id,
            tool_name=tool_name,
            context=context,
        )
        for role, content, tool_calls, tool_call_id, tool_name, context in reversed(rows)
    ]
    if summary and summary[0]:
        past.insert(0, PastMessage(role=SUMMARY, content=summary[0]))
    return past
