"""A chat socket's frames go to the server below the session middleware (chat.server_send)."""

import pytest
from channels.sessions import InstanceSessionWrapper

from tests.chat.conftest import open_socket, rebuild, receive_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


async def test_frames_skip_the_session_middleware_and_arrive_whole_and_in_order(
    make_visitor, catalogue, connected, monkeypatch
):
    through_sessions: list[str] = []
    wrapped_send = InstanceSessionWrapper.send

    async def counting_send(self, message):  # type: ignore[no-untyped-def]
        through_sessions.append(message["type"])
        return await wrapped_send(self, message)

    monkeypatch.setattr(InstanceSessionWrapper, "send", counting_send)
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    await socket.send_json_to(
        {"type": "user_message", "content": "tents", "client_message_id": "c1"}
    )
    frames = await receive_until(socket, "turn_ended")

    answer = [f["message"] for f in frames if f["type"] == "done"][-1]
    assert rebuild(frames)[answer["id"]] == answer["content"]
    assert frames[-1]["type"] == "turn_ended"
    # The session middleware still saw the handshake, and none of the frames.
    assert "websocket.accept" in through_sessions
    assert "websocket.send" not in through_sessions
