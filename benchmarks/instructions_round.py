"""The counted workload of benchmarks.instructions, run by path with the measured checkout first
on PYTHONPATH: it imports only what every checkout has (`llm.agent._stream_round`, the
providers, the offline model, the Bedrock emulator)."""

import asyncio
import os
from typing import Any

import django

django.setup()

from django.conf import settings  # noqa: E402
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage  # noqa: E402

from llm.agent import _stream_round  # noqa: E402
from llm.providers import current  # noqa: E402

HISTORY: list[BaseMessage] = [
    SystemMessage("You help customers of the shop."),
    *(
        message
        for i in range(20)
        for message in (
            HumanMessage(f"Question {i}: do you have trail shoes?"),
            AIMessage("We have several pairs of trail shoes in stock, from 60 to 140. " * 2),
        )
    ),
]


async def rounds(bound: Any, question: str, before_each: Any) -> None:
    provider = current()
    warm_up, counted = int(os.environ["BENCH_WARM_UP"]), int(os.environ["BENCH_ROUNDS"])
    for _ in range(warm_up + counted):
        before_each()
        async for _event in _stream_round(bound, [*HISTORY, HumanMessage(question)], provider):
            pass


def offline() -> None:
    from llm.offline import OfflineChatModel
    from llm.tools import tool_schemas

    bound = OfflineChatModel(delay_ms=0).bind_tools(list(tool_schemas()))
    asyncio.run(rounds(bound, "write 60 words", lambda: None))


def bedrock() -> None:
    from devkit.bedrock_emulator import BedrockEmulator, text_response

    with BedrockEmulator() as emulator:
        settings.LLM_PROVIDER = "bedrock"
        settings.BEDROCK_ENDPOINT_URL = emulator.url
        settings.AWS_REGION = "us-east-1"
        settings.BEDROCK_MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0"
        settings.BEDROCK_PROVIDER = ""
        answer = ["Light ", "and ", "grippy, ", "with ", "a ", "firm ", "heel."]

        def push() -> None:
            emulator.push(text_response("".join(answer), chunks=answer))

        asyncio.run(rounds(current().bound_model(), "Which is lightest?", push))


if __name__ == "__main__":
    {"offline": offline, "bedrock": bedrock}[os.environ["BENCH_MODEL_KIND"]]()
