"""`manage.py usage_report [--since DATE] [--by day|user|model]`: tokens and estimated cost of
the assistant's answers, summed in the database (prices: LLM_PRICES, see llm.pricing)."""

from datetime import date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from chat.costs import message_cost
from chat.models import Message

GROUPS = {
    "day": TruncDate("created_at"),
    # Anonymous visitors in one row: their keys are secrets of their sessions.
    "user": F("conversation__user__username"),
    "model": F("model_id"),
}
TOKENS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens")


def usage_rows(*, since: date | None, by: str) -> list[dict[str, Any]]:
    """One row per group, oldest day (or largest cost) first."""
    answers = Message.objects.filter(role=Message.Role.ASSISTANT, input_tokens__isnull=False)
    if since is not None:
        start = timezone.make_aware(datetime.combine(since, time.min))
        answers = answers.filter(created_at__gte=start)
    grouped = (
        answers.annotate(group=GROUPS[by])
        .values("group")
        .annotate(
            calls=Count("id"),
            cost=Sum(message_cost()),
            **{name: Coalesce(Sum(name), 0) for name in TOKENS},
        )
    )
    return list(grouped.order_by("group" if by == "day" else "-cost"))


class Command(BaseCommand):
    help = "Tokens and estimated cost (USD, from LLM_PRICES) of the assistant's answers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="first day to count, YYYY-MM-DD (default: all)")
        parser.add_argument("--by", choices=sorted(GROUPS), default="day")

    def handle(self, *args: Any, since: str | None, by: str, **options: Any) -> None:
        try:
            start = date.fromisoformat(since) if since else None
        except ValueError:
            raise CommandError(f"--since must be a date as YYYY-MM-DD, not {since!r}") from None
        rows = usage_rows(since=start, by=by)
        header = [by, "calls", "input", "cache read", "cache write", "output", "cost (USD)"]
        lines = [
            [
                str(row["group"] or ("(anonymous visitors)" if by == "user" else "-")),
                str(row["calls"]),
                *(str(row[name]) for name in TOKENS),
                f"{row['cost'] or 0:.4f}",
            ]
            for row in rows
        ]
        if lines:
            totals = [sum(int(line[i]) for line in lines) for i in range(1, 6)]
            cost = sum(row["cost"] or 0 for row in rows)
            lines.append(["total", *map(str, totals), f"{cost:.4f}"])
        widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
        for line in [header, *lines]:
            cells = [line[0].ljust(widths[0])] + [
                c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True)
            ]
            self.stdout.write("  ".join(cells))
        self.stdout.write("Costs are estimates from LLM_PRICES, input priced apart from cache use.")
