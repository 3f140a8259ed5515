"""POST /api/llm/query: one question, no history, the full answer as JSON."""

import contextlib
import json
import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from llm.agent import run_agent
from llm.agent_events import MessageFinished, TurnFinished
from shop.errors import ShopError, error_response

logger = logging.getLogger(__name__)


def _parse_query(body: bytes) -> str:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise ShopError("The request body is not valid JSON.", code="invalid_json") from None
    query = data.get("query") if isinstance(data, dict) else None
    if not isinstance(query, str) or not query.strip():
        raise ShopError("`query` must be a non-empty string.", code="invalid_message")
    if len(query.strip()) > settings.CHAT_MAX_MESSAGE_CHARS:
        raise ShopError(
            f"`query` is longer than {settings.CHAT_MAX_MESSAGE_CHARS} characters.", code="too_long"
        )
    return query.strip()


@require_POST
async def llm_query(request: HttpRequest) -> JsonResponse:
    answer = ""
    usage = {"input_tokens": 0, "output_tokens": 0}
    tool_calls: list[dict[str, object]] = []
    try:
        query = _parse_query(request.body)
        user = await request.auser()
        async with contextlib.aclosing(run_agent(question=query, past=[], user=user)) as events:
            async for event in events:
                if isinstance(event, MessageFinished):
                    answer = event.text  # the last message is the answer
                    usage["input_tokens"] += event.input_tokens
                    usage["output_tokens"] += event.output_tokens
                elif isinstance(event, TurnFinished):
                    tool_calls = [{"name": c["name"], "args": c["args"]} for c in event.tool_calls]
    except ShopError as exc:  # bad input, or the model's LLMError
        return error_response(exc, shape="flat")
    return JsonResponse({"answer": answer, "tool_calls": tool_calls, "usage": usage})
