"""A model whose deltas are wall-clock stamps, so a client can time each chunk's journey.

The question configures the stream: ``bench n=100 rate=20 size=0``. Each delta is
``⟨<time.time()>⟩`` taken right before it is yielded (``size=0``), or ``size`` plain ASCII
characters (``size>0``, for byte counts). ``rate`` is deltas per second; the first delta also
waits one interval, like a model's first token.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk

from benchmarks.stamps import FILL, parse_question, stamp
from llm.offline import OfflineChatModel


class StampedChatModel(OfflineChatModel):
    model_id: str = "bench-stamped"

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        question = messages[-1].text if messages else ""
        params = parse_question(question)
        count, size = int(min(params["n"], 100_000)), int(params["size"])
        interval = 1.0 / max(params["rate"], 0.001)
        piece = (FILL * (size // len(FILL) + 1))[:size] if size else ""
        next_at = time.monotonic()
        for _ in range(count):
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            text = piece or stamp()
            yield ChatGenerationChunk(message=AIMessageChunk(content=text))
        out = count * (size or 19)
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                response_metadata={"stopReason": "end_turn", "model_name": self.model_id},
                usage_metadata={
                    "input_tokens": len(question) // 4 + 1,
                    "output_tokens": out // 4 + 1,
                    "total_tokens": (len(question) + out) // 4 + 2,
                },
            )
        )
