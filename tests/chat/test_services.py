"""The turn rules' storage functions, on real rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat import services
from chat.models import Conversation, Message
from chat.services import message_append
from tests.services import need

pytestmark = pytest.mark.django_db


def claimed(token: str) -> Conversation:
    return Conversation.objects.create(
        anonymous_key="k",
        turn_owner=token,
        turn_claimed_until=timezone.now() + timedelta(seconds=5),
    )


def test_heartbeat_extends_held_claims_and_checkpoints_only_streaming_messages():
    mine, other = claimed("me"), claimed("someone-else")
    streaming = message_append(conversation=mine, role="assistant", status="streaming")
    finished = message_append(
        conversation=mine, role="assistant", status="complete", content="final text"
    )
    alive = services.turns_heartbeat(
        claims=[(str(mine.pk), "me"), (str(other.pk), "not-the-owner")],
        checkpoints=[(streaming.pk, "so far"), (finished.pk, "stale text")],
    )
    assert alive == 1
    streaming.refresh_from_db()
    finished.refresh_from_db()
    assert streaming.content == "so far"
    assert finished.content == "final text"
    mine.refresh_from_db()
    assert mine.turn_claimed_until > timezone.now() + timedelta(seconds=10)


def test_heartbeat_checkpoints_each_streaming_text_in_its_own_row():
    conversations = [claimed(f"t{n}") for n in range(30)]
    messages = [
        message_append(conversation=c, role="assistant", status="streaming") for c in conversations
    ]
    texts = [f"text {n} 🙂 " * n for n in range(30)]
    alive = services.turns_heartbeat(
        claims=[(str(c.pk), f"t{n}") for n, c in enumerate(conversations)],
        checkpoints=[(m.pk, t) for m, t in zip(messages, texts, strict=True)],
    )
    assert alive == 30
    stored = dict(
        Message.objects.filter(pk__in=[m.pk for m in messages]).values_list("pk", "content")
    )
    assert [stored[m.pk] for m in messages] == texts


def test_claim_is_exclusive_until_released_or_expired():
    conversation = Conversation.objects.create(anonymous_key="k")
    assert services.turn_claim(conversation_id=conversation.pk, token="a")
    assert not services.turn_claim(conversation_id=conversation.pk, token="b")
    services.turn_release(conversation_id=conversation.pk, token="a")
    assert services.turn_claim(conversation_id=conversation.pk, token="b")
    Conversation.objects.filter(pk=conversation.pk).update(
        turn_claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert services.turn_claim(conversation_id=conversation.pk, token="c")


def test_claim_taken_from_a_dead_worker_settles_what_it_left_streaming():
    conversation = claimed("dead")
    left = message_append(
        conversation=conversation, role="assistant", status="streaming", content="checkpoint"
    )
    assert not services.turn_claim(conversation_id=conversation.pk, token="new")
    Conversation.objects.filter(pk=conversation.pk).update(
        turn_claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert services.turn_claim(conversation_id=conversation.pk, token="new")
    left.refresh_from_db()
    assert (left.status, left.error_code, left.content) == (
        "interrupted",
        "interrupted",
        "checkpoint",
    )


def test_release_after_a_failed_write_stores_the_streaming_message_as_interrupted():
    conversation = claimed("me")
    left = message_append(conversation=conversation, role="assistant", status="streaming")
    services.turn_release(conversation_id=conversation.pk, token="me", settle_streaming=True)
    left.refresh_from_db()
    conversation.refresh_from_db()
    assert left.status == "interrupted"
    assert conversation.turn_owner == ""


def test_finishing_a_turn_stores_its_last_message_and_frees_the_conversation():
    conversation = claimed("me")
    answer = services.assistant_message_start(
        conversation_id=conversation.pk, model_id="m", parent_id=None
    )
    stored = services.turn_finish(
        conversation_id=conversation.pk,
        token="me",
        message=answer,
        content="All done.",
        status="complete",
        output_tokens=3,
    )
    assert stored.status == "complete"
    answer = Message.objects.get(pk=answer.pk)
    assert (answer.content, answer.status, answer.output_tokens) == ("All done.", "complete", 3)
    assert services.turn_claim(conversation_id=conversation.pk, token="next")


def test_finishing_with_someone_elses_token_leaves_their_claim():
    conversation = claimed("other")
    answer = services.assistant_message_start(
        conversation_id=conversation.pk, model_id="m", parent_id=None
    )
    services.turn_finish(
        conversation_id=conversation.pk, token="me", message=answer, content="x", status="complete"
    )
    conversation.refresh_from_db()
    assert conversation.turn_owner == "other"


@pytest.mark.django_db(transaction=True)
def test_a_turn_finishing_while_the_heartbeat_checkpoints_it_waits_instead_of_deadlocking():
    """The heartbeat (Channels' thread) and a turn's last write (a chat database thread) run
    at once: both take the conversation's row before its messages' (services.LOCK_ORDER).
    PostgreSQL only: on SQLite every database call runs on one thread (chat.db_calls)."""
    need("postgres")
    import threading
    import time

    from django.db import connection, transaction

    conversation = claimed("me")
    answer = message_append(conversation=conversation, role="assistant", status="streaming")
    locked, failures = threading.Event(), []

    def heartbeat() -> None:
        try:
            with transaction.atomic():
                # The heartbeat's two statements, with the turn's write arriving between them.
                Conversation.objects.filter(pk=conversation.pk).update(
                    turn_claimed_until=timezone.now() + timedelta(seconds=5)
                )
                locked.set()
                time.sleep(0.5)  # time for the turn to take whatever it takes first
                services._checkpoint_streaming_texts([(answer.pk, "checkpointed")])
        except Exception as exc:  # a deadlock is raised in one of the two threads
            failures.append(exc)
        finally:
            connection.close()

    def finish() -> None:
        locked.wait(timeout=10)
        try:
            services.turn_finish(
                conversation_id=conversation.pk,
                token="me",
                message=answer,
                content="the final text",
                status="complete",
            )
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=heartbeat), threading.Thread(target=finish)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    answer.refresh_from_db()
    assert (answer.content, answer.status) == ("the final text", "complete")
    conversation.refresh_from_db()
    assert conversation.turn_owner == "" and conversation.active_leaf_id == answer.pk
