"""Every conversation can be inspected in the admin."""

import pytest

from chat.models import Conversation
from chat.services import message_append

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(django_user_model):  # type: ignore[no-untyped-def]
    user = django_user_model.objects.create_user("frank", password="x-123456789")
    conversation = Conversation.objects.create(user=user, title="Trail shoes")
    message_append(conversation=conversation, role="user", content="any trail shoes?")
    message_append(
        conversation=conversation,
        role="assistant",
        content="Yes: Trail Runner 2.",
        status="complete",
        input_tokens=120,
        output_tokens=12,
        time_to_first_token_ms=340,
        duration_ms=900,
    )
    Conversation.objects.create(anonymous_key="anon-key-1", title="Someone else")
    return conversation


def test_conversation_list_shows_owner_count_and_filters(admin_client, conversation):
    response = admin_client.get("/admin/chat/conversation/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Trail shoes" in body and "frank" in body and "anonymous" in body
    found = admin_client.get("/admin/chat/conversation/", {"q": "Trail Runner"})
    assert "Trail shoes" in found.content.decode()
    assert "Someone else" not in found.content.decode()
    filtered = admin_client.get("/admin/chat/conversation/", {"message_status": "complete"})
    assert "Trail shoes" in filtered.content.decode()
    assert "Someone else" not in filtered.content.decode()


def test_conversation_page_shows_messages_read_only(admin_client, conversation):
    response = admin_client.get(f"/admin/chat/conversation/{conversation.pk}/change/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "any trail shoes?" in body and "Yes: Trail Runner 2." in body
    assert 'name="messages-0-content"' not in body  # inline is read-only


def test_message_list_shows_tokens_and_timings(admin_client, conversation):
    response = admin_client.get("/admin/chat/message/", {"role": "assistant"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "120" in body and "340" in body and "900" in body


def test_conversation_page_tells_the_shown_versions_from_the_earlier_ones(
    admin_client, conversation
):
    from chat.models import Message

    question = Message.objects.get(conversation=conversation, role="user")
    old = Message.objects.get(conversation=conversation, role="assistant")
    Message.objects.create(
        conversation=conversation, parent=question, role="assistant", content="Newer answer."
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        active_leaf=Message.objects.get(content="Newer answer.")
    )
    body = admin_client.get(f"/admin/chat/conversation/{conversation.pk}/change/").content.decode()
    assert "Newer answer." in body and old.content in body  # every version is listed
    # Django's boolean icons: the question and the newer answer are shown, the old one not.
    assert body.count('alt="True"') == 2 and body.count('alt="False"') == 1
