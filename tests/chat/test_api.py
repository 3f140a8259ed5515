"""The chat's HTTP contract: the page, the conversations API, CSRF, ownership, login adoption."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.utils import timezone

from chat.models import Conversation, Message
from chat.services import message_append
from shop.owners import SESSION_KEY
from tests.browser import PASSWORD, assert_error
from tests.browser import Browser as BaseBrowser
from tests.chat.conftest import MESSAGE_KEYS

pytestmark = pytest.mark.django_db

CONVERSATION_KEYS = {"id", "title", "created_at", "updated_at"}


class Browser(BaseBrowser):
    """A tab of the chat page: its visit made the session and the anonymous key."""

    def __init__(self) -> None:
        super().__init__(start="/chat/")

    def create(self, title: str = "") -> str:
        response = self.send("POST", "/api/conversations/", {"title": title} if title else None)
        assert response.status_code == 201
        return response.json()["id"]

    def listed(self) -> list[dict]:
        response = self.client.get("/api/conversations/")
        assert response.status_code == 200
        return response.json()["conversations"]


def detail(conversation_id) -> str:
    return f"/api/conversations/{conversation_id}/"


@pytest.fixture
def browser() -> Browser:
    return Browser()


@pytest.fixture
def stranger() -> Browser:
    return Browser()


# --- the page -----------------------------------------------------------------------------------


def test_chat_page_sets_a_session_cookie_whose_session_holds_the_anonymous_key():
    client = Client()
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    response = client.get("/chat/")
    assert response.status_code == 200
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value and cookie["httponly"]
    key = SessionStore(session_key=cookie.value).get(SESSION_KEY)
    assert key and len(key) >= 24


def test_chat_page_keeps_the_same_anonymous_key_on_later_visits(browser):
    key = browser.anonymous_key
    assert browser.client.get("/chat/").status_code == 200
    assert browser.anonymous_key == key


def test_conversation_page_opens_for_its_owner_only(browser, stranger):
    mine = browser.create("Mine")
    assert browser.client.get(f"/chat/{mine}/").status_code == 200
    assert stranger.client.get(f"/chat/{mine}/").status_code == 404
    assert browser.client.get(f"/chat/{uuid.uuid4()}/").status_code == 404


# --- listing and creating -----------------------------------------------------------------------


def test_list_shows_only_the_requesters_conversations_newest_first(browser, stranger):
    first = browser.create("First")
    second = browser.create("Second")
    stranger.create("Not yours")
    Conversation.objects.filter(pk=first).update(updated_at=timezone.now() - timedelta(hours=1))

    listed = browser.listed()
    assert [c["id"] for c in listed] == [second, first]
    assert [c["title"] for c in listed] == ["Second", "First"]
    assert all(set(c) == CONVERSATION_KEYS for c in listed)
    assert [c["title"] for c in stranger.listed()] == ["Not yours"]


def test_list_is_empty_for_a_client_without_a_session():
    response = Client().get("/api/conversations/")
    assert response.status_code == 200
    assert response.json() == {"conversations": []}


def test_create_returns_201_with_id_and_title_and_stores_it_for_the_visitor(browser):
    response = browser.send("POST", "/api/conversations/", {"title": "Running shoes"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "title"} and body["title"] == "Running shoes"
    stored = Conversation.objects.get(pk=body["id"])
    assert stored.anonymous_key == browser.anonymous_key and stored.user is None


def test_create_without_a_title_is_called_new_chat(browser):
    response = browser.send("POST", "/api/conversations/")
    assert response.status_code == 201
    assert response.json()["title"] == "New chat"


def test_create_without_csrf_token_is_forbidden_and_creates_nothing(browser):
    response = browser.send("POST", "/api/conversations/", {"title": "x"}, token=False)
    assert response.status_code == 403
    assert not Conversation.objects.exists()


def test_create_with_a_body_that_is_not_json_is_invalid_json(browser):
    assert_error(browser.send("POST", "/api/conversations/", raw=b"{nope"), 400, "invalid_json")
    assert not Conversation.objects.exists()


def test_create_with_json_that_is_not_an_object_is_invalid_message(browser):
    response = browser.send("POST", "/api/conversations/", ["title"])
    assert_error(response, 400, "invalid_message")
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"title": 7}', "invalid_message"),
        (b'{"title": "' + b"t" * 201 + b'"}', "too_long"),
        (b'{"title": "a\\u0000b"}', "invalid_message"),
        (b'{"title": "bad \\ud800"}', "invalid_message"),
    ],
    ids=["number", "oversize", "nul", "lone-surrogate"],
)
def test_create_rejects_a_title_that_is_not_usable_text(browser, raw, code):
    assert_error(browser.send("POST", "/api/conversations/", raw=raw), 400, code)
    assert not Conversation.objects.exists()


# --- one conversation ---------------------------------------------------------------------------


def test_detail_returns_the_conversation_and_its_messages_in_order(browser):
    conversation_id = browser.create("Shoes")
    conversation = Conversation.objects.get(pk=conversation_id)
    now = timezone.now()
    question = message_append(
        conversation=conversation,
        role="user",
        content="trail shoes?",
        client_message_id="c1",
        created_at=now,
    )
    message_append(
        conversation=conversation,
        role="tool",
        content="[]",
        tool_name="search_products",
        tool_call_id="call-1",
        created_at=now + timedelta(seconds=1),
    )
    message_append(
        conversation=conversation,
        role="assistant",
        content="Try the Trail Runner 2.",
        status="stopped",
        created_at=now + timedelta(seconds=2),
    )

    response = browser.client.get(detail(conversation_id))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "title", "messages", "actions"}
    assert body["actions"] == []
    assert body["id"] == conversation_id and body["title"] == "Shoes"
    messages = body["messages"]
    assert all(set(m) == MESSAGE_KEYS for m in messages)
    assert [m["role"] for m in messages] == ["user", "tool", "assistant"]
    assert messages[0]["id"] == str(question.id)
    assert messages[0]["client_message_id"] == "c1"
    assert messages[1]["tool_name"] == "search_products"
    assert messages[2]["status"] == "stopped"
    assert messages[2]["client_message_id"] is None and messages[2]["tool_name"] is None


def test_rename_changes_the_title(browser):
    conversation_id = browser.create("Old")
    response = browser.send("PATCH", detail(conversation_id), {"title": "New name"})
    assert response.status_code == 200
    assert response.json() == {"id": conversation_id, "title": "New name"}
    assert Conversation.objects.get(pk=conversation_id).title == "New name"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "invalid_message"),
        ({"title": ""}, "invalid_message"),
        ({"title": "   "}, "invalid_message"),
        ({"title": None}, "invalid_message"),
        ({"title": 42}, "invalid_message"),
        ({"title": ["a"]}, "invalid_message"),
        ({"title": "t" * 201}, "too_long"),
        ({"title": "a\x00b"}, "invalid_message"),
        ("a title", "invalid_message"),
    ],
    ids=["no-title", "empty", "blank", "null", "number", "list", "oversize", "nul", "string"],
)
def test_rename_rejects_a_title_that_is_not_usable_text(browser, body, code):
    conversation_id = browser.create("Kept")
    assert_error(browser.send("PATCH", detail(conversation_id), body), 400, code)
    assert Conversation.objects.get(pk=conversation_id).title == "Kept"


def test_rename_rejects_a_title_with_a_lone_surrogate(browser):
    conversation_id = browser.create("Kept")
    raw = b'{"title": "bad \\udfff"}'  # valid JSON, but no text UTF-8 can carry
    assert_error(browser.send("PATCH", detail(conversation_id), raw=raw), 400, "invalid_message")
    assert Conversation.objects.get(pk=conversation_id).title == "Kept"


def test_rename_with_a_body_that_is_not_json_is_invalid_json(browser):
    conversation_id = browser.create("Kept")
    response = browser.send("PATCH", detail(conversation_id), raw=b'{"title": ')
    assert_error(response, 400, "invalid_json")
    assert Conversation.objects.get(pk=conversation_id).title == "Kept"


def test_delete_removes_the_conversation_and_its_messages(browser):
    conversation_id = browser.create("Doomed")
    message_append(conversation_id=conversation_id, role="user", content="hi")
    message_append(conversation_id=conversation_id, role="assistant", content="hello")
    response = browser.send("DELETE", detail(conversation_id))
    assert response.status_code == 204
    assert not Conversation.objects.filter(pk=conversation_id).exists()
    assert not Message.objects.filter(conversation_id=conversation_id).exists()
    assert browser.client.get(detail(conversation_id)).status_code == 404


def test_unknown_conversation_id_is_not_found(browser):
    assert_error(browser.client.get(detail(uuid.uuid4())), 404, "not_found")


def test_another_visitors_conversation_is_not_found_and_unchanged(browser, stranger):
    conversation_id = browser.create("Private")
    message_append(conversation_id=conversation_id, role="user", content="secret")

    assert_error(stranger.client.get(detail(conversation_id)), 404, "not_found")
    assert_error(
        stranger.send("PATCH", detail(conversation_id), {"title": "Mine now"}), 404, "not_found"
    )
    assert_error(stranger.send("DELETE", detail(conversation_id)), 404, "not_found")

    stored = Conversation.objects.get(pk=conversation_id)
    assert stored.title == "Private"
    assert stored.anonymous_key == browser.anonymous_key
    assert stored.messages.count() == 1


def test_a_users_conversation_is_not_found_for_an_anonymous_visitor(browser):
    user = get_user_model().objects.create_user(username="alice", password=PASSWORD)
    conversation = Conversation.objects.create(user=user, title="Alice's")
    assert_error(browser.client.get(detail(conversation.id)), 404, "not_found")
    assert browser.client.get(f"/chat/{conversation.id}/").status_code == 404


def test_patch_and_delete_without_csrf_token_are_forbidden(browser):
    conversation_id = browser.create("Kept")
    assert (
        browser.send("PATCH", detail(conversation_id), {"title": "x"}, token=False).status_code
        == 403
    )
    assert browser.send("DELETE", detail(conversation_id), token=False).status_code == 403
    assert Conversation.objects.get(pk=conversation_id).title == "Kept"


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("PUT", "list"),
        ("PATCH", "list"),
        ("DELETE", "list"),
        ("POST", "detail"),
        ("PUT", "detail"),
    ],
)
def test_unsupported_methods_are_405(browser, method, target):
    conversation_id = browser.create("Kept")
    path = "/api/conversations/" if target == "list" else detail(conversation_id)
    response = browser.send(method, path, {"title": "x"})
    assert response.status_code == 405
    assert Conversation.objects.get().title == "Kept"


# --- login adoption -----------------------------------------------------------------------------


def log_in(browser: Browser, username: str) -> None:
    browser.log_in(username, create=False)


def test_login_moves_the_visitors_conversations_to_the_account(browser, stranger):
    user = get_user_model().objects.create_user(username="alice", password=PASSWORD)
    earlier = Conversation.objects.create(user=user, title="From another day")
    mine = [browser.create("Anonymous one"), browser.create("Anonymous two")]
    theirs = stranger.create("Someone else's")
    session_before = browser.client.cookies[settings.SESSION_COOKIE_NAME].value

    log_in(browser, "alice")

    assert browser.client.cookies[settings.SESSION_COOKIE_NAME].value != session_before
    for conversation_id in mine:
        moved = Conversation.objects.get(pk=conversation_id)
        assert moved.user_id == user.pk and moved.anonymous_key == ""
    listed = {c["id"] for c in browser.listed()}
    assert listed == {*mine, str(earlier.id)}
    assert browser.client.get(detail(mine[0])).status_code == 200

    not_adopted = Conversation.objects.get(pk=theirs)
    assert not_adopted.user is None and not_adopted.anonymous_key == stranger.anonymous_key
    assert [c["id"] for c in stranger.listed()] == [theirs]
    assert browser.client.get(detail(theirs)).status_code == 404


def test_failed_login_moves_nothing(browser):
    get_user_model().objects.create_user(username="alice", password=PASSWORD)
    mine = browser.create("Still anonymous")
    browser.client.get("/accounts/login/")
    response = browser.client.post(
        "/accounts/login/",
        {"username": "alice", "password": "wrong", "csrfmiddlewaretoken": browser.csrf},
    )
    assert response.status_code == 200
    assert Conversation.objects.get(pk=mine).user is None
    assert [c["id"] for c in browser.listed()] == [mine]


def _dead_turn(conversation_id: str, *, expired: bool) -> Message:
    """What a worker killed mid-answer leaves: a claim it no longer renews, a streaming answer."""
    message_append(conversation_id=conversation_id, role="user", content="hello?")
    until = timezone.now() + timedelta(seconds=-1 if expired else 30)
    Conversation.objects.filter(pk=conversation_id).update(
        turn_owner="a-worker-that-died", turn_claimed_until=until
    )
    return message_append(
        conversation_id=conversation_id, role="assistant", status="streaming", content="Half"
    )


def test_reading_a_conversation_settles_a_dead_workers_turn_first(browser):
    conversation_id = browser.create()
    orphan = _dead_turn(conversation_id, expired=True)

    response = browser.client.get(detail(conversation_id))

    assert response.status_code == 200
    last = response.json()["messages"][-1]
    assert (last["id"], last["status"], last["content"]) == (str(orphan.id), "interrupted", "Half")
    conversation = Conversation.objects.get(pk=conversation_id)
    assert conversation.turn_owner == "" and conversation.turn_claimed_until is None


def test_opening_the_chat_page_settles_a_dead_workers_turn(browser):
    conversation_id = browser.create()
    orphan = _dead_turn(conversation_id, expired=True)

    assert browser.client.get(f"/chat/{conversation_id}/").status_code == 200

    orphan.refresh_from_db()
    assert orphan.status == Message.Status.INTERRUPTED


def test_reading_a_conversation_leaves_a_live_turn_streaming(browser):
    conversation_id = browser.create()
    _dead_turn(conversation_id, expired=False)

    response = browser.client.get(detail(conversation_id))

    assert response.json()["messages"][-1]["status"] == "streaming"
    assert Conversation.objects.get(pk=conversation_id).turn_owner == "a-worker-that-died"


def test_the_starter_questions_come_from_settings_at_most_four(client, settings):
    settings.CHAT_STARTER_PROMPTS = ["Any <b>tents</b>?", "Cheapest mug"]
    page = client.get("/chat/").content.decode()
    assert (
        '<button type="button" class="suggestion-btn">Any &lt;b&gt;tents&lt;/b&gt;?</button>'
        in page
    )
    assert page.count('class="suggestion-btn"') == 2
    settings.CHAT_STARTER_PROMPTS = [f"q{i}" for i in range(6)]
    assert client.get("/chat/").content.decode().count('class="suggestion-btn"') == 4


def _conversation_with(owner_fields: dict, title: str, *texts: str) -> Conversation:
    conversation = Conversation.objects.create(title=title, **owner_fields)
    for i, text in enumerate(texts):
        message_append(
            conversation=conversation, role="user" if i % 2 == 0 else "assistant", content=text
        )
    return conversation


def test_search_finds_the_requesters_conversations_by_title_and_messages_best_first(browser):
    me = {"anonymous_key": browser.anonymous_key}
    titled = _conversation_with(me, "Tents for a family", "hello")
    talked = _conversation_with(me, "New chat", "any tent for four people?", "Yes, the Ridge tent.")
    _conversation_with(me, "Coffee", "a grinder please")
    _conversation_with({"anonymous_key": "someone-else"}, "Tents too", "tent")
    tool_only = _conversation_with(me, "Shoes", "shoes?")
    message_append(conversation=tool_only, role="tool", content='{"name": "tent"}')

    found = browser.client.get("/api/conversations/", {"q": "tents"}).json()["conversations"]

    assert [c["id"] for c in found] == [str(titled.id), str(talked.id)]
    empty = browser.client.get("/api/conversations/", {"q": "kayak"}).json()["conversations"]
    assert empty == []
    everything = browser.client.get("/api/conversations/", {"q": "  "}).json()["conversations"]
    assert len(everything) == 4
