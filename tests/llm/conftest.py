"""Fixtures for the LLM layer: Bedrock replaced at its wire boundary by a local emulator."""

import contextlib
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from devkit.bedrock_emulator import (
    BedrockEmulator,
    ScriptedResponse,
    text_response,
    tool_use_response,
)
from llm.agent import run_agent

MODEL_ID = "anthropic.claude-sonnet-4-5-20250929-v1:0"

# Words a shopper uses for things the test catalogue sells.
_PRODUCT_WORDS = frozenset(
    "shoe shoes running runner trail road racer jacket jackets rain waterproof".split()
)
_UNDER = re.compile(r"\bunder\s*€?\s*(\d+)", re.IGNORECASE)


async def agent_events(
    question: str = "Hello there", *, past: Sequence[Any] = (), user: Any = None
) -> list[Any]:
    """Every event of one agent turn with the configured model."""
    async with contextlib.aclosing(
        run_agent(question=question, past=list(past), user=user)
    ) as events:
        return [event async for event in events]


@pytest.fixture
def bedrock(
    settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[BedrockEmulator]:
    """A running Bedrock emulator that the configured provider talks to, as it would to AWS."""
    # Dummy credentials, and nothing from the developer's own AWS setup or the network.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "missing-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "missing-aws-credentials"))
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_BEARER_TOKEN_BEDROCK"):
        monkeypatch.delenv(name, raising=False)
    with BedrockEmulator() as emu:
        settings.LLM_PROVIDER = "bedrock"
        settings.BEDROCK_ENDPOINT_URL = emu.url
        settings.AWS_REGION = "us-east-1"
        settings.BEDROCK_MODEL_ID = MODEL_ID
        settings.BEDROCK_PROVIDER = ""
        settings.BEDROCK_READ_TIMEOUT = 5
        settings.BEDROCK_CONNECT_TIMEOUT = 2
        # Two attempts keep retried failures (throttling backs off ~1 s) quick to test.
        settings.BEDROCK_MAX_ATTEMPTS = 2
        yield emu


def _tool_result_payload(result: dict[str, Any]) -> Any:
    block = (result.get("content") or [{}])[0]
    if "json" in block:
        return block["json"]
    try:
        return json.loads(block.get("text") or "null")
    except ValueError:
        return None


def shop_model_responder(request: dict[str, Any]) -> ScriptedResponse:
    """A sensible shop model: search for product questions, then name what the search found."""
    body = request["body"]
    last = body["messages"][-1]
    results = [b["toolResult"] for b in last["content"] if "toolResult" in b]
    if results:
        payload = _tool_result_payload(results[0])
        products = payload.get("products") if isinstance(payload, dict) else None
        if products:
            first = products[0]
            return text_response(
                f"We have the {first['name']} for €{first['price']}: [{first['name']}]"
                f"({first['url']}).",
                chunks=4,
            )
        return text_response("I could not find anything matching that.", chunks=3)
    question = " ".join(b["text"] for b in last["content"] if "text" in b)
    words = [w for w in re.findall(r"[a-z]+", question.lower()) if w in _PRODUCT_WORDS]
    if last["role"] == "user" and words and "toolConfig" in body:
        args: dict[str, Any] = {"query": " ".join(words)}
        if under := _UNDER.search(question):
            args["max_price"] = float(under.group(1))
        return tool_use_response("search_products", args)
    return text_response("Hello! Ask me about our shoes and jackets.", chunks=3)


@pytest.fixture(params=["offline", "bedrock"])
def provider(request: pytest.FixtureRequest, settings: Any) -> str:
    """Each provider in turn, for behaviour every configured model must show."""
    if request.param == "bedrock":
        emu: BedrockEmulator = request.getfixturevalue("bedrock")
        emu.responder = shop_model_responder
    else:
        settings.LLM_PROVIDER = "offline"
    return request.param
