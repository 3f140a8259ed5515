"""The turn rules of the chat protocol, through the full ASGI stack (docs/protocol.md)."""

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async

from chat.models import Conversation, Message
from tests.chat.conftest import MESSAGE_KEYS, open_socket, rebuild, receive_until, stored_messages

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


async def test_question_is_stored_then_answer_streams_and_is_stored(
    channel_layer_kind, make_visitor, catalogue, connected, settings
):
    settings.LLM_OFFLINE_DELAY_MS = 20  # a model slower than chunk coalescing, as real ones are
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    history = socket.history
    assert history["conversation"]["id"] == str(conversation.id)
    assert history["messages"] == []

    await socket.send_json_to(
        {"type": "user_message", "content": "  running shoes  ", "client_message_id": "c1"}
    )
    frames = await receive_until(socket, "turn_ended")

    types = [f["type"] for f in frames]
    assert types[0] == "message" and frames[0]["message"]["role"] == "user"
    assert frames[0]["message"]["content"] == "running shoes"
    assert frames[0]["message"]["client_message_id"] == "c1"
    assert frames[-1] == {"type": "turn_ended", "status": "complete"}
    done_ids = [f["message"]["id"] for f in frames if f["type"] == "done"]
    infos = [f for f in frames if f["type"] == "info"]
    assert [i["status"] for i in infos] == ["started", "finished"]
    assert infos[0]["tool"] == "search_products"
    assert infos[0]["message_id"] == infos[1]["message_id"] == done_ids[0]
    assert "running shoes" in infos[0]["content"]
    tool_messages = [f["message"] for f in frames if f["type"] == "message"][1:]
    assert [m["role"] for m in tool_messages] == ["tool"]
    assert tool_messages[0]["tool_name"] == "search_products"

    done = [f["message"] for f in frames if f["type"] == "done"]
    assert len(done) == 2  # the tool round and the answer
    answer = done[-1]
    assert answer["status"] == "complete"
    assert "Trail Runner" in answer["content"]
    assert rebuild(frames)[answer["id"]] == answer["content"]
    assert types.count("chunk") > 3  # it grew in several steps

    stored = await stored_messages(conversation)
    assert [m.role for m in stored] == ["user", "assistant", "tool", "assistant"]
    assert stored[-1].content == answer["content"]
    assert stored[-1].status == Message.Status.COMPLETE
    assert stored[1].tool_calls[0]["name"] == "search_products"
    assert stored[-1].output_tokens and stored[-1].duration_ms is not None
    refreshed = await sync_to_async(Conversation.objects.get)(pk=conversation.pk)
    assert refreshed.title == "running shoes"
    assert refreshed.turn_owner == ""


async def test_two_sockets_of_one_conversation_receive_the_same_frames(
    channel_layer_kind, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    first = await open_socket(visitor, conversation, connected)
    _ = first.history
    second = await open_socket(visitor, conversation, connected)
    _ = second.history
    await first.send_json_to({"type": "user_message", "content": "Show me rain jackets"})
    a = await receive_until(first, "turn_ended")
    b = await receive_until(second, "turn_ended")
    assert [f for f in a if f["type"] != "chunk"] == [f for f in b if f["type"] != "chunk"]
    assert rebuild(a) == rebuild(b)


async def test_chunk_offsets_rebuild_non_ascii_text_exactly(
    channel_layer_kind, make_visitor, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    _ = socket.history
    text = "Grüße 👋🏽 from the café — 東京 🇯🇵 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢!"
    await socket.send_json_to({"type": "user_message", "content": f"Repeat after me: {text}"})
    frames = await receive_until(socket, "turn_ended")
    done = [f["message"] for f in frames if f["type"] == "done"][-1]
    assert done["content"] == text
    assert rebuild(frames)[done["id"]] == text
    stored = await stored_messages(conversation)
    assert stored[-1].content == text


async def test_second_question_while_streaming_is_busy_and_not_stored(
    channel_layer_kind, make_visitor, connected, settings
):
    settings.LLM_OFFLINE_DELAY_MS = 20
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    _ = socket.history
    await socket.send_json_to({"type": "user_message", "content": "Write me 200 words please"})
    await receive_until(socket, "chunk")
    await socket.send_json_to(
        {"type": "user_message", "content": "And another thing", "client_message_id": "c2"}
    )
    frames = await receive_until(socket, "error")
    error = frames[-1]
    assert error["code"] == "busy" and error["client_message_id"] == "c2"
    await socket.send_json_to({"type": "stop"})
    await receive_until(socket, "turn_ended")
    stored = await stored_messages(conversation)
    assert [m.content for m in stored if m.role == "user"] == ["Write me 200 words please"]


async def test_repeated_client_message_id_is_not_stored_or_answered_again(
    channel_layer_kind, make_visitor, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    _ = socket.history
    frame = {"type": "user_message", "content": "hello", "client_message_id": "same-id"}
    await socket.send_json_to(frame)
    first = await receive_until(socket, "turn_ended")
    await socket.send_json_to(frame)
    echoed = await socket.receive_json_from(timeout=5)
    assert echoed["type"] == "message"
    assert echoed["message"]["id"] == first[0]["message"]["id"]
    assert await socket.receive_nothing(timeout=0.5)
    stored = await stored_messages(conversation)
    assert [m.role for m in stored] == ["user", "assistant"]


async def test_stop_ends_the_turn_within_a_second_and_keeps_partial_text(
    channel_layer_kind, make_visitor, connected, settings
):
    settings.LLM_OFFLINE_DELAY_MS = 20
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    _ = socket.history
    await socket.send_json_to({"type": "user_message", "content": "Write me 2000 words please"})
    before = await receive_until(socket, "chunk")
    await asyncio.sleep(0.2)
    loop = asyncio.get_running_loop()
    stop_sent = loop.time()
    await socket.send_json_to({"type": "stop"})
    frames = await receive_until(socket, "turn_ended", within=5)
    assert loop.time() - stop_sent < 1.0
    assert frames[-1] == {"type": "turn_ended", "status": "stopped"}
    done = [f["message"] for f in frames if f["type"] == "done"][-1]
    assert done["status"] == "stopped"
    assert 0 < len(done["content"]) < 2000 * 5
    assert rebuild(before + frames)[done["id"]] == done["content"]
    stored = await stored_messages(conversation)
    assert stored[-1].status == Message.Status.STOPPED
    assert stored[-1].content == done["content"]


async def test_closing_every_socket_does_not_end_the_turn_and_reconnect_catches_up(
    channel_layer_kind, make_visitor, connected, settings
):
    settings.LLM_OFFLINE_DELAY_MS = 10
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    _ = socket.history
    await socket.send_json_to({"type": "user_message", "content": "Write me 150 words please"})
    await receive_until(socket, "chunk")
    await socket.disconnect()
    connected.remove(socket)
    await asyncio.sleep(0.3)

    again = await open_socket(visitor, conversation, connected)

    history = again.history
    streaming = [m for m in history["messages"] if m["status"] == "streaming"]
    assert len(streaming) == 1
    assert history["running"] is True
    held = {streaming[0]["id"]: streaming[0]["content"]}
    frames = await receive_until(again, "turn_ended")
    for frame in frames:
        if frame["type"] == "chunk":
            current = held[frame["message_id"]]
            assert frame["offset"] == len(current)
            held[frame["message_id"]] = current[: frame["offset"]] + frame["delta"]
    done = [f["message"] for f in frames if f["type"] == "done"][-1]
    assert held[done["id"]] == done["content"]
    assert done["content"].count(" ") >= 149
    stored = await stored_messages(conversation)
    assert stored[-1].status == Message.Status.COMPLETE


async def test_turn_completes_with_no_socket_open(make_visitor, connected, settings):
    settings.LLM_OFFLINE_DELAY_MS = 5
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    _ = socket.history
    await socket.send_json_to({"type": "user_message", "content": "Write me 40 words please"})
    await receive_until(socket, "chunk")
    await socket.disconnect()
    connected.remove(socket)
    for _ in range(100):
        stored = await stored_messages(conversation)
        if stored[-1].status == Message.Status.COMPLETE:
            break
        await asyncio.sleep(0.05)
    assert stored[-1].status == Message.Status.COMPLETE
    assert stored[-1].content.count(" ") == 39


async def test_ping_gets_pong(make_visitor, connected):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    _ = socket.history
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from() == {"type": "pong"}


async def test_history_lists_stored_messages_in_order(make_visitor, connected):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    _ = socket.history
    await socket.send_json_to({"type": "user_message", "content": "hello"})
    await receive_until(socket, "turn_ended")
    _again = await open_socket(visitor, conversation, connected)
    history = _again.history
    assert [m["role"] for m in history["messages"]] == ["user", "assistant"]
    assert set(history["messages"][0]) == MESSAGE_KEYS
    uuid.UUID(history["messages"][0]["id"])


async def test_logs_at_info_never_carry_message_content(make_visitor, connected, caplog):
    caplog.set_level("INFO")
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    _ = socket.history
    secret = "my-card-number-4111-1111-1111-1111"
    await socket.send_json_to({"type": "user_message", "content": f"Repeat after me: {secret}"})
    await receive_until(socket, "turn_ended")
    for _ in range(50):  # the turn logs just after its last frame
        if any("turn finished" in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.02)
    assert any("turn finished" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in repr(vars(record))


@pytest.mark.parametrize("coalesce_ms", [0, 50])
async def test_chunks_of_a_fast_model_are_coalesced_and_still_rebuild_the_text(
    coalesce_ms, make_visitor, connected, settings
):
    settings.CHAT_CHUNK_COALESCE_MS = coalesce_ms
    settings.LLM_OFFLINE_DELAY_MS = 0  # the model is as fast as it gets
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    _ = socket.history
    await socket.send_json_to({"type": "user_message", "content": "Write me 300 words please"})
    frames = await receive_until(socket, "turn_ended")
    done = [f["message"] for f in frames if f["type"] == "done"][-1]
    chunks = [f for f in frames if f["type"] == "chunk"]
    assert rebuild(frames)[done["id"]] == done["content"]
    deltas = len(done["content"]) // 4  # the offline model's delta size
    if coalesce_ms:
        assert len(chunks) < deltas / 10
    else:
        assert len(chunks) >= deltas
