"""Accepting a question (chat.question_services): its checks ride in the claim, on real rows."""

import pytest

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
