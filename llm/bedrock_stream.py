"""ConverseStream read on the event loop: no thread per stream.

The request is the one langchain-aws builds for `ChatBedrockConverse._stream` (its own message
conversion, guardrail, cache points and parameters), sent through an aiobotocore client, so
botocore still serialises, signs, retries and parses the event stream; the events are read
with `async for` on the loop that asked for them.

Text deltas become plain string chunks, the only thing the agent reads of them; every other
event goes through langchain-aws's own parser. Events that carry nothing (a message or block
starting or stopping without content) are not turned into chunks at all.
"""

import asyncio
import threading
import warnings
import weakref
from collections.abc import AsyncIterator
from typing import Any

from aiobotocore.session import AioSession, get_session
from botocore.exceptions import ClientError
from langchain_aws import ChatBedrockConverse
from langchain_aws.chat_models.bedrock_converse import (
    _apply_response_format,
    _convert_tool_blocks_to_text,
    _extract_thinking_tokens,
    _handle_bedrock_error,
    _has_tool_use_or_result_blocks,
    _messages_to_bedrock,
    _parse_stream_event,
    _raise_if_context_overflow,
    _snake_to_camel_keys,
)
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk

MODEL_PROVIDER = "bedrock_converse"


def converse_stream_request(
    model: ChatBedrockConverse, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any
) -> dict[str, Any]:
    """The ConverseStream parameters `model._stream` would send, built by langchain-aws."""
    if model.raw_blocks is not None:
        bedrock_messages, system = model.raw_blocks, []
    else:
        bedrock_messages, system = _messages_to_bedrock(
            messages, model.system, model_id=model._get_base_model(), provider=model.provider
        )
        if model.guard_last_turn_only:
            model._apply_guard_last_turn_only(bedrock_messages)
    kwargs = {k: v for k, v in kwargs.items() if k != "disable_streaming"}
    additional_fields = kwargs.pop("additional_model_request_fields", None)
    reasoning_effort = kwargs.pop("reasoning_effort", None)
    if reasoning_effort is not None:
        effort_fields = model._reasoning_effort_fields(reasoning_effort)
        if effort_fields:
            additional_fields = {**effort_fields, **(additional_fields or {})}
    _apply_response_format(kwargs)
    cache_control = kwargs.pop("cache_control", None)
    # Bound once in Converse's form (ScalableChatBedrockConverse.bind_tools): not walked again.
    tool_config = kwargs.pop("toolConfig", None)
    params = model._converse_params(
        stop=stop,
        additionalModelRequestFields=additional_fields,
        toolConfig=tool_config,
        **_snake_to_camel_keys(kwargs, excluded_keys={"inputSchema", "properties", "thinking"}),
    )
    if tool_config is not None:
        # The cache point goes at the end of this request's tool list, not the shared one.
        params["toolConfig"] = {**params["toolConfig"], "tools": list(tool_config["tools"])}
    model._apply_cache_points(cache_control, system, bedrock_messages, params)
    if params.get("toolConfig") is None and _has_tool_use_or_result_blocks(bedrock_messages):
        warnings.warn(
            "Tool messages were passed without toolConfig, converting to text format",
            RuntimeWarning,
            stacklevel=2,
        )
        bedrock_messages = _convert_tool_blocks_to_text(bedrock_messages)
    return {"messages": bedrock_messages, "system": system, **params}


def _text_delta(event: dict[str, Any]) -> str | None:
    delta = event.get("contentBlockDelta")
    if delta is None:
        return None
    text = delta["delta"].get("text")
    return text if isinstance(text, str) and len(delta["delta"]) == 1 else None


async def read_converse_stream(
    model: ChatBedrockConverse, client: Any, request: dict[str, Any]
) -> AsyncIterator[ChatGenerationChunk]:
    """The chunks of one ConverseStream call; the HTTP response is closed however it ends, so
    a cancelled stream drops its connection instead of reading the rest of the answer."""
    try:
        response = await client.converse_stream(**request)
    except ClientError as exc:
        _handle_bedrock_error(exc)
        raise
    stream = response["stream"]
    model_name = model.base_model_id or model.model_id
    received_stop = False
    reasoning_tokens: int | None = None
    try:
        async for event in stream:
            text = _text_delta(event)
            if text is not None:
                chunk: Any = AIMessageChunk(content=text)
            elif "messageStart" in event or "contentBlockStop" in event:
                continue
            else:
                if "messageStop" in event:
                    received_stop = True
                    reasoning_tokens = _extract_thinking_tokens(
                        event["messageStop"].get("additionalModelResponseFields")
                    )
                chunk = _parse_stream_event(event, reasoning_tokens=reasoning_tokens)
                if chunk is None:
                    continue
                if chunk.usage_metadata:
                    chunk.response_metadata["model_name"] = model_name
                    if "application-inference-profile" in model.model_id:
                        chunk.response_metadata["inference_profile_id"] = model.model_id
            chunk.response_metadata["model_provider"] = MODEL_PROVIDER
            yield ChatGenerationChunk(message=chunk)
    except ClientError as exc:
        # Bedrock can also report a context overflow as an event once the stream is open.
        _raise_if_context_overflow(exc)
        raise
    finally:
        stream.close()
    if not received_stop:
        raise ConnectionError("Incomplete Bedrock response stream: missing messageStop event.")


class LoopClients:
    """One aiobotocore bedrock-runtime client per event loop, created on first use there.

    An aiohttp session belongs to the loop it was opened on; a worker has one loop, so one
    client and one connection pool, but code run through `async_to_sync` brings its own.
    """

    def __init__(self, **client_kwargs: Any) -> None:
        self._session: AioSession = get_session()
        self._kwargs = client_kwargs
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        self._opening: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[Any]] = (
            weakref.WeakKeyDictionary()
        )

    async def get(self) -> Any:
        """This loop's client; concurrent first callers share one creation."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is not None:
            return client
        opening = self._opening.get(loop)
        if opening is None:
            opening = self._opening[loop] = loop.create_task(self._open())
        try:
            client = await asyncio.shield(opening)
        finally:
            if opening.done():
                self._opening.pop(loop, None)
        self._clients[loop] = client
        return client

    async def _open(self) -> Any:
        return await self._session.create_client("bedrock-runtime", **self._kwargs).__aenter__()

    def warm(self) -> None:
        """Open and close one client now, on a loop of its own in another thread, so that
        the service model and endpoint rules it reads from disk are cached in the session
        before the first stream (and the caller's thread keeps whatever loop it has)."""

        async def open_and_close() -> None:
            client = await self._open()
            await client.__aexit__(None, None, None)

        thread = threading.Thread(target=asyncio.run, args=(open_and_close(),))
        thread.start()
        thread.join()

    async def close(self) -> None:
        """Close this loop's client (its connections); the next stream opens a new one."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.__aexit__(None, None, None)
