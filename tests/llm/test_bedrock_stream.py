"""The Bedrock stream read on the event loop (llm.bedrock_stream), through the configured
ChatBedrockConverse against the emulator: what each event becomes, that no thread reads a
stream, one client per loop, and how streams end."""

import asyncio
import contextlib
import threading

import aiohttp
import pytest

from devkit.bedrock_emulator import (
    ScriptedResponse,
    stream_error_response,
    text_response,
    tool_uses_response,
)
from llm.agent import run_agent
from llm.agent_events import MessageFinished, TextGrew
from llm.errors import LLMError
from llm.providers import current
from llm.providers.bedrock import BedrockProvider
from tests.llm.conftest import agent_events


def model():  # type: ignore[no-untyped-def]
    return current().chat_model()


async def chunks_of(question: str = "Hello") -> list:  # type: ignore[type-arg]
    return [chunk async for chunk in model().astream(question)]


async def test_text_deltas_are_plain_text_chunks_and_empty_events_make_none(bedrock):
    bedrock.push(text_response("Light and grippy.", chunks=["Light ", "and ", "grippy."]))

    chunks = await chunks_of()

    texts = [c.content for c in chunks if c.content]
    assert texts == ["Light ", "and ", "grippy."]
    assert all(isinstance(text, str) for text in texts)
    # messageStart and contentBlockStop carry nothing: three deltas, messageStop and
    # metadata (with no callback handler, LangChain adds no closing chunk: llm.direct_stream).
    assert len(chunks) == 5
    merged = chunks[0] + chunks[1:]
    assert merged.text == "Light and grippy."
    assert merged.response_metadata["stopReason"] == "end_turn"
    assert merged.response_metadata["model_provider"] == "bedrock_converse"
    assert merged.usage_metadata["output_tokens"] == 3


async def test_tool_calls_stream_as_langchain_aws_parses_them(bedrock):
    bedrock.push(
        tool_uses_response(
            [
                ("search_products", {"query": "rain jacket", "max_price": 120.0}, "tooluse_a"),
                ("list_categories", {}, "tooluse_b"),
            ],
            text_before="Let me look.",
        )
    )

    chunks = await chunks_of("rain jackets under 120")

    merged = chunks[0] + chunks[1:]
    assert merged.text == "Let me look."
    assert [(c["id"], c["name"], c["args"]) for c in merged.tool_calls] == [
        ("tooluse_a", "search_products", {"query": "rain jacket", "max_price": 120.0}),
        ("tooluse_b", "list_categories", {}),
    ]
    assert merged.response_metadata["stopReason"] == "tool_use"


async def test_usage_and_prompt_cache_tokens_reach_the_answer(bedrock):
    bedrock.push(text_response("Cached.", usage=(40, 5), cache_tokens=(900, 60)))

    finished = [e for e in await agent_events() if isinstance(e, MessageFinished)][-1]

    assert (finished.input_tokens, finished.output_tokens) == (1000, 5)
    assert (finished.cache_read_tokens, finished.cache_write_tokens) == (900, 60)


async def test_a_guardrail_stop_reason_passes_through(bedrock, settings):
    settings.BEDROCK_GUARDRAIL_ID = "gr-shop"
    bedrock.push(text_response("Sorry, not that.", stop_reason="guardrail_intervened"))

    finished = [e for e in await agent_events() if isinstance(e, MessageFinished)][-1]

    assert (finished.stop_reason, finished.text) == ("guardrail_intervened", "Sorry, not that.")
    assert bedrock.requests[-1]["body"]["guardrailConfig"]["guardrailIdentifier"] == "gr-shop"


async def test_a_stream_that_ends_without_message_stop_is_an_error_keeping_its_text(bedrock):
    answer = text_response("Half an answer", chunks=2)
    bedrock.push(ScriptedResponse(events=answer.events[:-2]))  # no messageStop, no metadata

    seen: list[str] = []
    with pytest.raises(LLMError) as info:
        async with contextlib.aclosing(run_agent(question="hi", past=[])) as events:
            async for event in events:
                if isinstance(event, TextGrew):
                    seen.append(event.text)

    assert (info.value.reason, info.value.partial_text) == ("unavailable", "Half an answer")
    assert seen[-1] == "Half an answer"


async def test_a_mid_stream_exception_keeps_the_partial_text(bedrock):
    bedrock.push(stream_error_response("throttlingException", "slow", after_text="So far "))

    with pytest.raises(LLMError) as info:
        await agent_events()

    assert (info.value.reason, info.value.partial_text) == ("throttled", "So far ")


def our_threads() -> set[str]:
    """Threads of this process other than the emulator's own (one per connection)."""
    return {t.name for t in threading.enumerate() if "process_request_thread" not in t.name}


async def test_streams_are_read_on_the_loop_without_a_thread_each(bedrock):
    await chunks_of()  # the client of this loop exists
    bedrock.default = text_response("Fine, thank you.", chunks=4, delay=0.2)
    before = our_threads()

    readers = [asyncio.create_task(agent_events(f"Question {i}")) for i in range(100)]
    await asyncio.to_thread(bedrock.wait_for_requests, 101, 10)
    during = our_threads()
    results = await asyncio.gather(*readers)

    assert len(during - before) <= 1  # the to_thread helper's, not one per stream
    assert bedrock.peak_active_streams == 100
    texts = [[e for e in events if isinstance(e, MessageFinished)][-1].text for events in results]
    assert texts == ["Fine, thank you."] * 100


async def test_one_client_per_event_loop_shared_by_its_streams(bedrock):
    clients = model().loop_clients
    first = await clients.get()
    assert await clients.get() is first
    concurrent = await asyncio.gather(*(clients.get() for _ in range(5)))
    assert all(client is first for client in concurrent)

    async def in_another_loop() -> object:
        client = await clients.get()
        await clients.close()
        return client

    other = await asyncio.to_thread(asyncio.run, in_another_loop())
    assert other is not first


async def test_closing_a_loops_client_opens_a_new_one_for_the_next_stream(bedrock):
    clients = model().loop_clients
    first = await clients.get()
    await clients.close()

    bedrock.push(text_response("Again."))
    chunks = await chunks_of()

    assert "".join(c.text for c in chunks) == "Again."
    assert await clients.get() is not first


@pytest.mark.parametrize(
    "exc, reason",
    [
        (aiohttp.ClientPayloadError("Response payload is not completed"), "unavailable"),
        (aiohttp.ServerDisconnectedError(), "unavailable"),
        (aiohttp.ServerTimeoutError("Timeout on reading data from socket"), "timeout"),
    ],
)
def test_the_stream_clients_own_failures_are_translated(exc, reason):
    error = BedrockProvider().translate_error(exc, partial_text="So far")
    assert (error.reason, error.partial_text) == (reason, "So far")
