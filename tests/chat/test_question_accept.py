"""Accepting a question (chat.question_services): its checks ride in the claim, on real rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat import question_services, services
from chat.models import Conversation, Message
from shop.owners import Owner

pytestmark = pytest.mark.django_db

OWNER = Owner(user_id=None, anonymous_key="visitor-key")


def accept(conversation: Conversation, content: str, client_message_id: str | None, token: str):
    return question_services.question_accept(
        owner=OWNER,
        conversation_id=conversation.pk,
        content=content,
        client_message_id=client_message_id,
        token=token,
        answer_model_id="model-x",
    )


def test_an_accepted_question_comes_with_its_history_and_a_streaming_answer():
    conversation = services.conversation_create(owner=OWNER)
    first = accept(conversation, "Do you have tents?", "c1", "t1")
    services.turn_finish(
        conversation_id=conversation.pk,
        token="t1",
        message=first.answer,
        content="Yes.",
        status="complete",
    )
    second = accept(conversation, "Which is lightest?", "c2", "t2")

    assert [(p.role, p.content) for p in second.past] == [
        ("user", "Do you have tents?"),
        ("assistant", "Yes."),
    ]
    assert second.answer.status == "streaming" and second.answer.model_id == "model-x"
    conversation.refresh_from_db()
    assert conversation.turn_owner == "t2"
    assert conversation.title == "Do you have tents?"  # named by the first question only


def test_a_resent_question_is_a_duplicate_even_while_its_answer_runs():
    conversation = services.conversation_create(owner=OWNER)
    first = accept(conversation, "Hello", "c1", "t1")
    again = accept(conversation, "Hello", "c1", "t2")

    assert again.duplicate and again.question.pk == first.question.pk
    assert again.answer is None
    conversation.refresh_from_db()
    assert conversation.turn_owner == "t1"


def test_a_new_question_while_an_answer_runs_is_busy_and_not_stored():
    conversation = services.conversation_create(owner=OWNER)
    accept(conversation, "Hello", "c1", "t1")
    with pytest.raises(question_services.Busy):
        accept(conversation, "Another", "c2", "t2")
    with pytest.raises(question_services.Busy):
        accept(conversation, "Without an id", None, "t3")
    assert Message.objects.filter(conversation=conversation, role="user").count() == 1


def test_the_rate_limit_counts_every_conversation_of_the_owner(settings):
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 2
    one, two = services.conversation_create(owner=OWNER), services.conversation_create(owner=OWNER)
    accept(one, "First", "c1", "t1")
    accept(two, "Second", "c2", "t2")
    third = services.conversation_create(owner=OWNER)
    with pytest.raises(question_services.RateLimited):
        accept(third, "Third", "c3", "t3")
    third.refresh_from_db()
    assert third.turn_owner == "" and not Message.objects.filter(conversation=third).exists()
    # Someone else's questions do not count against this visitor.
    other = Owner(user_id=None, anonymous_key="someone-else")
    theirs = services.conversation_create(owner=other)
    assert (
        question_services.question_accept(
            owner=other, conversation_id=theirs.pk, content="Hi", client_message_id="x", token="t4"
        ).question.content
        == "Hi"
    )


def test_a_resent_question_is_a_duplicate_when_over_the_rate_limit(settings):
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 1
    conversation = services.conversation_create(owner=OWNER)
    first = accept(conversation, "Hello", "c1", "t1")
    assert accept(conversation, "Hello", "c1", "t2").question.pk == first.question.pk


@pytest.fixture
def signed_in(django_user_model) -> Owner:
    user = django_user_model.objects.create_user(username="rate-user", password="x")
    return Owner(user_id=user.pk, anonymous_key="", user=user)


def _ask(owner: Owner, conversation: Conversation, n: int):
    return question_services.question_accept(
        owner=owner,
        conversation_id=conversation.pk,
        content=f"Question {n}",
        client_message_id=f"c{n}",
        token=f"t{n}",
        answer_model_id="model-x",
    )


@pytest.mark.parametrize("who", ["anonymous", "signed_in"])
def test_the_rate_limit_is_the_same_for_a_free_claim_and_one_left_by_a_dead_worker(
    settings, who, signed_in
):
    """The free claim's statement (chat.turn_statements) and the ORM's for a dead worker's
    claim count the same questions: the owner's, across conversations."""
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 2
    owner = OWNER if who == "anonymous" else signed_in
    convs = [services.conversation_create(owner=owner) for _ in range(4)]
    _ask(owner, convs[0], 1)
    # A claim a dead worker left on the second conversation: taken over, and counted.
    Conversation.objects.filter(pk=convs[1].pk).update(
        turn_owner="dead", turn_claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert not _ask(owner, convs[1], 2).duplicate
    with pytest.raises(question_services.RateLimited):
        _ask(owner, convs[2], 3)  # free claim
    Conversation.objects.filter(pk=convs[3].pk).update(
        turn_owner="dead", turn_claimed_until=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(question_services.RateLimited):
        _ask(owner, convs[3], 4)  # a dead worker's claim
    assert Message.objects.filter(role="user").count() == 2
    # Answers older than a minute no longer count.
    Message.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    assert not _ask(owner, convs[2], 5).duplicate


def test_a_rate_limit_of_zero_refuses_every_question(settings):
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 0
    conversation = services.conversation_create(owner=OWNER)
    with pytest.raises(question_services.RateLimited):
        accept(conversation, "Hello", "c1", "t1")
    assert not Message.objects.exists()


def test_a_question_and_its_finished_answer_take_six_statements_in_two_transactions():
    """The promise of docs/benchmarks.md (figure 9): claim, pending actions, history, the
    question and the answer in one INSERT; then the answer's final state and the release."""
    conversation = services.conversation_create(owner=OWNER)
    with CaptureQueriesContext(connection) as queries:
        accepted = accept(conversation, "Hello", "c1", "t1")
        services.turn_finish(
            conversation_id=conversation.pk,
            token="t1",
            message=accepted.answer,
            content="Hi!",
            status="complete",
            input_tokens=3,
        )
    statements = [
        q["sql"].split()[0]
        for q in queries.captured_queries
        if q["sql"].split()[0] not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")
    ]
    assert statements == ["UPDATE", "SELECT", "WITH", "INSERT", "UPDATE", "UPDATE"]
    answer = Message.objects.get(pk=accepted.answer.pk)
    assert (answer.content, answer.status, answer.input_tokens) == ("Hi!", "complete", 3)
    assert answer.parent_id == accepted.question.pk
    conversation.refresh_from_db()
    assert conversation.turn_owner == "" and conversation.turn_claimed_until is None
    assert conversation.active_leaf_id == answer.pk
