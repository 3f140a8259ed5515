"""Where the chat's database calls run: several at once on PostgreSQL, one at a time on SQLite.

Channels' database_sync_to_async runs every call on the one thread Django's sync code shares,
so a burst of questions is accepted strictly one after another, each waiting out its round
trips to PostgreSQL before the next may start. The calls that go through `db_call` (the
sockets' and the turns') each hold their own transaction and share nothing between
threads: each thread has its own connection from the pool, and every rule that two calls
could race on (one turn per conversation, a resent question, a decided action) is already
settled by PostgreSQL's row locks and constraints, as it is between workers. So up to
CHAT_DB_THREADS of them run at once and their waits overlap. SQLite takes one writer at a
time, so there (and with CHAT_DB_THREADS=1) they stay on Channels' thread.
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.db import DatabaseSyncToAsync, database_sync_to_async
from django.conf import settings
from django.db import connections

_executor: ThreadPoolExecutor | None = None


def _threads() -> ThreadPoolExecutor | None:
    global _executor
    if settings.CHAT_DB_THREADS <= 1:
        return None
    if _executor is None:
        _executor = ThreadPoolExecutor(
            max_workers=settings.CHAT_DB_THREADS, thread_name_prefix="chat-db"
        )
    return _executor


def db_call(func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` as a coroutine function, run on the chat's database threads (closing stale
    connections around it, like database_sync_to_async)."""
    executor = _threads()
    if executor is None:
        return database_sync_to_async(func)
    return DatabaseSyncToAsync(func, thread_sensitive=False, executor=executor)


def close_connections() -> None:
    """Close the connections each database thread holds (before a test database is dropped)."""
    if _executor is None:
        return
    count = settings.CHAT_DB_THREADS
    # Each task waits for all the others, so every thread of the executor runs exactly one.
    barrier = threading.Barrier(count)

    def close() -> None:
        barrier.wait(timeout=10)
        connections.close_all()

    for future in [_executor.submit(close) for _ in range(count)]:
        future.result(timeout=15)
