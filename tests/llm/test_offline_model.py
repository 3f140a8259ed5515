"""The offline demo model streams and calls each tool by its rules, then answers from results."""

import contextlib

import pytest

from llm.agent import run_agent
from llm.agent_events import (
    MessageFinished,
    MessageStarted,
    TextGrew,
    ToolFinished,
    ToolStarted,
    TurnFinished,
)
from llm.history import PastMessage
from llm.offline import OfflineChatModel
from shop.models import Order
from tests.llm.conftest import agent_events

pytestmark = pytest.mark.django_db(transaction=True)


def tool_names(events):  # type: ignore[no-untyped-def]
    return [e.name for e in events if isinstance(e, ToolStarted)]


async def test_streams_in_several_growing_deltas():
    model = OfflineChatModel()
    chunks = [c async for c in model.astream("hello")]
    texts = [c.text for c in chunks if c.text]
    assert len(texts) > 5
    assert "".join(texts).startswith("Hello!")


async def test_product_question_searches_then_answers_from_results(catalogue):
    events = await agent_events("Do you have running shoes under 100?")
    assert tool_names(events) == ["search_products"]
    started = next(e for e in events if isinstance(e, ToolStarted))
    assert started.args == {"query": "running shoes", "max_price": 100.0}
    final = [e for e in events if isinstance(e, MessageFinished)][-1]
    assert "[Trail Runner 2](/products/trail-runner-2/)" in final.text
    assert "Road Racer" not in final.text  # over budget
    grew = [e.text for e in events if isinstance(e, TextGrew)]
    assert grew[-1] == final.text and len(grew) > 5
    assert isinstance(events[0], MessageStarted) and isinstance(events[-1], TurnFinished)


async def test_category_question_lists_categories(catalogue):
    events = await agent_events("Which categories do you have?")
    assert tool_names(events) == ["list_categories"]
    assert "Footwear" in [e for e in events if isinstance(e, MessageFinished)][-1].text


async def test_order_number_checks_the_order(catalogue, django_user_model):
    user = await django_user_model.objects.acreate(username="carol")
    await Order.objects.acreate(number="ORD-10042", user=user, status="shipped")
    events = await agent_events("Where is my order ord-10042?", user=user)
    assert tool_names(events) == ["check_order_status"]
    finished = next(e for e in events if isinstance(e, ToolFinished))
    assert finished.ok and "shipped" in finished.summary
    assert "**shipped**" in [e for e in events if isinstance(e, MessageFinished)][-1].text


async def test_small_talk_needs_no_tool():
    events = await agent_events("hi")
    assert tool_names(events) == []
    assert sum(isinstance(e, MessageFinished) for e in events) == 1


async def test_tool_rounds_are_bounded(catalogue, settings):
    settings.LLM_MAX_TOOL_ROUNDS = 0
    events = await agent_events("running shoes")
    final = [e for e in events if isinstance(e, MessageFinished)][-1]
    assert final.stop_reason == "max_tool_rounds"
    assert events[-1].reason == "max_tool_rounds"


async def test_history_reaches_the_model():
    past = [
        PastMessage("user", "Repeat after me: remembered"),
        PastMessage("assistant", "remembered"),
    ]
    seen = []

    class Spy(OfflineChatModel):
        def _plan(self, messages, tools):  # type: ignore[no-untyped-def]
            seen.extend(messages)
            return super()._plan(messages, tools)

    async with contextlib.aclosing(
        run_agent(question="hi", past=past, user=None, model=Spy())
    ) as events:
        [e async for e in events]
    assert [m.text for m in seen][1:] == ["Repeat after me: remembered", "remembered", "hi"]
