"""`astream` straight to the model's own `_astream` when nothing listens to the run.

BaseChatModel.astream wraps every call in LangChain's run bookkeeping: it configures a
callback manager, builds the invocation parameters and tracing metadata (a dump of the
model's fields), copies the messages for tracing, stamps a run id on every chunk and copies
its metadata, calls the callbacks per chunk, and merges every chunk once more at the end for
`on_llm_end`. When no handler is configured (no tracer, nothing in the call's config or on
the model, not verbose) nobody reads any of it: the agent merges what it needs itself. Then
the chunks come straight from `_astream`. Any handler (LangSmith tracing, a callback a caller
passes) sends the call down LangChain's own path, unchanged.
"""

from collections.abc import AsyncIterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManager
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.runnables import RunnableConfig, ensure_config

# Tracing metadata only, which LangChain's path pops before calling `_astream`.
_TRACING_ONLY = ("ls_structured_output_format", "structured_output_format")


class DirectStream(BaseChatModel):
    """Mixin for a chat model with a native `_astream`: see the module's docstring."""

    async def astream(  # type: ignore[override]
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        messages = self._convert_input(input).to_messages()
        if not self._direct(config, messages, kwargs):
            async for chunk in super().astream(messages, config, stop=stop, **kwargs):
                yield chunk
            return
        for key in _TRACING_ONLY:
            kwargs.pop(key, None)
        async for generation in self._astream(messages, stop=stop, **kwargs):
            yield generation.message  # type: ignore[misc]

    def _direct(
        self, config: RunnableConfig | None, messages: list[BaseMessage], kwargs: dict[str, Any]
    ) -> bool:
        """Whether LangChain's run bookkeeping would have no reader for this call."""
        if (
            self.rate_limiter is not None
            or self.output_version == "v1"
            or not self._should_stream(async_api=True, **{**kwargs, "stream": True})
            # Content blocks are normalised to the provider's form on LangChain's path.
            or any(not isinstance(message.content, str) for message in messages)
        ):
            return False
        config = ensure_config(config)
        manager = AsyncCallbackManager.configure(
            config.get("callbacks"), self.callbacks, self.verbose
        )
        return not manager.handlers
