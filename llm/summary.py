"""Memory beyond the window: the older part of a long conversation, summarised by the model.

chat.summaries decides when (after an answer, never on a question's path) and what: the
messages older than the recent turns the model reads in full. The summary then stands for them
in the model's input, after the system prompt (llm.history.build_model_input). The offline
model answers SUMMARY_PROMPT with a deterministic extractive summary (llm.offline).
"""

import json
from collections.abc import Sequence

from langchain_core.messages import HumanMessage, SystemMessage

from llm.history import PastMessage
from llm.prompts import SUMMARY_PROMPT
from llm.providers import Provider, current

MAX_SUMMARY_CHARS = 2000
TRANSCRIPT_LINE_CHARS = 600


def transcript(previous: str, messages: Sequence[PastMessage]) -> str:
    """The text the summariser reads: the earlier summary, then one line per message (tool
    results by name and size only: their data is in the products and orders named around)."""
    lines = [f"Earlier summary: {previous}"] if previous else []
    for message in messages:
        text = " ".join(message.content.split())[:TRANSCRIPT_LINE_CHARS]
        if message.role == "user" and text:
            lines.append(f"Customer: {text}")
        elif message.role == "assistant" and text:
            lines.append(f"Assistant: {text}")
        elif message.role == "tool":
            lines.append(f"(looked up {message.tool_name or 'a tool'}: {_result_gist(message)})")
    return "\n".join(lines)


def _result_gist(message: PastMessage) -> str:
    try:
        data = json.loads(message.content)
    except ValueError:
        return "done"
    if not isinstance(data, dict):
        return "done"
    names = [p.get("name") for p in data.get("products", []) if isinstance(p, dict)]
    if names:
        return ", ".join(str(n) for n in names[:5])
    return ", ".join(sorted(data)[:5]) or "done"


async def summarise(
    *, previous: str, messages: Sequence[PastMessage], provider: Provider | None = None
) -> str:
    """A summary of `previous` (an earlier summary) followed by `messages`."""
    model = (provider or current()).chat_model()
    reply = await model.ainvoke(
        [SystemMessage(SUMMARY_PROMPT), HumanMessage(transcript(previous, messages))]
    )
    return " ".join(reply.text.split())[:MAX_SUMMARY_CHARS]
