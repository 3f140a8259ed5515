"""ChatBedrockConverse whose stream is read on the event loop, and how the shop builds it.

langchain-aws has no native async stream: BaseChatModel's default `_astream` runs every
`next()` of the blocking botocore iterator in the loop's default executor (a handful of
threads on small machines), so a few slow first tokens stall every other conversation. Here
each stream is an aiobotocore ConverseStream call read with `async for` on the loop that
asked for it (llm.bedrock_stream): no thread per stream, no hand-off between threads, and a
cancelled stream closes its HTTP connection at once.

The model owns its clients (the blocking boto3 one langchain-aws builds, used by the
non-streaming calls, and one aiobotocore client per event loop); llm.providers.bedrock builds
one model per process.
"""

import contextlib
import copy
from collections.abc import AsyncIterator, Sequence
from typing import Any

from botocore.config import Config
from langchain_aws import ChatBedrockConverse
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.runnables import Runnable
from pydantic import PrivateAttr

from llm.bedrock_stream import LoopClients, converse_stream_request, read_converse_stream
from llm.direct_stream import DirectStream


class ScalableChatBedrockConverse(DirectStream, ChatBedrockConverse):
    """ChatBedrockConverse whose `astream` reads ConverseStream on the event loop."""

    _loop_clients: LoopClients | None = PrivateAttr(default=None)

    @property
    def loop_clients(self) -> LoopClients:
        """The aiobotocore clients of this model, one per event loop."""
        if self._loop_clients is None:
            raise RuntimeError("built without stream clients: use build_bedrock_model")
        return self._loop_clients

    def bind_tools(  # type: ignore[override]
        self,
        tools: Sequence[Any],
        *,
        tool_choice: Any = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """The tools bound as Converse's `toolConfig`, built once.

        langchain-aws binds them in OpenAI's form and rebuilds Converse's form from that on
        every call (formatting each schema, stripping null `anyOf`s, camel-casing the keys);
        our tools are fixed for the process, so the model is bound to the result once.
        """
        bound = super().bind_tools(tools, tool_choice=tool_choice, strict=strict, **kwargs)
        options = dict(getattr(bound, "kwargs", {}))
        if not options.get("tools"):
            return bound  # system tools only: already a toolConfig
        # A copy: langchain-aws formats the tools in place, and they may be shared.
        tool_config = self._converse_params(
            tools=copy.deepcopy(options.pop("tools")), toolChoice=options.pop("tool_choice", None)
        )["toolConfig"]
        return self.bind(toolConfig=tool_config, **options)

    def _configure_streaming_for_resolved_model(self) -> None:
        # For inference-profile ARNs langchain-aws re-derives `disable_streaming` from the
        # resolved base model and silently falls back to the non-streaming API for models it
        # does not know. We always stream (ConverseStream serves every text model).
        self.disable_streaming = False

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        request = converse_stream_request(self, messages, stop, **kwargs)
        client = await self.loop_clients.get()
        async with contextlib.aclosing(read_converse_stream(self, client, request)) as chunks:
            async for chunk in chunks:
                if run_manager is not None:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk


def guardrail_options(settings: Any) -> dict[str, Any]:
    """The configured guardrail for ChatBedrockConverse, or nothing.

    Asynchronous stream processing lets text stream while the guardrail checks it; only the
    newest user turn is guarded, so old history is not checked again on every turn.
    """
    if not settings.BEDROCK_GUARDRAIL_ID:
        return {}
    return {
        "guardrail_config": {
            "guardrailIdentifier": settings.BEDROCK_GUARDRAIL_ID,
            "guardrailVersion": settings.BEDROCK_GUARDRAIL_VERSION,
            "trace": "enabled" if settings.BEDROCK_GUARDRAIL_TRACE else "disabled",
            "streamProcessingMode": "async",
        },
        "guard_last_turn_only": True,
    }


def client_config(settings: Any) -> Config:
    """botocore's configuration for both clients (the blocking one and the streaming ones)."""
    return Config(
        connect_timeout=settings.BEDROCK_CONNECT_TIMEOUT,
        read_timeout=settings.BEDROCK_READ_TIMEOUT,
        # total_max_attempts counts the first call (botocore's max_attempts does not).
        retries={"mode": "adaptive", "total_max_attempts": settings.BEDROCK_MAX_ATTEMPTS},
        # One pooled connection per concurrent stream (botocore's default is 10).
        max_pool_connections=settings.BEDROCK_MAX_CONCURRENT_STREAMS,
        # botocore checks every request against the service model before sending it, a walk
        # of the whole request (messages, tool schemas) per model call. Our requests are
        # built by langchain-aws from our own code, in a shape the emulator tests pin down;
        # Bedrock still validates them and answers ValidationException.
        parameter_validation=False,
    )


def build_bedrock_model(settings: Any) -> ScalableChatBedrockConverse:
    config = client_config(settings)
    model = ScalableChatBedrockConverse(
        model=settings.BEDROCK_MODEL_ID,
        # Needed for inference-profile ARNs, whose provider cannot be read off the id.
        # Empty means "read it off the id": the field is a str, None fails validation.
        provider=settings.BEDROCK_PROVIDER,
        region_name=settings.AWS_REGION,
        endpoint_url=settings.BEDROCK_ENDPOINT_URL,
        temperature=settings.LLM_TEMPERATURE,
        max_tokens=settings.LLM_MAX_TOKENS,
        config=config,
        # Stream even for model ids langchain-aws does not recognise (inference profile
        # ARNs, new models): otherwise it silently falls back to the non-streaming API.
        disable_streaming=False,
        **guardrail_options(settings),
    )
    model._loop_clients = LoopClients(
        region_name=settings.AWS_REGION,
        endpoint_url=settings.BEDROCK_ENDPOINT_URL or None,
        config=config,
    )
    model.loop_clients.warm()
    return model
