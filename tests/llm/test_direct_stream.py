"""Streams with no callback handler skip LangChain's run bookkeeping (llm.direct_stream); any
handler gets LangChain's own path. And the Bedrock model's tools are bound once in Converse's
form, sending the request langchain-aws itself would build."""

import copy
from typing import Any
from uuid import UUID

import pytest
from langchain_aws import ChatBedrockConverse
from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.messages import AIMessageChunk, HumanMessage, SystemMessage

from devkit.bedrock_emulator import text_response
from llm.bedrock_stream import converse_stream_request
from llm.offline import OfflineChatModel
from llm.providers import current
from llm.tools import tool_schemas


class Recorder(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.started = 0
        self.tokens: list[str] = []
        self.ended = 0

    async def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self.started += 1

    async def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)

    async def on_llm_end(self, *args: Any, run_id: UUID, **kwargs: Any) -> None:
        self.ended += 1


async def collect(model: Any, question: str = "hello", **kwargs: Any) -> list[AIMessageChunk]:
    return [chunk async for chunk in model.astream(question, **kwargs)]


def texts(chunks: list[AIMessageChunk]) -> list[str]:
    return [c.text for c in chunks if c.text]


async def test_without_a_handler_the_chunks_come_straight_from_the_model():
    chunks = await collect(OfflineChatModel())

    assert texts(chunks)
    # LangChain's path stamps a run id on every chunk and adds a closing one.
    assert all(c.id is None for c in chunks)
    assert not any(c.chunk_position == "last" for c in chunks)


@pytest.mark.parametrize("where", ["config", "model", "verbose"])
async def test_a_handler_anywhere_gets_langchains_own_path(where, capsys):
    recorder = Recorder()
    model = OfflineChatModel()
    options: dict[str, Any] = {}
    if where == "config":
        options["config"] = {"callbacks": [recorder]}
    elif where == "model":
        model.callbacks = [recorder]
    else:
        model.verbose = True

    chunks = await collect(model, **options)

    direct = await collect(OfflineChatModel())
    assert texts(chunks) == texts(direct)
    assert all(c.id and c.id.startswith("lc_run") for c in chunks)
    if where != "verbose":
        assert recorder.started == 1 and recorder.ended == 1
        assert "".join(recorder.tokens) == "".join(texts(direct))


async def test_content_blocks_take_langchains_path_which_normalises_them():
    question = HumanMessage(content=[{"type": "text", "text": "hello"}])

    chunks = await collect(OfflineChatModel(), [question])  # type: ignore[arg-type]

    assert all(c.id and c.id.startswith("lc_run") for c in chunks)


def test_a_rate_limited_model_takes_langchains_path():
    from langchain_core.rate_limiters import InMemoryRateLimiter

    model = OfflineChatModel(rate_limiter=InMemoryRateLimiter(requests_per_second=100))

    assert not model._direct(None, [HumanMessage("hello")], {})
    assert OfflineChatModel()._direct(None, [HumanMessage("hello")], {})


async def test_bedrock_direct_and_langchain_paths_stream_the_same(bedrock):
    model = current().chat_model()
    bedrock.push(text_response("Light and grippy.", chunks=["Light ", "and ", "grippy."]))
    bedrock.push(text_response("Light and grippy.", chunks=["Light ", "and ", "grippy."]))

    direct = await collect(model)
    recorder = Recorder()
    traced = await collect(model, config={"callbacks": [recorder]})

    assert texts(direct) == texts(traced) == ["Light ", "and ", "grippy."]
    assert recorder.tokens[:3] == ["Light ", "and ", "grippy."]
    merged, merged_traced = direct[0] + direct[1:], traced[0] + traced[1:]
    assert merged.usage_metadata == merged_traced.usage_metadata
    assert merged.response_metadata["stopReason"] == "end_turn"
    assert bedrock.requests[0]["body"] == bedrock.requests[1]["body"]


@pytest.mark.parametrize("cache", [False, True])
def test_tools_bound_once_make_the_request_langchain_aws_would(bedrock, settings, cache):
    settings.BEDROCK_PROMPT_CACHE = cache
    settings.BEDROCK_MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0"
    provider = current()
    model = provider.chat_model()
    options = provider.call_options()
    messages = [SystemMessage("You help."), HumanMessage("rain jackets?")]
    schemas = copy.deepcopy(list(tool_schemas()))

    ours = provider.bound_model()
    theirs = ChatBedrockConverse.bind_tools(model, schemas, **options)

    assert "toolConfig" in ours.kwargs and "tools" not in ours.kwargs  # type: ignore[attr-defined]
    built = [
        converse_stream_request(model, list(messages), None, **binding.kwargs)  # type: ignore[attr-defined]
        for binding in (ours, theirs, ours)
    ]
    assert built[0] == built[1] == built[2]
    tools = built[0]["toolConfig"]["tools"]
    assert [t["toolSpec"]["name"] for t in tools if "toolSpec" in t] == [
        s["function"]["name"] for s in tool_schemas()
    ]
    assert ({"cachePoint": {"type": "default"}} in tools) is cache
    # Each request's cache point went on its own copy of the list, not the bound one.
    assert not any("cachePoint" in t for t in ours.kwargs["toolConfig"]["tools"])  # type: ignore[attr-defined]
    # And the process's own tool schemas are untouched.
    assert list(tool_schemas()) == schemas
