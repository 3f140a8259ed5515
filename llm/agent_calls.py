"""The tool calls of one model round, answered: each read tool run, each write proposed.

A call to a tool that writes never runs here: it becomes an action for the customer to approve
(`ActionProposed`), or, where it cannot be one, a failed result the model reads. Every other
call runs its tool and gives the model its result (`ToolResult`, which the agent adds to the
messages and does not pass on). See docs/agent.md.
"""

import json
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from pydantic import ValidationError

from llm.agent_events import ActionProposed, ToolFinished, ToolStarted
from llm.tools import describe_finished, describe_started, propose, spec_for
from metrics import record
from shop.errors import ShopError
from shop.owners import Owner

logger = logging.getLogger(__name__)

NO_APPROVAL_HERE = (
    "Changes need the customer's approval, which only the chat can ask for; nothing was changed."
)
INVALID_JSON = "The tool arguments were not valid JSON."


@dataclass(frozen=True, slots=True)
class ToolResult:
    """A call's result as the model reads it next round."""

    message: ToolMessage


async def answer_calls(
    calls: list[dict[str, Any]], *, tools: Mapping[str, BaseTool], owner: Owner | None
) -> AsyncIterator[ActionProposed | ToolStarted | ToolFinished | ToolResult]:
    """For each call in order: ActionProposed, or ToolStarted, ToolResult and ToolFinished."""
    for call in calls:
        refused: ToolFinished | None = None
        if _writes(call["name"]):
            outcome = await _propose(owner, call)
            if isinstance(outcome, ActionProposed):
                yield outcome
                continue
            refused = outcome
        yield ToolStarted(
            call_id=call["id"],
            name=call["name"],
            args=call["args"],
            description=describe_started(call["name"], call["args"]),
        )
        started = time.monotonic()
        if refused is not None:
            ok, result = False, refused.result
        elif call.get("invalid"):
            ok, result = False, json.dumps({"error": INVALID_JSON})
        else:
            ok, result = await _run_tool(tools.get(call["name"]), call["name"], call["args"])
        record.tool_call_finished(call["name"], ok=ok, seconds=time.monotonic() - started)
        yield ToolResult(
            ToolMessage(
                content=result, tool_call_id=call["id"], status="success" if ok else "error"
            )
        )
        yield _finished(call, ok=ok, result=result)


async def _run_tool(tool: BaseTool | None, name: str, args: dict[str, Any]) -> tuple[bool, str]:
    if tool is None:
        return False, json.dumps({"error": f"Unknown tool {name!r}."})
    try:
        return True, str(await tool.ainvoke(args))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()
        )
        return False, json.dumps({"error": f"Invalid arguments: {problems}"})
    except (ValueError, TypeError, LookupError) as exc:
        logger.info("tool failed", extra={"tool": name, "error": type(exc).__name__})
        return False, json.dumps({"error": f"{name} failed: {type(exc).__name__}"})


async def _propose(owner: Owner | None, call: dict[str, Any]) -> ActionProposed | ToolFinished:
    """A write tool's call as an action for the customer, or (as a failed tool result) the
    reason it cannot be one."""
    failure: str | None = None
    if owner is None:
        failure = NO_APPROVAL_HERE
    elif call.get("invalid"):
        failure = INVALID_JSON
    else:
        try:
            args, summary = await sync_to_async(propose)(
                call["name"], owner=owner, args=call["args"]
            )
        except ShopError as exc:
            failure = exc.detail
        else:
            return ActionProposed(call_id=call["id"], name=call["name"], args=args, summary=summary)
    return _finished(call, ok=False, result=json.dumps({"error": failure}, ensure_ascii=False))


def _finished(call: dict[str, Any], *, ok: bool, result: str) -> ToolFinished:
    return ToolFinished(
        call_id=call["id"],
        name=call["name"],
        args=call["args"],
        ok=ok,
        result=result,
        summary=describe_finished(call["name"], result),
    )


def _writes(name: str) -> bool:
    spec = spec_for(name)
    return spec is not None and spec.writes
