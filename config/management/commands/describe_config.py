"""Print where the shop will listen and which real or embedded parts it uses."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand


def _database() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"SQLite ({db['NAME']})"
    return f"PostgreSQL ({db.get('HOST') or 'socket'}:{db.get('PORT') or 5432}/{db['NAME']})"


def _channel_layer() -> str:
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    if "InMemory" in backend:
        return "in-memory (one process only; set REDIS_URL for several workers)"
    return f"Redis pub/sub ({backend})"


class Command(BaseCommand):
    help = "Describe the running configuration (database, channel layer, LLM provider)."

    def handle(self, *args: object, **options: object) -> None:
        from llm.providers import provider_label

        port = os.environ.get("PORT", "8000")
        host = os.environ.get("HOST", "127.0.0.1")
        self.stdout.write(
            f"Shop:          http://{host}:{port}/   (chat: http://{host}:{port}/chat/)"
        )
        self.stdout.write(f"Database:      {_database()}")
        self.stdout.write(f"Channel layer: {_channel_layer()}")
        self.stdout.write(f"LLM provider:  {provider_label()}")
        self.stdout.write(f"DEBUG:         {settings.DEBUG}")
