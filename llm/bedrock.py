"""ChatBedrockConverse with a streaming path that scales and can be cancelled.

langchain-aws has no native async stream: BaseChatModel's default `_astream` runs every
`next()` of the blocking botocore iterator in the event loop's default executor (a handful
of threads on small machines), so a few slow first tokens stall every other conversation.
Here each stream reads its events in one thread of a pool sized for the concurrency we
promise, hands chunks to the loop, and on cancellation shuts the HTTP socket down so that a
thread blocked reading it is released at once.

The model owns its reader pool and its client; llm.providers.bedrock builds one per process.
"""

import asyncio
import collections
import contextlib
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.config import Config
from langchain_aws import ChatBedrockConverse
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import PrivateAttr

_DONE = object()


class _StreamHolder:
    def __init__(self) -> None:
        self.stream: Any = None
        self.cancelled = threading.Event()

    def cancel(self) -> None:
        self.cancelled.set()
        if self.stream is not None:
            # Shut the socket down rather than close the response: close() waits for the
            # read lock a blocked reader holds (up to the read timeout, on the event loop),
            # while shutdown wakes that reader at once; its own `finally` then closes.
            with contextlib.suppress(Exception):
                self.stream._raw_stream.shutdown()


class ScalableChatBedrockConverse(ChatBedrockConverse):
    """ChatBedrockConverse whose `astream` uses a sized pool and shuts its socket on cancel."""

    stream_workers: int = 256
    _pool: ThreadPoolExecutor | None = PrivateAttr(default=None)
    _pool_lock: Any = PrivateAttr(default_factory=threading.Lock)
    # The stream holder of the reader thread, for the botocore hook that runs in that thread.
    _reading: threading.local = PrivateAttr(default_factory=threading.local)

    def stream_pool(self) -> ThreadPoolExecutor:
        """The threads that read this model's streams, started as streams need them."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self.stream_workers, thread_name_prefix="bedrock-stream"
                )
            return self._pool

    def remember_event_stream(self, parsed: dict[str, Any] | None = None, **_: Any) -> None:
        """botocore hook: keep the open EventStream of the calling thread, to shut on cancel."""
        holder = getattr(self._reading, "holder", None)
        if holder is not None and parsed and "stream" in parsed:
            holder.stream = parsed["stream"]

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
        loop = asyncio.get_running_loop()
        handoff = _Handoff(loop)
        holder = _StreamHolder()

        def produce() -> None:
            self._reading.holder = holder
            try:
                for chunk in self._stream(messages, stop, None, **kwargs):
                    if holder.cancelled.is_set():
                        return
                    handoff.put(chunk)
            except BaseException as exc:  # handed to the consumer side
                if not holder.cancelled.is_set():
                    handoff.put(exc)
            finally:
                self._reading.holder = None
                handoff.put(_DONE)

        loop.run_in_executor(self.stream_pool(), produce)
        try:
            while True:
                for item in await handoff.take():
                    if item is _DONE:
                        return
                    if isinstance(item, BaseException):
                        raise item
                    if run_manager is not None:
                        await run_manager.on_llm_new_token(item.text, chunk=item)
                    yield item
        finally:
            holder.cancel()


class _Handoff:
    """Chunks from a reader thread to the event loop, waking the loop once per batch.

    Each `call_soon_threadsafe` writes to the loop's self-pipe; when the loop is busy, chunks
    that arrive meanwhile ride along with the pending wake-up instead of adding their own.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._items: collections.deque[Any] = collections.deque()
        self._lock = threading.Lock()
        self._wake_pending = False
        self._ready = asyncio.Event()

    def put(self, item: Any) -> None:
        """From the reader thread."""
        self._items.append(item)
        with self._lock:
            if self._wake_pending:
                return
            self._wake_pending = True
        with contextlib.suppress(RuntimeError):  # the loop may already be closed
            self._loop.call_soon_threadsafe(self._ready.set)

    async def take(self) -> list[Any]:
        """On the loop: everything handed over so far (waits for at least one item)."""
        while True:
            self._ready.clear()
            with self._lock:
                self._wake_pending = False
            if self._items:
                batch = list(self._items)
                for _ in batch:
                    self._items.popleft()
                return batch
            await self._ready.wait()


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


def build_bedrock_model(settings: Any) -> ScalableChatBedrockConverse:
    workers = settings.BEDROCK_MAX_CONCURRENT_STREAMS
    config = Config(
        connect_timeout=settings.BEDROCK_CONNECT_TIMEOUT,
        read_timeout=settings.BEDROCK_READ_TIMEOUT,
        # total_max_attempts counts the first call (botocore's max_attempts does not).
        retries={"mode": "adaptive", "total_max_attempts": settings.BEDROCK_MAX_ATTEMPTS},
        # One pooled connection per concurrent stream (botocore's default is 10).
        max_pool_connections=workers,
        # botocore checks every request against the service model before sending it, a walk
        # of the whole request (messages, tool schemas) per model call. Our requests are
        # built by langchain-aws from our own code, in a shape the emulator tests pin down;
        # Bedrock still validates them and answers ValidationException.
        parameter_validation=False,
    )
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
        stream_workers=workers,
        **guardrail_options(settings),
    )
    # Once per client: lets a cancelled stream shut its HTTP socket (see remember_event_stream).
    model.client.meta.events.register(
        "after-call.bedrock-runtime.ConverseStream",
        model.remember_event_stream,
        unique_id="shop-remember-event-stream",
    )
    return model
