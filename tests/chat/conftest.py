"""Fixtures for the chat: real sessions and users, the full ASGI stack, either channel layer."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.apps import apps
from django.conf import settings as django_settings
from django.test import Client

from chat import turns
from chat.models import Conversation, Message
from chat.worker import Worker
from config.channel_layers import in_memory_layer, redis_pubsub_layer
from shop.owners import SESSION_KEY
from tests import services

ORIGIN = b"http://localhost"


@pytest.fixture(params=["memory", "redis"])
def channel_layer_kind(request: pytest.FixtureRequest, settings: Any) -> str:
    """Run the test on the in-memory layer and on the Redis pub/sub layer."""
    if request.param == "redis":
        services.need("redis")
        prefix = f"test{uuid.uuid4().hex[:8]}"
        settings.CHANNEL_LAYERS = {"default": redis_pubsub_layer(services.REDIS_URL, prefix=prefix)}
    else:
        settings.CHANNEL_LAYERS = {"default": in_memory_layer()}
    channel_layers.backends.clear()
    yield request.param
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def worker() -> Any:
    """A fresh chat worker (running turns, sockets, loops) and channel layer for each test."""
    chat_app = apps.get_app_config("chat")
    previous, chat_app.worker = chat_app.worker, Worker()
    channel_layers.backends.clear()
    yield chat_app.worker
    chat_app.worker = previous
    channel_layers.backends.clear()


@pytest.fixture
async def turns_on_another_worker(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Worker]:
    """Turns run on a second worker of this process: what they send reaches the test's
    sockets through the channel layer only, as it reaches a socket on another worker (a
    socket on the turn's own worker gets it in the process, chat.hub)."""
    other = Worker()
    start = turns.start_turn
    monkeypatch.setattr(turns, "start_turn", lambda **kw: start(**{**kw, "worker": other}))
    yield other
    await other.stop_loops()


@dataclass
class Visitor:
    """A browser: its session cookie, and the conversations it owns."""

    cookie: str
    user: Any = None

    def socket(
        self, conversation_id: uuid.UUID | str, *, origin: bytes | None = ORIGIN
    ) -> WebsocketCommunicator:
        from config.asgi import application

        headers = [(b"cookie", self.cookie.encode()), (b"host", b"localhost")]
        if origin is not None:
            headers.append((b"origin", origin))
        return WebsocketCommunicator(application, f"/ws/chat/{conversation_id}/", headers=headers)

    async def conversation(self, title: str = "New chat") -> Conversation:
        return await sync_to_async(self._create)(title)

    def _create(self, title: str) -> Conversation:
        if self.user is not None:
            return Conversation.objects.create(user=self.user, title=title)
        from django.contrib.sessions.backends.db import SessionStore

        key = self.cookie.split("=", 1)[1]
        anonymous_key = SessionStore(session_key=key)[SESSION_KEY]
        return Conversation.objects.create(anonymous_key=anonymous_key, title=title)


def _anonymous_visitor() -> Visitor:
    client = Client()
    response = client.get("/chat/")
    assert response.status_code == 200
    return Visitor(
        cookie=f"{django_settings.SESSION_COOKIE_NAME}={client.cookies[django_settings.SESSION_COOKIE_NAME].value}"
    )


def _user_visitor(username: str) -> Visitor:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username=username, password="pw-123456789")
    client = Client()
    client.force_login(user)
    return Visitor(
        cookie=f"{django_settings.SESSION_COOKIE_NAME}={client.cookies[django_settings.SESSION_COOKIE_NAME].value}",
        user=user,
    )


@pytest.fixture
def make_visitor() -> Callable[..., Any]:
    async def make(username: str | None = None) -> Visitor:
        if username is None:
            return await sync_to_async(_anonymous_visitor)()
        return await sync_to_async(_user_visitor)(username)

    return make


async def receive_until(
    socket: WebsocketCommunicator, frame_type: str, *, within: float = 10.0
) -> list[dict[str, Any]]:
    """Every frame up to and including the first of `frame_type`."""
    frames: list[dict[str, Any]] = []
    async with asyncio.timeout(within):
        while True:
            frame = await socket.receive_json_from(timeout=within)
            frames.append(frame)
            if frame["type"] == frame_type:
                return frames


def of_type(frames: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The frames of one `type`, in order."""
    return [f for f in frames if f["type"] == kind]


async def ask(
    socket: WebsocketCommunicator, content: str, client_message_id: str | None = None
) -> list[dict[str, Any]]:
    """Send a question and read every frame up to its turn_ended."""
    frame: dict[str, Any] = {"type": "user_message", "content": content}
    if client_message_id is not None:
        frame["client_message_id"] = client_message_id
    await socket.send_json_to(frame)
    return await receive_until(socket, "turn_ended")


def rebuild(frames: list[dict[str, Any]]) -> dict[str, str]:
    """Apply chunk frames the way the protocol says a client must; message id -> text."""
    texts: dict[str, str] = {}
    for frame in frames:
        if frame["type"] == "chunk":
            current = texts.get(frame["message_id"], "")
            assert frame["offset"] <= len(current), "offset beyond what the client holds"
            texts[frame["message_id"]] = current[: frame["offset"]] + frame["delta"]
    return texts


@pytest.fixture
async def connected() -> AsyncIterator[list[WebsocketCommunicator]]:
    """Sockets opened by a test; all disconnected at the end."""
    sockets: list[WebsocketCommunicator] = []
    yield sockets
    for socket in sockets:
        await socket.disconnect()


MESSAGE_KEYS = {
    "id",
    "role",
    "content",
    "status",
    "created_at",
    "client_message_id",
    "tool_name",
    "tool_calls",
    "cards",
    "context",
    "feedback",
    "parent_id",
    "sibling_ids",
}


async def open_socket(
    visitor: Visitor,
    conversation: Conversation | uuid.UUID | str,
    connected: list[WebsocketCommunicator],
    *,
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> WebsocketCommunicator:
    """An accepted socket on the conversation, its `history` frame read (as `.history`)."""
    socket = visitor.socket(getattr(conversation, "id", conversation))
    socket.scope["headers"] = [*socket.scope["headers"], *headers]
    ok, _ = await socket.connect()
    assert ok, "handshake refused"
    connected.append(socket)
    socket.history = await socket.receive_json_from()
    assert socket.history["type"] == "history"
    return socket


async def stored_messages(
    conversation: Conversation | uuid.UUID | str | None = None,
) -> list[Message]:
    """Stored messages, oldest first (of one conversation, given or by id, or all)."""
    rows = (
        Message.objects.all()
        if conversation is None
        else Message.objects.filter(conversation_id=getattr(conversation, "id", conversation))
    )
    return await sync_to_async(lambda: list(rows.order_by("created_at")))()


# The Bedrock emulator fixture, for turns through the real ChatBedrockConverse path.
from tests.llm.conftest import bedrock, shop_model_responder  # noqa: E402, F401
