"""The Bedrock emulator, exercised through the real boto3 and langchain-aws clients."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
import urllib3
from botocore.config import Config
from botocore.eventstream import EventStreamBuffer
from botocore.exceptions import ClientError, EventStreamError
from langchain_aws import ChatBedrockConverse
from langchain_core.messages import BaseMessageChunk

from devkit.bedrock_emulator import (
    BedrockEmulator,
    ScriptedResponse,
    encode_event_message,
    hang_response,
    http_error_response,
    stream_error_response,
    text_response,
    tool_use_response,
    tool_uses_response,
)

CLAUDE = "anthropic.claude-sonnet-4-5-20250929-v1:0"
PROFILE_ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
USER_HI = [{"role": "user", "content": [{"text": "hi"}]}]


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    # Dummy credentials, and nothing from the developer's own AWS setup.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "missing-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "missing-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_BEARER_TOKEN_BEDROCK"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def emu() -> Iterator[BedrockEmulator]:
    with BedrockEmulator() as emulator:
        yield emulator


def make_client(emu: BedrockEmulator, *, attempts: int = 1, **config: Any) -> Any:
    # One attempt by default so an error response is not silently retried.
    cfg = Config(
        retries={"total_max_attempts": attempts, "mode": "standard"},
        connect_timeout=5,
        read_timeout=config.pop("read_timeout", 10),
        **config,
    )
    return boto3.client(
        "bedrock-runtime", endpoint_url=emu.url, region_name="us-east-1", config=cfg
    )


def event_type(event: dict[str, Any]) -> str:
    return next(k for k in event if k != "ResponseMetadata")


def stream_text(client: Any, model_id: str = CLAUDE) -> str:
    response = client.converse_stream(modelId=model_id, messages=USER_HI)
    return "".join(
        e["contentBlockDelta"]["delta"].get("text", "")
        for e in response["stream"]
        if "contentBlockDelta" in e
    )


def chunk_text(chunk: BaseMessageChunk) -> str:
    # ChatBedrockConverse chunks carry a list of content blocks, not a str.
    content = chunk.content
    if isinstance(content, str):
        return content
    return "".join(
        block.get("text", "")
        for block in content
        if isinstance(block, dict) and block.get("type") == "text"
    )


def make_llm(emu: BedrockEmulator, model: str = CLAUDE, **kwargs: Any) -> ChatBedrockConverse:
    return ChatBedrockConverse(
        model=model,
        endpoint_url=emu.url,
        region_name="us-east-1",
        disable_streaming=False,
        **kwargs,
    )


# -- wire format ---------------------------------------------------------------


def test_encoded_frames_pass_botocore_decoder_checksums() -> None:
    frame = encode_event_message(
        {":event-type": "messageStart", ":message-type": "event"}, b'{"role":"assistant"}'
    )
    buffer = EventStreamBuffer()
    buffer.add_data(frame + frame[:5])  # a full frame plus a partial one
    messages = list(buffer)
    assert len(messages) == 1
    assert messages[0].headers == {":event-type": "messageStart", ":message-type": "event"}
    assert messages[0].payload == b'{"role":"assistant"}'


# -- boto3: streaming ----------------------------------------------------------


def test_converse_stream_text_deltas_in_order_with_usage(emu: BedrockEmulator) -> None:
    emu.push(
        text_response(
            "The quick brown fox", chunks=["The ", "quick ", "brown ", "fox"], usage=(12, 4)
        )
    )
    response = make_client(emu).converse_stream(modelId=CLAUDE, messages=USER_HI)
    events = list(response["stream"])

    assert [event_type(e) for e in events] == [
        "messageStart",
        *["contentBlockDelta"] * 4,
        "contentBlockStop",
        "messageStop",
        "metadata",
    ]
    assert events[0]["messageStart"] == {"role": "assistant"}
    deltas = [e["contentBlockDelta"] for e in events if "contentBlockDelta" in e]
    assert [d["delta"]["text"] for d in deltas] == ["The ", "quick ", "brown ", "fox"]
    assert {d["contentBlockIndex"] for d in deltas} == {0}
    assert events[-2]["messageStop"]["stopReason"] == "end_turn"
    assert events[-1]["metadata"]["usage"] == {
        "inputTokens": 12,
        "outputTokens": 4,
        "totalTokens": 16,
    }
    assert isinstance(events[-1]["metadata"]["metrics"]["latencyMs"], int)
    assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == (
        "application/vnd.amazon.eventstream"
    )


def test_deltas_arrive_while_server_is_still_sleeping(emu: BedrockEmulator) -> None:
    emu.push(text_response("abc", chunks=3, delay=0.5))
    start = time.monotonic()
    response = make_client(emu).converse_stream(modelId=CLAUDE, messages=USER_HI)
    arrivals = [time.monotonic() - start for e in response["stream"] if "contentBlockDelta" in e]

    assert len(arrivals) == 3
    # Buffered output would deliver all three together at ~0.9 s.
    # Margins leave room for a loaded machine; the spread proves deltas are not batched.
    assert arrivals[0] < 0.95
    assert arrivals[-1] - arrivals[0] > 0.75


def test_first_delay_sets_time_to_first_token(emu: BedrockEmulator) -> None:
    emu.push(text_response("a b", first_delay=1.0))
    start = time.monotonic()
    response = make_client(emu).converse_stream(modelId=CLAUDE, messages=USER_HI)
    headers_at = time.monotonic() - start
    first = next(e for e in response["stream"] if "contentBlockDelta" in e)

    assert first["contentBlockDelta"]["delta"]["text"] == "a "
    assert headers_at < 0.6
    assert time.monotonic() - start >= 1.0


def test_tool_use_stream_input_deltas_join_to_json(emu: BedrockEmulator) -> None:
    tool_input = {"city": "Paris", "units": "metric", "days": [1, 2, 3], "note": "x" * 30}
    emu.push(
        tool_use_response(
            "get_weather", tool_input, tool_use_id="tooluse_abc", text_before="Let me check."
        )
    )
    events = list(make_client(emu).converse_stream(modelId=CLAUDE, messages=USER_HI)["stream"])

    starts = [e["contentBlockStart"] for e in events if "contentBlockStart" in e]
    assert starts == [
        {
            "contentBlockIndex": 1,
            "start": {"toolUse": {"toolUseId": "tooluse_abc", "name": "get_weather"}},
        }
    ]
    pieces = [
        e["contentBlockDelta"]["delta"]["toolUse"]["input"]
        for e in events
        if "contentBlockDelta" in e and "toolUse" in e["contentBlockDelta"]["delta"]
    ]
    assert len(pieces) >= 3
    assert json.loads("".join(pieces)) == tool_input
    text = [
        e for e in events if "contentBlockDelta" in e and "text" in e["contentBlockDelta"]["delta"]
    ]
    assert {e["contentBlockDelta"]["contentBlockIndex"] for e in text} == {0}
    stops = [e["contentBlockStop"]["contentBlockIndex"] for e in events if "contentBlockStop" in e]
    assert stops == [0, 1]
    assert next(e for e in events if "messageStop" in e)["messageStop"]["stopReason"] == "tool_use"


@pytest.mark.parametrize(
    "exception_type",
    [
        "modelStreamErrorException",
        "throttlingException",
        "validationException",
        "internalServerException",
        "serviceUnavailableException",
    ],
)
def test_mid_stream_exception_raises_event_stream_error(
    emu: BedrockEmulator, exception_type: str
) -> None:
    emu.push(stream_error_response(exception_type, "it broke", after_text="partial answer"))
    response = make_client(emu).converse_stream(modelId=CLAUDE, messages=USER_HI)
    seen: list[str] = []
    with pytest.raises(EventStreamError) as excinfo:
        for event in response["stream"]:
            if "contentBlockDelta" in event:
                seen.append(event["contentBlockDelta"]["delta"]["text"])

    assert "".join(seen) == "partial answer"
    assert excinfo.value.response["Error"]["Code"] == exception_type
    assert excinfo.value.response["Error"]["Message"] == "it broke"


def test_stream_error_accepts_http_style_name(emu: BedrockEmulator) -> None:
    emu.push(stream_error_response("ThrottlingException", "slow"))
    response = make_client(emu).converse_stream(modelId=CLAUDE, messages=USER_HI)
    with pytest.raises(EventStreamError) as excinfo:
        list(response["stream"])
    assert excinfo.value.response["Error"]["Code"] == "throttlingException"


HTTP_ERRORS = [
    (400, "ValidationException"),
    (403, "AccessDeniedException"),
    (424, "ModelErrorException"),
    (429, "ThrottlingException"),
    (500, "InternalServerException"),
    (503, "ServiceUnavailableException"),
]


@pytest.mark.parametrize("operation", ["converse", "converse_stream"])
@pytest.mark.parametrize(("status", "code"), HTTP_ERRORS)
def test_http_errors_map_to_client_error(
    emu: BedrockEmulator, operation: str, status: int, code: str
) -> None:
    emu.push(http_error_response(status, code, f"{code} happened"))
    with pytest.raises(ClientError) as excinfo:
        getattr(make_client(emu), operation)(modelId=CLAUDE, messages=USER_HI)

    error = excinfo.value.response
    assert error["Error"]["Code"] == code
    assert error["Error"]["Message"] == f"{code} happened"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    assert len(emu.requests) == 1


def test_botocore_retries_consume_queued_responses(emu: BedrockEmulator) -> None:
    emu.push(http_error_response(429, "ThrottlingException", "slow down"), "recovered")
    assert stream_text(make_client(emu, attempts=3)) == "recovered"
    assert len(emu.requests) == 2
    assert emu.pending == 0


# -- boto3: non-streaming --------------------------------------------------------


def test_converse_aggregates_script(emu: BedrockEmulator) -> None:
    emu.push(text_response("Plain answer.", usage=(7, 3), stop_reason="max_tokens"))
    result = make_client(emu).converse(modelId=CLAUDE, messages=USER_HI)

    assert result["output"]["message"] == {
        "role": "assistant",
        "content": [{"text": "Plain answer."}],
    }
    assert result["stopReason"] == "max_tokens"
    assert result["usage"] == {"inputTokens": 7, "outputTokens": 3, "totalTokens": 10}
    assert "latencyMs" in result["metrics"]
    assert emu.requests[-1]["stream"] is False


def test_converse_several_tool_uses(emu: BedrockEmulator) -> None:
    emu.push(
        tool_uses_response(
            [("a", {"x": 1}, "tooluse_1"), ("b", {"y": [2]})], text_before="Two calls."
        )
    )
    result = make_client(emu).converse(modelId=CLAUDE, messages=USER_HI)
    content = result["output"]["message"]["content"]

    assert content[0] == {"text": "Two calls."}
    assert content[1]["toolUse"] == {"toolUseId": "tooluse_1", "name": "a", "input": {"x": 1}}
    assert content[2]["toolUse"]["name"] == "b"
    assert content[2]["toolUse"]["input"] == {"y": [2]}
    assert content[2]["toolUse"]["toolUseId"].startswith("tooluse_")
    assert result["stopReason"] == "tool_use"


def test_default_and_string_push(emu: BedrockEmulator) -> None:
    client = make_client(emu)
    emu.push("queued text")
    assert stream_text(client) == "queued text"
    assert stream_text(client) == "Hello from the emulator."
    emu.default = text_response("new default")
    assert stream_text(client) == "new default"


# -- recording and responder ------------------------------------------------------


def test_requests_record_decoded_model_id_and_body(emu: BedrockEmulator) -> None:
    client = make_client(emu)
    messages = [
        {"role": "user", "content": [{"text": "first"}]},
        {"role": "assistant", "content": [{"text": "reply"}]},
        {"role": "user", "content": [{"text": "second"}]},
    ]
    client.converse_stream(
        modelId=PROFILE_ARN,
        messages=messages,
        system=[{"text": "be brief"}],
        inferenceConfig={"maxTokens": 50},
    )["stream"].close()
    client.converse(modelId=CLAUDE, messages=USER_HI)

    first, second = emu.wait_for_requests(2, timeout=2)
    assert first["model_id"] == PROFILE_ARN
    assert "%3A" in first["path"] and "%2F" in first["path"]
    assert first["stream"] is True
    assert first["body"]["messages"] == messages
    assert first["body"]["system"] == [{"text": "be brief"}]
    assert first["body"]["inferenceConfig"] == {"maxTokens": 50}
    assert "AWS4-HMAC-SHA256" in first["headers"]["Authorization"]
    assert second["model_id"] == CLAUDE
    assert second["stream"] is False


def test_wait_for_requests_times_out(emu: BedrockEmulator) -> None:
    with pytest.raises(TimeoutError):
        emu.wait_for_requests(1, timeout=0.1)


def agent_responder(request: dict[str, Any]) -> ScriptedResponse:
    # Call a tool for a fresh user question, answer once a tool result is back.
    body = request["body"]
    last = body["messages"][-1]
    question = [block["text"] for block in last["content"] if "text" in block]
    if last["role"] == "user" and question and "toolConfig" in body:
        return tool_use_response("search", {"q": question[0]})
    return text_response("Answer from tool results.")


def test_responder_computes_reply_from_request(emu: BedrockEmulator) -> None:
    emu.responder = agent_responder
    client = make_client(emu)
    tool_config = {
        "tools": [
            {
                "toolSpec": {
                    "name": "search",
                    "inputSchema": {"json": {"type": "object", "properties": {}}},
                }
            }
        ]
    }
    first = client.converse(
        modelId=CLAUDE,
        messages=[{"role": "user", "content": [{"text": "red shoes"}]}],
        toolConfig=tool_config,
    )
    tool_use = first["output"]["message"]["content"][0]["toolUse"]
    assert tool_use["input"] == {"q": "red shoes"}

    history = [
        {"role": "user", "content": [{"text": "red shoes"}]},
        first["output"]["message"],
        {
            "role": "user",
            "content": [
                {
                    "toolResult": {
                        "toolUseId": tool_use["toolUseId"],
                        "content": [{"text": "3 results"}],
                    }
                }
            ],
        },
    ]
    second = client.converse(modelId=CLAUDE, messages=history, toolConfig=tool_config)
    assert second["output"]["message"]["content"] == [{"text": "Answer from tool results."}]


def test_failing_responder_returns_internal_server_error(emu: BedrockEmulator) -> None:
    def broken(request: dict[str, Any]) -> ScriptedResponse:
        raise RuntimeError("responder bug")

    emu.responder = broken
    with pytest.raises(ClientError) as excinfo:
        make_client(emu).converse(modelId=CLAUDE, messages=USER_HI)
    assert excinfo.value.response["Error"]["Code"] == "InternalServerException"
    assert "responder bug" in excinfo.value.response["Error"]["Message"]


# -- disconnects, hangs, timeouts ---------------------------------------------------


def test_client_closing_early_counts_aborted_stream(emu: BedrockEmulator) -> None:
    client = make_client(emu)
    assert stream_text(client) == "Hello from the emulator."
    assert emu.aborted_streams == 0

    emu.push(text_response("one two three four five six", delay=0.2))
    response = client.converse_stream(modelId=CLAUDE, messages=USER_HI)
    stream = response["stream"]
    next(e for e in stream if "contentBlockDelta" in e)
    stream.close()

    assert emu.wait_for_aborted(1, timeout=2) == 1
    assert emu.active_streams == 0


def test_close_during_hang_is_noticed_quickly(emu: BedrockEmulator) -> None:
    emu.push(hang_response(30))
    stream = make_client(emu).converse_stream(modelId=CLAUDE, messages=USER_HI)["stream"]
    assert "messageStart" in next(iter(stream))
    closed_at = time.monotonic()
    stream.close()

    emu.wait_for_aborted(1, timeout=2)
    assert time.monotonic() - closed_at < 0.5


def test_hang_trips_client_read_timeout(emu: BedrockEmulator) -> None:
    emu.push(hang_response(10))
    client = make_client(emu, read_timeout=0.5)
    stream = client.converse_stream(modelId=CLAUDE, messages=USER_HI)["stream"]
    start = time.monotonic()
    # Mid-stream timeouts surface as urllib3's exception, not botocore's.
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        list(stream)
    assert time.monotonic() - start < 2
    stream.close()
    emu.wait_for_aborted(1, timeout=2)


def test_hang_then_continues(emu: BedrockEmulator) -> None:
    emu.push(hang_response(0.3, then=text_response("after the pause")))
    start = time.monotonic()
    assert stream_text(make_client(emu)) == "after the pause"
    assert time.monotonic() - start >= 0.3


def test_stop_ends_hanging_streams_promptly() -> None:
    emu = BedrockEmulator().start()
    emu.push(hang_response(30))
    stream = make_client(emu).converse_stream(modelId=CLAUDE, messages=USER_HI)["stream"]
    started = time.monotonic()
    emu.stop()
    assert time.monotonic() - started < 1.5
    with pytest.raises(Exception):  # noqa: B017 - body cut off; exact urllib3 error varies
        list(stream)
    assert emu.aborted_streams == 0


# -- concurrency ------------------------------------------------------------------


def run_concurrent_streams(emu: BedrockEmulator, count: int, first_delay: float) -> float:
    emu.default = text_response("concurrent reply", chunks=4, first_delay=first_delay)
    client = make_client(emu, max_pool_connections=count + 14)
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=count) as pool:
        texts = list(pool.map(lambda _: stream_text(client), range(count)))
    elapsed = time.monotonic() - start
    assert texts == ["concurrent reply"] * count
    assert len(emu.requests) == count
    return elapsed


def test_50_concurrent_streams_overlap(emu: BedrockEmulator) -> None:
    elapsed = run_concurrent_streams(emu, 50, first_delay=1.0)
    assert elapsed < 3.0
    assert emu.peak_active_streams == 50


def test_300_concurrent_streams_overlap(emu: BedrockEmulator) -> None:
    # A first token late enough that all 300 are open at once even on a busy machine; one
    # after another they would take 20 minutes.
    elapsed = run_concurrent_streams(emu, 300, first_delay=4.0)
    assert elapsed < 60.0
    assert emu.peak_active_streams == 300
    assert emu.aborted_streams == 0


# -- langchain-aws -----------------------------------------------------------------


def test_chat_bedrock_converse_stream(emu: BedrockEmulator) -> None:
    scripted = "Streaming through LangChain works fine."
    emu.push(text_response(scripted, chunks=5, delay=0.01))
    chunks = list(make_llm(emu).stream("hi"))
    texts = [chunk_text(c) for c in chunks if chunk_text(c)]

    assert len(texts) == 5
    assert "".join(texts) == scripted
    request = emu.requests[-1]
    assert request["stream"] is True
    assert request["model_id"] == CLAUDE
    assert request["body"]["messages"] == USER_HI


def test_chat_bedrock_converse_astream(emu: BedrockEmulator) -> None:
    scripted = "Async streaming works too."
    emu.push(text_response(scripted, chunks=4))

    async def collect() -> list[str]:
        return [chunk_text(c) async for c in make_llm(emu).astream("hi")]

    texts = [t for t in asyncio.run(collect()) if t]
    assert len(texts) == 4
    assert "".join(texts) == scripted
    assert emu.requests[-1]["stream"] is True


@pytest.mark.parametrize(
    ("model", "provider"),
    [(PROFILE_ARN, "anthropic"), ("acme.mystery-model-v1:0", "acme")],
    ids=["inference-profile-arn", "unknown-provider"],
)
def test_chat_bedrock_converse_streams_unrecognised_model_ids(
    emu: BedrockEmulator, model: str, provider: str
) -> None:
    emu.push(text_response("still streamed", chunks=3))
    chunks = list(make_llm(emu, model=model, provider=provider).stream("hi"))

    texts = [chunk_text(c) for c in chunks if chunk_text(c)]
    assert texts == ["still", " stre", "amed"]
    assert emu.requests[-1]["stream"] is True
    assert emu.requests[-1]["model_id"] == model
    expected_lookups = [model] if "inference-profile" in model else []
    assert emu.profile_lookups == expected_lookups


def test_chat_bedrock_converse_streams_tool_calls(emu: BedrockEmulator) -> None:
    emu.push(
        tool_use_response(
            "lookup_product",
            {"sku": "A-1", "qty": 2},
            tool_use_id="tooluse_xyz",
            text_before="Looking.",
        )
    )

    def lookup_product(sku: str, qty: int) -> str:
        """Look up a product by SKU."""
        return sku * qty

    llm = make_llm(emu).bind_tools([lookup_product])
    full: Any = None
    for chunk in llm.stream("find A-1"):
        full = chunk if full is None else full + chunk

    assert full.tool_calls == [
        {
            "name": "lookup_product",
            "args": {"sku": "A-1", "qty": 2},
            "id": "tooluse_xyz",
            "type": "tool_call",
        }
    ]
    tools = emu.requests[-1]["body"]["toolConfig"]["tools"]
    assert tools[0]["toolSpec"]["name"] == "lookup_product"


def test_chat_bedrock_converse_sees_mid_stream_error(emu: BedrockEmulator) -> None:
    emu.push(
        stream_error_response("modelStreamErrorException", "model fell over", after_text="partial")
    )
    with pytest.raises(EventStreamError) as excinfo:
        list(make_llm(emu).stream("hi"))
    assert excinfo.value.response["Error"]["Code"] == "modelStreamErrorException"
