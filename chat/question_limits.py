"""Who may ask now: the daily token budget and the rate limit, and the errors that refuse.

The claiming statement applies the rate limit itself, in SQL (chat.turn_statements); these say
which rule refused once it matched nothing, and check the budget before it runs.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from chat.models import Conversation, Message
from shop.errors import ShopError
from shop.owners import Owner


class Busy(ShopError):
    code = "busy"
    default_detail = "The assistant is still answering in this conversation. Wait or press stop."


class RateLimited(ShopError):
    code = "rate_limited"
    default_detail = "Too many questions in a minute. Please wait a moment."


class BudgetExceeded(ShopError):
    code = "budget_exceeded"
    default_detail = (
        "You have used today's allowance of the assistant. It renews at midnight; "
        "the shop itself stays open."
    )


def tokens_today(owner: Owner) -> int:
    """The tokens the owner's answers used since midnight (the shop's time zone), all input
    (cache reads included) and output."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    used = Message.objects.filter(
        role=Message.Role.ASSISTANT,
        created_at__gte=midnight,
        conversation__in=Conversation.objects.filter(owner.row_filter()),
    ).aggregate(used=Sum(Coalesce("input_tokens", 0) + Coalesce("output_tokens", 0), default=0))[
        "used"
    ]
    return int(used or 0)


def over_budget(owner: Owner) -> bool:
    budget = settings.CHAT_DAILY_TOKEN_BUDGET
    return budget is not None and tokens_today(owner) >= budget


def recent_questions(owner: Owner) -> QuerySet[Message]:
    """The owner's questions of the last minute, each counted by its first answer (every
    accepted question has one), so that answering a question again counts as asking it."""
    since = timezone.now() - timedelta(minutes=1)
    return Message.objects.filter(
        role=Message.Role.ASSISTANT,
        parent__role=Message.Role.USER,
        created_at__gte=since,
        conversation__in=Conversation.objects.filter(owner.row_filter()),
    )


def rate_limited(owner: Owner) -> bool:
    return recent_questions(owner).count() >= settings.CHAT_RATE_LIMIT_PER_MINUTE
