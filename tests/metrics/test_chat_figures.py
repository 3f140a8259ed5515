"""The figures move as turns, tools, sockets and failures happen: scraped before and after."""

import pytest

from chat import layer_health
from devkit.bedrock_emulator import (
    http_error_response,
    stream_error_response,
    text_response,
    tool_use_response,
)
from tests.chat.conftest import open_socket, receive_until, stored_messages
from tests.chat.lossy_layer import lossy_layers
from tests.config.settings_probe import channel_layers_for
from tests.metrics.scrape import scrape

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


async def test_a_turn_with_a_tool_call_counts_the_turn_tool_tokens_and_latencies(
    channel_layer_kind, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    before = await scrape()

    await socket.send_json_to({"type": "user_message", "content": "running shoes"})
    frames = await receive_until(socket, "turn_ended")

    after = await scrape()
    assert frames[-1]["status"] == "complete"
    assert after.since(before, "chat_turns_total", status="complete") == 1
    assert after.since(before, "chat_turns_total", status="error") == 0
    assert after.since(before, "chat_turn_duration_seconds_count") == 1
    assert after.since(before, "chat_time_to_first_chunk_seconds_count") == 1
    calls = after.since(before, "chat_tool_calls_total", tool="search_products", outcome="ok")
    assert calls == 1
    assert after.since(before, "chat_tool_duration_seconds_count", tool="search_products") == 1
    # Two model calls: the one that asked for the search, and the answer.
    assert after.since(before, "chat_time_to_first_token_seconds_count") == 2
    answers = [m for m in await stored_messages(conversation) if m.role == "assistant"]
    assert after.since(before, "chat_tokens_total", kind="input") == sum(
        m.input_tokens for m in answers
    )
    assert after.since(before, "chat_tokens_total", kind="output") == sum(
        m.output_tokens for m in answers
    )
    assert after.since(before, "chat_tokens_total", kind="cache_read") == 0
    assert after.value("chat_active_turns") == 0


async def test_bedrock_usage_and_time_to_first_token_are_the_models(
    bedrock, make_visitor, connected
):
    bedrock.push(text_response("Hello from the model.", usage=(123, 45), first_delay=0.3))
    visitor = await make_visitor()
    socket = await open_socket(visitor, await visitor.conversation(), connected)
    before = await scrape()

    await socket.send_json_to({"type": "user_message", "content": "hello"})
    await receive_until(socket, "turn_ended")

    after = await scrape()
    assert after.since(before, "chat_tokens_total", kind="input") == 123
    assert after.since(before, "chat_tokens_total", kind="output") == 45
    assert after.since(before, "chat_time_to_first_token_seconds_count") == 1
    assert after.since(before, "chat_time_to_first_token_seconds_sum") >= 0.3
    # The question reached the socket before the model started, so its first chunk is later.
    assert after.since(before, "chat_time_to_first_chunk_seconds_sum") >= 0.3


async def test_model_errors_count_by_reason_and_end_the_turn_as_error(
    bedrock, make_visitor, connected
):
    visitor = await make_visitor()
    socket = await open_socket(visitor, await visitor.conversation(), connected)
    before = await scrape()

    bedrock.push(stream_error_response("modelStreamErrorException", "boom", after_text="Half "))
    await socket.send_json_to({"type": "user_message", "content": "first"})
    await receive_until(socket, "turn_ended")
    bedrock.push(http_error_response(400, "ValidationException", "bad input"))
    await socket.send_json_to({"type": "user_message", "content": "second"})
    await receive_until(socket, "turn_ended")

    after = await scrape()
    assert after.since(before, "llm_errors_total", reason="model_error") == 1
    assert after.since(before, "llm_errors_total", reason="invalid_request") == 1
    assert after.since(before, "llm_errors_total", reason="throttled") == 0
    assert after.since(before, "chat_turns_total", status="error") == 2
    assert after.since(before, "chat_turns_total", status="complete") == 0


async def test_open_sockets_and_active_turns_are_read_from_the_worker_at_each_scrape(
    make_visitor, connected, settings
):
    settings.LLM_OFFLINE_DELAY_MS = 20
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    assert (await scrape()).value("chat_open_sockets") == 0

    socket = await open_socket(visitor, conversation, connected)
    await open_socket(visitor, conversation, connected)
    before = await scrape()
    assert before.value("chat_open_sockets") == 2

    await socket.send_json_to({"type": "user_message", "content": "Write me 200 words please"})
    await receive_until(socket, "chunk")
    assert (await scrape()).value("chat_active_turns") == 1
    await socket.send_json_to({"type": "stop"})
    await receive_until(socket, "turn_ended")
    after = await scrape()
    assert after.value("chat_active_turns") == 0
    assert after.since(before, "chat_turns_total", status="stopped") == 1

    await socket.disconnect()
    connected.remove(socket)
    assert (await scrape()).value("chat_open_sockets") == 1


async def test_failed_group_sends_count_as_layer_failures_and_the_answer_still_arrives(
    settings, make_visitor, connected
):
    settings.CHANNEL_LAYERS = lossy_layers(fail_types=["chat.chunk"])
    visitor = await make_visitor()
    socket = await open_socket(visitor, await visitor.conversation(), connected)
    before = await scrape()

    await socket.send_json_to({"type": "user_message", "content": "Write me 30 words please"})
    frames = await receive_until(socket, "turn_ended")

    after = await scrape()
    assert frames[-1]["status"] == "complete"
    chunks = [f for f in frames if f["type"] == "chunk"]
    assert chunks and after.since(before, "chat_layer_failures_total") >= len(chunks)


async def test_a_failed_layer_health_check_counts_as_a_layer_failure(settings):
    settings.CHANNEL_LAYERS = channel_layers_for("redis://127.0.0.1:1/0")
    before = await scrape()

    assert not await layer_health.layer_delivers()

    assert (await scrape()).since(before, "chat_layer_failures_total") == 1


async def test_a_socket_healing_from_the_database_counts_a_catch_up(
    settings, make_visitor, connected, turns_on_another_worker
):
    # done and turn_ended lost on their way from the turn's worker: the socket hears nothing
    # more and reads the database.
    settings.CHANNEL_LAYERS = lossy_layers(["chat.done", "chat.turn_ended"])
    visitor = await make_visitor()
    socket = await open_socket(visitor, await visitor.conversation(), connected)
    before = await scrape()

    await socket.send_json_to({"type": "user_message", "content": "Write me 10 words please"})
    await receive_until(socket, "turn_ended", within=15)

    after = await scrape()
    assert after.since(before, "chat_catch_ups_total") >= 1


async def test_an_answer_paused_for_an_action_and_continued_counts_as_two_turns(
    bedrock, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    socket = await open_socket(visitor, await visitor.conversation(), connected)
    pid = next(p.pk for p in catalogue["products"] if p.stock)
    before = await scrape()

    bedrock.push(tool_use_response("add_to_cart", {"product_id": pid, "quantity": 1}))
    await socket.send_json_to({"type": "user_message", "content": "Put one in my cart"})
    frames = await receive_until(socket, "turn_ended")
    assert frames[-1]["status"] == "action_required"
    paused = await scrape()
    assert paused.since(before, "chat_turns_total", status="action_required") == 1
    # The model's call to a write tool is an action for the customer, not a tool call run.
    assert paused.since(before, "chat_tool_calls_total", tool="add_to_cart", outcome="ok") == 0
    assert paused.since(before, "chat_actions_total", tool="add_to_cart", status="pending") == 1

    (action,) = [f["action"] for f in frames if f["type"] == "action"]
    bedrock.push(text_response("It is in your cart.", chunks=3))
    await socket.send_json_to(
        {"type": "action_decision", "action_id": action["id"], "decision": "approve"}
    )
    frames = await receive_until(socket, "turn_ended")

    after = await scrape()
    assert frames[-1]["status"] == "complete"
    assert after.since(paused, "chat_turns_total", status="complete") == 1
    assert after.since(paused, "chat_time_to_first_chunk_seconds_count") == 1
    for status in ("approved", "done"):
        assert after.since(paused, "chat_actions_total", tool="add_to_cart", status=status) == 1
    assert after.since(paused, "chat_actions_total", tool="add_to_cart", status="pending") == 0
