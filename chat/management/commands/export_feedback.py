"""`manage.py export_feedback --format jsonl|csv [--since DATE] [--rating up|down]`: rated
answers with what was asked, what was answered, the tools, the model and the prompt version,
one case per line, ready to become an evaluation set."""

import csv
import json
from datetime import date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from chat.models import Feedback

FIELDS = [
    "message_id",
    "conversation_id",
    "rating",
    "reasons",
    "comment",
    "question",
    "answer",
    "tools",
    "model_id",
    "prompt_version",
    "rated_at",
]


def feedback_rows(*, since: date | None, rating: str | None) -> list[dict[str, Any]]:
    rows = Feedback.objects.select_related("message").order_by("updated_at")
    if since is not None:
        rows = rows.filter(updated_at__gte=timezone.make_aware(datetime.combine(since, time.min)))
    if rating:
        rows = rows.filter(rating=rating)
    return [
        {
            "message_id": str(f.message_id),
            "conversation_id": str(f.message.conversation_id),
            "rating": f.rating,
            "reasons": f.reasons,
            "comment": f.comment,
            "question": f.question,
            "answer": f.answer,
            "tools": f.tools,
            "model_id": f.model_id,
            "prompt_version": f.prompt_version,
            "rated_at": f.updated_at.isoformat(),
        }
        for f in rows
    ]


class Command(BaseCommand):
    help = "Export rated answers (JSON lines or CSV) to build an evaluation set."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
        parser.add_argument("--since", help="first day to export, YYYY-MM-DD (default: all)")
        parser.add_argument("--rating", choices=list(Feedback.Rating.values))

    def handle(self, *args: Any, **options: Any) -> None:
        since = options["since"]
        try:
            start = date.fromisoformat(since) if since else None
        except ValueError:
            raise CommandError(f"--since must be a date as YYYY-MM-DD, not {since!r}") from None
        rows = feedback_rows(since=start, rating=options["rating"])
        if options["format"] == "jsonl":
            for row in rows:
                self.stdout.write(json.dumps(row, ensure_ascii=False))
            return
        writer = csv.DictWriter(self.stdout, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                row | {"reasons": "; ".join(row["reasons"]), "tools": "; ".join(row["tools"])}
            )
