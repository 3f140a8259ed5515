"""Where the chat's database calls run (chat.db_calls)."""

import asyncio
import threading

import pytest
from django.conf import settings
from django.db import connection

from chat.db_calls import db_call
from chat.models import Conversation
from tests.services import need


@pytest.mark.django_db(transaction=True)
async def test_on_postgresql_calls_run_side_by_side_each_on_its_own_connection():
    """Two calls that each wait for the other finish only if they run at once (one thread
    would wait forever: the barrier's timeout fails the test instead)."""
    need("postgres")
    assert settings.CHAT_DB_THREADS > 1
    barrier = threading.Barrier(2, timeout=10)

    def meet() -> tuple[str, int]:
        barrier.wait()
        Conversation.objects.exists()  # a query on this thread's own connection
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        return threading.current_thread().name, pid

    (name_a, pid_a), (name_b, pid_b) = await asyncio.gather(db_call(meet)(), db_call(meet)())
    assert name_a.startswith("chat-db") and name_b.startswith("chat-db") and name_a != name_b
    assert pid_a != pid_b


@pytest.mark.django_db(transaction=True)
async def test_a_failing_call_raises_in_the_caller_and_leaves_the_thread_usable():
    def fail() -> None:
        raise ValueError("no")

    with pytest.raises(ValueError):
        await db_call(fail)()
    assert await db_call(Conversation.objects.count)() == 0
