"""Turns through the real ChatBedrockConverse path, Bedrock replaced at its wire boundary."""

import asyncio

import pytest

from devkit.bedrock_emulator import stream_error_response, text_response
from tests.chat.conftest import (
    open_socket,
    rebuild,
    receive_until,
    shop_model_responder,
    stored_messages,
)
from tests.llm.conftest import MODEL_ID
from tests.metrics.scrape import TOKEN, scrape

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


async def test_bedrock_answer_streams_with_a_tool_round(
    channel_layer_kind, bedrock, make_visitor, catalogue, connected
):
    bedrock.responder = shop_model_responder
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    await socket.send_json_to({"type": "user_message", "content": "Do you have running shoes?"})
    frames = await receive_until(socket, "turn_ended")
    assert frames[-1] == {"type": "turn_ended", "status": "complete"}
    assert [f["status"] for f in frames if f["type"] == "info"] == ["started", "finished"]
    answer = [f["message"] for f in frames if f["type"] == "done"][-1]
    assert "Trail Runner 2" in answer["content"] or "Road Racer" in answer["content"]
    assert rebuild(frames)[answer["id"]] == answer["content"]
    rows = await stored_messages(conversation)
    assert [m.role for m in rows] == ["user", "assistant", "tool", "assistant"]
    assert rows[-1].model_id == MODEL_ID and rows[-1].output_tokens
    second_request = bedrock.requests[1]["body"]
    assert any("toolResult" in block for block in second_request["messages"][-1]["content"])


async def test_model_error_mid_stream_keeps_partial_text_and_next_question_works(
    channel_layer_kind, bedrock, make_visitor, connected
):
    bedrock.push(
        stream_error_response(
            "modelStreamErrorException", "internal detail req-1234", after_text="Partial answer "
        )
    )
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    await socket.send_json_to(
        {"type": "user_message", "content": "hello there", "client_message_id": "q1"}
    )
    frames = await receive_until(socket, "turn_ended")
    done = [f["message"] for f in frames if f["type"] == "done"][-1]
    assert done["status"] == "error" and done["content"] == "Partial answer "
    error = next(f for f in frames if f["type"] == "error")
    assert error["code"] == "llm_error" and error["client_message_id"] == "q1"
    assert "req-1234" not in error["detail"] and "internal detail" not in error["detail"]
    assert frames[-1] == {"type": "turn_ended", "status": "error"}
    rows = await stored_messages(conversation)
    assert [(m.role, m.status) for m in rows] == [("user", "complete"), ("assistant", "error")]
    assert rows[-1].content == "Partial answer " and rows[-1].error_code == "model_error"

    bedrock.push(text_response("Fine now, thanks.", chunks=3))
    await socket.send_json_to({"type": "user_message", "content": "and now?"})
    frames = await receive_until(socket, "turn_ended")
    assert frames[-1]["status"] == "complete"
    # The failed answer's partial text went back to the model as history.
    history = bedrock.requests[-1]["body"]["messages"]
    assert [m["role"] for m in history] == ["user", "assistant", "user"]


async def test_stop_closes_the_bedrock_stream(bedrock, make_visitor, connected):
    bedrock.push(text_response("word " * 100, chunks=100, delay=0.1))
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    await socket.send_json_to({"type": "user_message", "content": "tell me a lot"})
    await receive_until(socket, "chunk")
    loop = asyncio.get_running_loop()
    sent = loop.time()
    await socket.send_json_to({"type": "stop"})
    frames = await receive_until(socket, "turn_ended", within=5)
    assert loop.time() - sent < 1.0
    assert frames[-1] == {"type": "turn_ended", "status": "stopped"}
    await asyncio.to_thread(bedrock.wait_for_aborted, 1, 3.0)


async def test_prompt_cache_reads_and_writes_are_stored_with_the_answer(
    bedrock, settings, make_visitor, connected
):
    settings.METRICS_TOKEN = TOKEN
    before = await scrape()
    bedrock.push(text_response("Cached answer.", usage=(40, 5), cache_tokens=(900, 60)))
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    await socket.send_json_to({"type": "user_message", "content": "hello"})
    await receive_until(socket, "turn_ended")

    answer = (await stored_messages(conversation))[-1]
    assert (answer.input_tokens, answer.output_tokens) == (1000, 5)
    assert (answer.cache_read_tokens, answer.cache_write_tokens) == (900, 60)
    after = await scrape()
    counted = {k: after.since(before, "chat_tokens_total", kind=k) for k in ("input", "output")}
    assert counted == {"input": 40, "output": 5}
    assert after.since(before, "chat_tokens_total", kind="cache_read") == 900
    assert after.since(before, "chat_tokens_total", kind="cache_write") == 60


async def test_a_guardrail_intervention_ends_the_answer_as_blocked(
    bedrock, settings, make_visitor, connected
):
    settings.BEDROCK_GUARDRAIL_ID = "gr-shop"
    settings.BEDROCK_GUARDRAIL_VERSION = "3"
    settings.METRICS_TOKEN = TOKEN
    before = await scrape()
    blocked = "Sorry, I can't help with that request."
    bedrock.push(text_response(blocked, chunks=2, stop_reason="guardrail_intervened"))
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    await socket.send_json_to({"type": "user_message", "content": "something unsafe"})
    frames = await receive_until(socket, "turn_ended")

    done = [f["message"] for f in frames if f["type"] == "done"][-1]
    assert (done["status"], done["content"]) == ("blocked", blocked)
    assert frames[-1] == {"type": "turn_ended", "status": "blocked"}
    assert (await scrape()).since(before, "chat_turns_total", status="blocked") == 1
    answer = (await stored_messages(conversation))[-1]
    assert (answer.status, answer.content) == ("blocked", blocked)
    body = bedrock.requests[-1]["body"]
    assert body["guardrailConfig"] == {
        "guardrailIdentifier": "gr-shop",
        "guardrailVersion": "3",
        "trace": "disabled",
        "streamProcessingMode": "async",
    }
    newest = body["messages"][-1]["content"]
    assert {"guardContent": {"text": {"text": "something unsafe"}}} in newest

    # The next question works, and only it is guarded: the old one goes as plain text.
    bedrock.push(text_response("Happy to help with shoes."))
    await socket.send_json_to({"type": "user_message", "content": "running shoes?"})
    frames = await receive_until(socket, "turn_ended")
    assert frames[-1]["status"] == "complete"
    messages = bedrock.requests[-1]["body"]["messages"]
    assert not any("guardContent" in b for b in messages[0]["content"])
    assert {"guardContent": {"text": {"text": "running shoes?"}}} in messages[-1]["content"]
