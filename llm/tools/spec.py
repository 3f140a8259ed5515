"""What the shop knows about one tool, in one place: `ToolSpec`.

Everything the rest of the project asks of a tool reads its spec: the model sees its name,
description and argument schema; the agent runs its function (bound to the chatting user when
it reads the user) and words its activity for the page; the offline demo model, which cannot
read descriptions, follows its `offline` rules.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from pydantic import BaseModel

# The offline model's rules are typed in their own module; these names are also read from here.
from llm.tools.offline_use import CONVERSATION_PRIORITY, Args, OfflineUse, Result

__all__ = [
    "CONVERSATION_PRIORITY",
    "Args",
    "OfflineUse",
    "Result",
    "ToolSpec",
    "User",
    "describe_error",
    "dump_capped",
    "parse_result",
]

User = AbstractBaseUser | AnonymousUser | None


def describe_error(result: Result) -> str:
    """The failure as the page shows it: the error given to the model, shortened."""
    return str(result["error"])[:200]


@dataclass(frozen=True, kw_only=True)
class ToolSpec:
    """One tool. `function` returns the result as JSON text (see `dump_capped`).

    `reads_user`: the function takes a `user` keyword, bound to the chatting user when the
    tools of a turn are built, so whatever the model asks for it only sees that user's data.
    `reads_owner`: the same with an `owner` keyword (a user or an anonymous visitor: carts).
    `writes`: the tool changes something, so it never runs when the model calls it: `propose`
    checks the arguments against the shop's data and words the action for the customer
    (raising ShopError when it cannot be done), and `function` runs only once the customer
    approved it (chat.services.action_decide).
    `cards`: what the page shows for a result besides the summary line (built from the
    result, which holds the shop's data; see llm.tools.cards).
    """

    name: str
    description: str
    args_schema: type[BaseModel]
    function: Callable[..., str]
    reads_user: bool
    describe_started: Callable[[Args], str]
    describe_finished: Callable[[Result], str]
    describe_failed: Callable[[Result], str] = describe_error
    reads_owner: bool = False
    writes: bool = False
    propose: Callable[..., str] | None = None  # (owner=..., **args) -> summary
    cards: Callable[[Result], list[dict[str, Any]]] | None = None
    offline: OfflineUse | None = None


def parse_result(text: str) -> Result | None:
    """A tool result as a dict, or None when it is not a JSON object."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def dump_capped(payload: dict[str, Any], list_key: str | None = None) -> str:
    """Compact JSON no longer than the configured cap, dropping list items if needed."""
    cap = settings.LLM_TOOL_RESULT_MAX_CHARS
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    while len(text) > cap and list_key and payload.get(list_key):
        payload[list_key] = payload[list_key][:-1]
        payload["truncated"] = True
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    if len(text) > cap:
        text = json.dumps({"error": "result too large", "truncated": True})
    return text
