"""The offline demo model: a LangChain chat model that needs no network.

It takes the same path as Bedrock (streamed AIMessageChunks, bound tools, real tool calls,
answers written from tool results), so development and tests exercise the real agent loop.
It cannot read tool descriptions, so each tool has rules (`OfflineUse`: when to call it, given
the question and the tool results the conversation holds, and how to word an answer from its
result), in its spec or, for the cart and order actions, in `llm.offline_cart`. This module
reads the conversation into a `Turn`, plans each round by those rules (several calls in one
round when a request names several products; a call already made in the turn is not made
again, so a rule can follow up on an earlier round's result), answers the last round's
results, and holds the conversational rules (greetings, "repeat after me", "write N words")
and the streaming.
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
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from llm.direct_stream import DirectStream
from llm.history import read_context
from llm.offline_cart import CART_RULES
from llm.prompts import SUMMARY_PROMPT
from llm.tools import TOOL_SPECS
from llm.tools.offline_use import CONVERSATION_PRIORITY, Args, OfflineUse, Outcome, Turn
from llm.tools.spec import parse_result

OFFLINE_MODEL_ID = "offline-demo"

_WORDS = re.compile(r"\b(?:write|give me|tell me)\b[^.?!]*?\b(\d{1,6})\s+words\b", re.I)
_REPEAT = re.compile(r"^\s*repeat after me:\s*(.+)$", re.I | re.S)
_SMALL_TALK = re.compile(r"^\s*(hi|hello|hey|thanks|thank you|ok|okay|bye)\b[\s!.]*$", re.I)
_FILLER = (
    "Our catalogue is organised so that you can compare products side by side, and every item "
    "links to its own page with the full description, price and current stock."
).split()


@cache
def offline_rules() -> tuple[tuple[str, OfflineUse], ...]:
    """(tool name, rules) for every tool this model can use, in the order it plans.

    The specs' own rules, then the cart and order rules of `llm.offline_cart` for the tools
    whose spec has none; a rule is used only while its tool is bound.
    """
    rules = [(spec.name, spec.offline) for spec in TOOL_SPECS if spec.offline is not None]
    named = {name for name, _ in rules}
    rules += [(name, rule) for name, rule in CART_RULES.items() if name not in named]
    return tuple(sorted(rules, key=lambda rule: rule[1].priority))


def _rule_for(name: str) -> OfflineUse | None:
    return next((rule for rule_name, rule in offline_rules() if rule_name == name), None)


def read_turn(messages: Sequence[BaseMessage]) -> tuple[Turn, list[Outcome]]:
    """The question being answered (and the product page it was asked on), the tool calls
    around it, and the last round's calls."""
    asked = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
    calls: dict[str, tuple[str, Args, int]] = {}
    earlier: list[Outcome] = []
    done: list[tuple[int, Outcome]] = []
    for i, message in enumerate(messages):
        if isinstance(message, AIMessage):
            calls |= {c["id"]: (c["name"], c["args"], i) for c in message.tool_calls if c["id"]}
        elif isinstance(message, ToolMessage) and message.tool_call_id in calls:
            name, args, round_at = calls[message.tool_call_id]
            result = parse_result(message.text)
            outcome = Outcome(
                name, args, {"error": "unreadable tool result"} if result is None else result
            )
            if i > asked:
                done.append((round_at, outcome))
            else:
                earlier.append(outcome)
    page, question = read_context(messages[asked].text if asked >= 0 else "")
    last_round = [o for at, o in done if at == done[-1][0]] if done else []
    turn = Turn(question, tuple(earlier), tuple(o for _, o in done), page=page)
    return turn, last_round


def _is_conversation(question: str) -> bool:
    return bool(_SMALL_TALK.match(question) or _WORDS.search(question) or _REPEAT.match(question))


def plan_reply(turn: Turn, tool_names: set[str]) -> list[tuple[str, Args]] | str | None:
    """The next tool calls (all in one round), a question back, or None: answer now.

    Rules are tried by priority; the first that plans a call not yet made in this turn wins.
    A rule whose question lacks what its call needs may ask instead ("which one?").
    """
    conversation_checked = bool(turn.done)
    for name, rule in offline_rules():
        if name not in tool_names or rule.plan is None:
            continue
        if not conversation_checked and rule.priority >= CONVERSATION_PRIORITY:
            if _is_conversation(turn.question):
                return None
            conversation_checked = True
        planned = rule.plan(turn)
        new = [args for args in planned if not turn.made(name, args)]
        if new:
            return [(name, args) for args in new]
        if not planned and rule.clarify is not None and (text := rule.clarify(turn)):
            return text
    return None


def _answer_without_tools(question: str, tool_names: set[str]) -> str:
    if m := _REPEAT.match(question):
        return m.group(1).strip()
    if m := _WORDS.search(question):
        count = min(int(m.group(1)), 20000)
        return " ".join(_FILLER[i % len(_FILLER)] for i in range(count))
    if _SMALL_TALK.match(question):
        return (
            "Hello! I'm the shop's offline demo assistant. Ask me about products "
            "(for example “running shoes under €150”), our categories, or an order number."
        )
    can = "search the catalogue, compare products, list categories and check your orders"
    if "add_to_cart" in tool_names:
        can = "search the catalogue, compare products, fill your cart and check your orders"
    return f"I can {can}. What are you looking for?"


def _not_done(outcome: Outcome) -> str:
    """A call that did not happen or failed, plainly: nothing changed, or why not."""
    data = outcome.result
    if "declined" in data:
        return "You declined, so nothing was changed."
    if "expired" in data:
        return (
            "Nothing was changed: the request expired before you answered. "
            "Ask again if you still want it."
        )
    if data.get("login_required"):
        login = data.get("login_url") or "/accounts/login/"
        text = f"Please [log in]({login}) first: I can only see your orders once you are logged in."
        if number := outcome.args.get("order_number"):
            text += f" Then ask me again about {number}."
        return text
    error = data.get("error")
    detail = error.get("detail", "") if isinstance(error, dict) else error
    return f"Sorry, I couldn't help with that: {detail}"


def answer_round(outcomes: Sequence[Outcome], turn: Turn) -> str:
    """The reply from the last round's results, each tool's calls answered together."""
    parts: list[str] = []
    names = list(dict.fromkeys(o.name for o in outcomes))
    for name in names:
        calls = [o for o in outcomes if o.name == name]
        parts += [_not_done(o) for o in calls if not o.ok]
        succeeded = [o for o in calls if o.ok]
        if succeeded:
            rule = _rule_for(name)
            parts.append(rule.answer(succeeded, turn) if rule else "Done.")
    return "\n\n".join(dict.fromkeys(parts))


def extractive_summary(transcript: str) -> str:
    """What the customer asked and the assistant's first sentence each time, in order: the
    same transcript always gives the same summary."""
    kept = []
    for line in transcript.splitlines():
        speaker, _, text = line.partition(": ")
        if speaker == "Earlier summary":
            kept.append(text)
        elif speaker in ("Customer", "Assistant") and text:
            first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0][:160]
            who = "The customer asked" if speaker == "Customer" else "The assistant said"
            kept.append(f"{who}: {first}")
    return " ".join(kept)[:2000] or "Nothing to summarise."


def _split_deltas(text: str, size: int = 4) -> list[str]:
    """Small deltas of a few code points, like a model's token stream."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class OfflineChatModel(DirectStream, BaseChatModel):
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
        if (
            messages
            and isinstance(messages[0], SystemMessage)
            and messages[0].text == SUMMARY_PROMPT
        ):
            return AIMessageChunk(content=extractive_summary(messages[-1].text))
        tool_names = {t["function"]["name"] for t in tools}
        turn, last_round = read_turn(messages)
        reply = plan_reply(turn, tool_names)
        if isinstance(reply, list):
            return AIMessageChunk(
                content="",
                tool_call_chunks=[
                    {
                        "name": name,
                        "args": json.dumps(args),
                        "id": f"tooluse_{uuid.uuid4().hex[:20]}",
                        "index": index,
                        "type": "tool_call_chunk",
                    }
                    for index, (name, args) in enumerate(reply)
                ],
            )
        if isinstance(reply, str):
            return AIMessageChunk(content=reply)
        if last_round:
            return AIMessageChunk(content=answer_round(last_round, turn))
        return AIMessageChunk(content=_answer_without_tools(turn.question, tool_names))

    def _pieces(self, reply: AIMessageChunk, messages: list[BaseMessage]) -> list[AIMessageChunk]:
        prompt_chars = sum(len(m.text) for m in messages)
        if reply.tool_call_chunks:
            # Each call's arguments arrive in two halves, as a model's partial JSON does.
            pieces = []
            for call in reply.tool_call_chunks:
                args = call["args"] or ""
                half = len(args) // 2
                pieces += [
                    AIMessageChunk(content="", tool_call_chunks=[{**call, "args": args[:half]}]),
                    AIMessageChunk(
                        content="",
                        tool_call_chunks=[{**call, "name": None, "id": None, "args": args[half:]}],
                    ),
                ]
            stop_reason = "tool_use"
            out_chars = sum(len(c["args"] or "") for c in reply.tool_call_chunks)
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
