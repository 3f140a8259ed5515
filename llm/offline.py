"""The offline demo model: a LangChain chat model that needs no network.

It takes the same path as Bedrock (streamed AIMessageChunks, bound tools, real tool calls,
answers written from tool results), so development and tests exercise the real agent loop.
It cannot read tool descriptions, so each tool's spec carries rules for it (`OfflineUse`:
when to call the tool, how to word an answer from its result); this module holds only the
conversational rules (greetings, "repeat after me", "write N words") and the streaming.
"""

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from functools import cache
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from llm.tools import TOOL_SPECS, ToolSpec, spec_for
from llm.tools.spec import CONVERSATION_PRIORITY, parse_result

OFFLINE_MODEL_ID = "offline-demo"

_WORDS = re.compile(r"\b(?:write|give me|tell me)\b[^.?!]*?\b(\d{1,6})\s+words\b", re.I)
_REPEAT = re.compile(r"^\s*repeat after me:\s*(.+)$", re.I | re.S)
_SMALL_TALK = re.compile(r"^\s*(hi|hello|hey|thanks|thank you|ok|okay|bye)\b[\s!.]*$", re.I)
_FILLER = (
    "Our catalogue is organised so that you can compare products side by side, and every item "
    "links to its own page with the full description, price and current stock."
).split()


@cache
def offline_tools() -> tuple[ToolSpec, ...]:
    """The tools this model can use: every spec with offline rules, in the order it plans."""
    usable = [spec for spec in TOOL_SPECS if spec.offline is not None]
    return tuple(sorted(usable, key=lambda spec: spec.offline.priority))  # type: ignore[union-attr]


def _is_conversation(question: str) -> bool:
    return bool(_SMALL_TALK.match(question) or _WORDS.search(question) or _REPEAT.match(question))


def _plan_tool_call(question: str) -> tuple[str, dict[str, Any]] | None:
    """The first tool whose rule takes the question; a conversational question takes none."""
    conversation_checked = False
    for spec in offline_tools():
        offline = spec.offline
        assert offline is not None  # offline_tools() holds only specs with offline rules
        if offline.plan is None:
            continue
        if not conversation_checked and offline.priority >= CONVERSATION_PRIORITY:
            if _is_conversation(question):
                return None
            conversation_checked = True
        if (args := offline.plan(question)) is not None:
            return spec.name, args
    return None


def _answer_without_tools(question: str) -> str:
    if m := _REPEAT.match(question):
        return m.group(1).strip()
    if m := _WORDS.search(question):
        count = min(int(m.group(1)), 20000)
        return " ".join(_FILLER[i % len(_FILLER)] for i in range(count))
    if _SMALL_TALK.match(question):
        return (
            "Hello! I'm the shop's offline demo assistant. Ask me about products "
            "(for example “running shoes under 100”), our categories, or an order number."
        )
    return (
        "I can search the catalogue, list categories and check your orders. "
        "What are you looking for?"
    )


def _answer_from_result(tool_name: str, result: str) -> str:
    data = parse_result(result)
    if data is None:
        data = {"error": "unreadable tool result"}
    if "error" in data:
        return f"Sorry, I couldn't help with that: {data['error']}"
    spec = spec_for(tool_name)
    if spec is None or spec.offline is None:
        return "Done."
    return spec.offline.answer(data)


def _split_deltas(text: str, size: int = 4) -> list[str]:
    """Small deltas of a few code points, like a model's token stream."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class OfflineChatModel(BaseChatModel):
    """Streams rule-based answers with real tool calls; see the module docstring."""

    delay_ms: float = 0.0
    model_id: str = OFFLINE_MODEL_ID

    @property
    def _llm_type(self) -> str:
        return "offline-demo"

    def bind_tools(
        self, tools: Sequence[dict[str, Any] | type | BaseTool], **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _plan(self, messages: list[BaseMessage], tools: list[dict[str, Any]]) -> AIMessageChunk:
        """The whole reply for this round, as one chunk to be streamed in pieces."""
        tool_names = {t["function"]["name"] for t in tools}
        last = messages[-1] if messages else None
        if isinstance(last, ToolMessage):
            call_names = {
                c["id"]: c["name"]
                for m in messages
                if isinstance(m, AIMessage)
                for c in m.tool_calls
            }
            results = [m for m in messages[messages.index(last) :] if isinstance(m, ToolMessage)]
            answer = "\n\n".join(
                _answer_from_result(call_names.get(r.tool_call_id, ""), r.text) for r in results
            )
            return AIMessageChunk(content=answer)
        question = last.text if last is not None else ""
        plan = _plan_tool_call(question)
        if plan and plan[0] in tool_names:
            name, args = plan
            return AIMessageChunk(
                content="",
                tool_call_chunks=[
                    {
                        "name": name,
                        "args": json.dumps(args),
                        "id": f"tooluse_{uuid.uuid4().hex[:20]}",
                        "index": 0,
                        "type": "tool_call_chunk",
                    }
                ],
            )
        return AIMessageChunk(content=_answer_without_tools(question))

    def _pieces(self, reply: AIMessageChunk, messages: list[BaseMessage]) -> list[AIMessageChunk]:
        prompt_chars = sum(len(m.text) for m in messages)
        if reply.tool_call_chunks:
            call = reply.tool_call_chunks[0]
            args = call["args"] or ""
            half = len(args) // 2
            pieces = [
                AIMessageChunk(content="", tool_call_chunks=[{**call, "args": args[:half]}]),
                AIMessageChunk(
                    content="",
                    tool_call_chunks=[{**call, "name": None, "id": None, "args": args[half:]}],
                ),
            ]
            stop_reason, out_chars = "tool_use", len(args)
        else:
            text = reply.text
            pieces = [AIMessageChunk(content=d) for d in _split_deltas(text)]
            stop_reason, out_chars = "end_turn", len(text)
        pieces.append(
            AIMessageChunk(
                content="",
                response_metadata={"stopReason": stop_reason, "model_name": self.model_id},
                usage_metadata={
                    "input_tokens": prompt_chars // 4 + 1,
                    "output_tokens": out_chars // 4 + 1,
                    "total_tokens": (prompt_chars + out_chars) // 4 + 2,
                },
            )
        )
        return pieces

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        reply = self._plan(messages, kwargs.get("tools") or [])
        for piece in self._pieces(reply, messages):
            if self.delay_ms:
                time.sleep(self.delay_ms / 1000)
            yield ChatGenerationChunk(message=piece)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        reply = self._plan(messages, kwargs.get("tools") or [])
        for piece in self._pieces(reply, messages):
            # Always yield control, as a network stream would, so cancellation is prompt.
            await asyncio.sleep(self.delay_ms / 1000)
            yield ChatGenerationChunk(message=piece)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        merged: AIMessageChunk | None = None
        for chunk in self._stream(messages, stop, run_manager, **kwargs):
            merged = chunk.message if merged is None else merged + chunk.message  # type: ignore[assignment]
        message = AIMessage(
            content=merged.content if merged else "",
            tool_calls=merged.tool_calls if merged else [],
            usage_metadata=merged.usage_metadata if merged else None,
            response_metadata=merged.response_metadata if merged else {},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])
