"""The assistant's tools, one `ToolSpec` each (llm/tools/spec.py), grouped by module.

A new tool is one spec in a group module (or a new module) listed in `TOOL_SPECS`: the model's
tool list, the agent's tool lines and the offline demo model all read it from there. Tools are
built per turn with the user closed over, so order lookups only ever see that user's orders.
"""

from collections.abc import Callable
from functools import cache, partial
from typing import Any

from asgiref.sync import sync_to_async
from langchain_core.tools import BaseTool, StructuredTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from llm.tools.catalogue import GET_PRODUCT_DETAILS, LIST_CATEGORIES, SEARCH_PRODUCTS
from llm.tools.orders import CHECK_ORDER_STATUS
from llm.tools.spec import Args, ToolSpec, User, describe_error, parse_result

__all__ = [
    "TOOL_SPECS",
    "ToolSpec",
    "User",
    "build_tools",
    "describe_finished",
    "describe_started",
    "spec_for",
    "tool_schemas",
]

# In the order the model is shown them.
TOOL_SPECS: tuple[ToolSpec, ...] = (
    SEARCH_PRODUCTS,
    GET_PRODUCT_DETAILS,
    LIST_CATEGORIES,
    CHECK_ORDER_STATUS,
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


def build_tools(*, user: User) -> list[BaseTool]:
    """Every tool for one turn; those that read the user get `user` fixed."""
    return [
        _async_tool(spec, partial(spec.function, user=user) if spec.reads_user else spec.function)
        for spec in TOOL_SPECS
    ]


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
