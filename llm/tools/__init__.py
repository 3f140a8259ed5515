"""The assistant's tools, one `ToolSpec` each (llm/tools/spec.py), grouped by module.

A new tool is one spec in a group module (or a new module) listed in `TOOL_SPECS`: the model's
tool list, the agent's tool lines and the offline demo model all read it from there. Tools are
built per turn with the user (or owner) closed over, so order lookups only ever see that
user's orders and cart tools that owner's cart.

A tool that writes is built without its function: what the agent can invoke only refuses.
Its function is reachable only through `run_approved`, which chat.services calls once the
customer's approval is stored, so nothing the model says can make a write happen.
"""

import json
from collections.abc import Callable
from functools import cache, partial
from typing import Any

from asgiref.sync import sync_to_async
from langchain_core.tools import BaseTool, StructuredTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ValidationError

from llm.tools.cart import ADD_TO_CART, UPDATE_CART_ITEM, VIEW_CART
from llm.tools.catalogue import GET_PRODUCT_DETAILS, LIST_CATEGORIES, SEARCH_PRODUCTS
from llm.tools.orders import CANCEL_ORDER, CHECK_ORDER_STATUS
from llm.tools.spec import Args, ToolSpec, User, describe_error, parse_result
from shop.errors import ShopError
from shop.owners import Owner

__all__ = [
    "TOOL_SPECS",
    "ToolSpec",
    "User",
    "build_tools",
    "cards_for",
    "describe_finished",
    "describe_started",
    "propose",
    "run_approved",
    "spec_for",
    "tool_schemas",
]

# In the order the model is shown them.
TOOL_SPECS: tuple[ToolSpec, ...] = (
    SEARCH_PRODUCTS,
    GET_PRODUCT_DETAILS,
    LIST_CATEGORIES,
    CHECK_ORDER_STATUS,
    VIEW_CART,
    ADD_TO_CART,
    UPDATE_CART_ITEM,
    CANCEL_ORDER,
)
_BY_NAME = {spec.name: spec for spec in TOOL_SPECS}


def spec_for(name: str) -> ToolSpec | None:
    return _BY_NAME.get(name)


def _async_tool(spec: ToolSpec, func: Callable[..., str]) -> BaseTool:
    async def run(**kwargs: Any) -> str:
        return await sync_to_async(func)(**kwargs)

    return StructuredTool.from_function(
        coroutine=run, name=spec.name, description=spec.description, args_schema=spec.args_schema
    )


def _needs_approval(**kwargs: Any) -> str:
    return json.dumps({"error": "This action needs the customer's approval in the chat."})


def _bound(spec: ToolSpec, user: User, owner: Owner | None) -> Callable[..., str]:
    if spec.writes:
        return _needs_approval
    if spec.reads_user:
        return partial(spec.function, user=user)
    if spec.reads_owner:
        return partial(spec.function, owner=owner)
    return spec.function


def build_tools(*, user: User, owner: Owner | None = None) -> list[BaseTool]:
    """Every tool for one turn; those that read the user (or owner) get it fixed."""
    return [_async_tool(spec, _bound(spec, user, owner)) for spec in TOOL_SPECS]


def _valid_args(spec: ToolSpec, args: Args) -> Args:
    try:
        return spec.args_schema.model_validate(args).model_dump()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()
        )
        raise ShopError(f"Invalid arguments: {problems}", code="invalid_arguments") from None


def propose(name: str, *, owner: Owner, args: Args) -> tuple[Args, str]:
    """A write tool's call checked against the shop's data: (the arguments, the summary).

    Raises ShopError when it cannot be done (unknown product, bad quantity, not your order):
    the model hears why instead of the customer being asked.
    """
    spec = _BY_NAME.get(name)
    if spec is None or not spec.writes or spec.propose is None:
        raise ShopError(f"Unknown tool {name!r}.", code="invalid_arguments")
    valid = _valid_args(spec, args)
    return valid, spec.propose(owner=owner, **valid)


def run_approved(name: str, *, owner: Owner, args: Args) -> str:
    """Run a write tool whose call the owner approved; its result as JSON text."""
    spec = _BY_NAME[name]
    assert spec.writes, name
    return spec.function(owner=owner, **_valid_args(spec, args))


def cards_for(name: str, result: str) -> list[dict[str, Any]]:
    """The cards a tool's result shows (none for failures and unknown tools)."""
    spec = _BY_NAME.get(name)
    data = parse_result(result)
    if spec is None or spec.cards is None or data is None or "error" in data:
        return []
    return spec.cards(data)


@cache
def tool_schemas() -> tuple[dict[str, Any], ...]:
    """The tools as the model sees them (OpenAI format), the same for every user.

    Derived once per process: the pydantic work depends on nothing but the specs, so no turn
    needs to repeat it on the event loop.
    """
    return tuple(convert_to_openai_tool(tool) for tool in build_tools(user=None))


def describe_started(name: str, args: Args) -> str:
    """A tool call as it begins, in human words (a tool the model made up included)."""
    spec = _BY_NAME.get(name)
    return spec.describe_started(args) if spec else f"Using {name}"


def describe_finished(name: str, result: str) -> str:
    """A tool call's outcome in human words: the spec's finished or failed description."""
    data = parse_result(result)
    if data is None:
        return "Done"
    spec = _BY_NAME.get(name)
    if "error" in data:
        return (spec.describe_failed if spec else describe_error)(data)
    return spec.describe_finished(data) if spec else "Done"
