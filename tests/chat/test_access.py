"""Who may open the chat socket, how many, and what closes it (docs/protocol.md)."""

import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from chat.consumers import CLOSE_NOT_FOUND, CLOSE_TOO_MANY_SOCKETS, CLOSE_UNAUTHENTICATED
from tests.chat.conftest import ORIGIN, Visitor, open_socket, receive_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


async def refused(socket: WebsocketCommunicator) -> int:
    """The close code of a refused handshake; fails if the socket was accepted."""
    ok, code = await socket.connect()
    assert not ok, "handshake accepted"
    return code


async def works(socket: WebsocketCommunicator) -> bool:
    await socket.send_json_to({"type": "ping"})
    return await socket.receive_json_from() == {"type": "pong"}


def raw_socket(conversation_id, *, cookie: str | None, origin: bytes | None = ORIGIN):
    from config.asgi import application

    headers = [(b"host", b"localhost")]
    if cookie is not None:
        headers.append((b"cookie", cookie.encode()))
    if origin is not None:
        headers.append((b"origin", origin))
    return WebsocketCommunicator(application, f"/ws/chat/{conversation_id}/", headers=headers)


def session_cookie(session_key: str) -> str:
    return f"{django_settings.SESSION_COOKIE_NAME}={session_key}"


# --- origin -------------------------------------------------------------------------------------


async def test_handshake_without_origin_header_is_refused(make_visitor):
    # AllowedHostsOriginValidator treats a missing Origin as not allowed (ALLOWED_HOSTS has no
    # "*"), so non-browser clients must send one too.
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    await refused(visitor.socket(conversation.id, origin=None))


@pytest.mark.parametrize(
    "origin",
    [b"http://evil.example", b"http://localhost.evil.example", b"null", b"not a url"],
)
async def test_handshake_from_a_foreign_origin_is_refused(make_visitor, origin):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    await refused(visitor.socket(conversation.id, origin=origin))


async def test_handshake_from_the_sites_own_origin_is_accepted(make_visitor, connected):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation.id, connected)
    assert await works(socket)


# --- identity -----------------------------------------------------------------------------------


async def test_handshake_without_a_session_cookie_is_refused_as_unauthenticated(make_visitor):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = raw_socket(conversation.id, cookie=None)
    assert await refused(socket) == CLOSE_UNAUTHENTICATED
    assert await socket.receive_nothing()


async def test_session_that_never_opened_the_chat_page_is_refused_as_unauthenticated(
    make_visitor,
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()

    def session_without_chat() -> str:
        session = SessionStore()
        session["cart"] = ["trail-runner-2"]
        session.create()
        return session.session_key

    key = await sync_to_async(session_without_chat)()
    assert await refused(raw_socket(conversation.id, cookie=session_cookie(key))) == (
        CLOSE_UNAUTHENTICATED
    )


async def test_session_cookie_that_names_no_session_is_refused_as_unauthenticated(make_visitor):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    cookie = session_cookie("x" * 32)
    assert await refused(raw_socket(conversation.id, cookie=cookie)) == CLOSE_UNAUTHENTICATED


async def test_another_visitors_conversation_is_refused_and_hears_nothing(make_visitor, connected):
    owner = await make_visitor()
    intruder = await make_visitor()
    conversation = await owner.conversation()
    spy = intruder.socket(conversation.id)
    assert await refused(spy) == CLOSE_NOT_FOUND

    socket = await open_socket(owner, conversation.id, connected)
    await socket.send_json_to({"type": "user_message", "content": "hello"})
    await receive_until(socket, "turn_ended")
    assert await spy.receive_nothing(timeout=0.3)  # it never joined the conversation's group
    await spy.disconnect()


async def test_refusal_does_not_tell_someone_elses_conversation_from_a_missing_one(make_visitor):
    owner = await make_visitor()
    intruder = await make_visitor()
    conversation = await owner.conversation()
    theirs = await refused(intruder.socket(conversation.id))
    missing = await refused(intruder.socket(uuid.uuid4()))
    assert theirs == missing == CLOSE_NOT_FOUND


async def test_users_conversation_is_refused_to_anonymous_visitor_and_to_another_user(
    make_visitor,
):
    alice = await make_visitor("alice")
    bob = await make_visitor("bob")
    anonymous = await make_visitor()
    conversation = await alice.conversation()
    assert await refused(anonymous.socket(conversation.id)) == CLOSE_NOT_FOUND
    assert await refused(bob.socket(conversation.id)) == CLOSE_NOT_FOUND


async def test_logged_in_users_socket_works(make_visitor, connected):
    alice = await make_visitor("alice")
    conversation = await alice.conversation("Alice's chat")
    socket = alice.socket(conversation.id)
    ok, _ = await socket.connect()
    assert ok
    connected.append(socket)
    history = await socket.receive_json_from()
    assert history["conversation"] == {"id": str(conversation.id), "title": "Alice's chat"}
    await socket.send_json_to({"type": "user_message", "content": "hello"})
    frames = await receive_until(socket, "turn_ended")
    assert frames[-1] == {"type": "turn_ended", "status": "complete"}


# --- logout -------------------------------------------------------------------------------------


def log_out(visitor: Visitor) -> int:
    """Log out through Django's LogoutView with the visitor's own session cookie."""
    client = Client()
    name, value = visitor.cookie.split("=", 1)
    client.cookies[name] = value
    return client.post("/accounts/logout/").status_code


async def test_logout_closes_the_users_open_sockets(channel_layer_kind, make_visitor, connected):
    alice = await make_visitor("alice")
    bystander = await make_visitor()
    first = await open_socket(alice, (await alice.conversation()).id, connected)
    second = await open_socket(alice, (await alice.conversation()).id, connected)
    other = await open_socket(bystander, (await bystander.conversation()).id, connected)

    assert await sync_to_async(log_out)(alice) == 302

    for socket in (first, second):
        closed = await socket.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    assert await works(other)


async def test_after_logout_the_old_session_cookie_opens_no_socket(make_visitor):
    alice = await make_visitor("alice")
    conversation = await alice.conversation()
    assert await sync_to_async(log_out)(alice) == 302
    assert await refused(alice.socket(conversation.id)) == CLOSE_UNAUTHENTICATED


# --- sockets per session ------------------------------------------------------------------------


async def test_socket_over_the_per_session_limit_is_refused_until_one_closes(
    make_visitor, connected, settings
):
    settings.CHAT_MAX_SOCKETS_PER_SESSION = 2
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    elsewhere = await visitor.conversation()
    first = await open_socket(visitor, conversation.id, connected)
    await open_socket(visitor, elsewhere.id, connected)

    assert await refused(visitor.socket(conversation.id)) == CLOSE_TOO_MANY_SOCKETS

    await first.disconnect()
    connected.remove(first)
    again = await open_socket(visitor, conversation.id, connected)
    assert await works(again)
    assert await refused(visitor.socket(elsewhere.id)) == CLOSE_TOO_MANY_SOCKETS


async def test_socket_limit_of_one_visitor_does_not_refuse_another(
    make_visitor, connected, settings
):
    settings.CHAT_MAX_SOCKETS_PER_SESSION = 1
    visitor = await make_visitor()
    other = await make_visitor()
    await open_socket(visitor, (await visitor.conversation()).id, connected)
    assert await refused(visitor.socket((await visitor.conversation()).id)) == (
        CLOSE_TOO_MANY_SOCKETS
    )
    socket = await open_socket(other, (await other.conversation()).id, connected)
    assert await works(socket)


async def test_refused_sockets_do_not_use_up_the_limit(make_visitor, connected, settings):
    settings.CHAT_MAX_SOCKETS_PER_SESSION = 1
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    for _ in range(3):
        await refused(visitor.socket(uuid.uuid4()))
    socket = await open_socket(visitor, conversation.id, connected)
    for _ in range(3):
        await refused(visitor.socket(conversation.id))
    await socket.disconnect()
    connected.remove(socket)
    assert await works(await open_socket(visitor, conversation.id, connected))
