"""The offline demo model with the real tools on the seeded catalogue: the chat page's example
questions, price phrases, and cart requests that become actions for the customer to approve."""

import contextlib
import json

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model

from llm.agent import run_agent
from llm.agent_events import ActionProposed, MessageFinished, ToolFinished, TurnFinished
from llm.history import PastMessage
from llm.tools import run_approved
from shop import demo_data
from shop.models import Product
from shop.owners import Owner
from shop.seeding import catalogue_seed, demo_customer_seed
from tests.chat_examples import EXPECTED, EXPECTED_FOR_DEMO_CUSTOMER, example_questions, problems
from tests.llm.conftest import agent_events

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seeded(transactional_db):  # type: ignore[no-untyped-def]
    catalogue_seed()
    demo_customer_seed(password=demo_data.DEMO_PASSWORD_DEFAULT)


def final_text(events) -> str:  # type: ignore[no-untyped-def]
    return [e for e in events if isinstance(e, MessageFinished)][-1].text


def test_every_example_button_has_a_known_correct_answer():
    questions = example_questions()
    assert len(questions) >= 3
    assert set(questions) == set(EXPECTED)
    assert not any("$" in q for q in questions)


@pytest.mark.parametrize("question", example_questions())
async def test_each_example_question_gets_a_correct_answer(seeded, question):
    answer = final_text(await agent_events(question))
    assert problems(answer, EXPECTED[question]) == [], answer


@pytest.mark.parametrize("question", sorted(EXPECTED_FOR_DEMO_CUSTOMER))
async def test_the_demo_customer_gets_their_orders_answer(seeded, question):
    demo = await get_user_model().objects.aget(username=demo_data.DEMO_USERNAME)
    answer = final_text(await agent_events(question, user=demo))
    assert problems(answer, EXPECTED_FOR_DEMO_CUSTOMER[question]) == [], answer


async def test_an_anonymous_order_question_is_asked_to_log_in_not_told_it_is_missing(seeded):
    events = await agent_events("Where is my order ORD-10042?")
    finished = next(e for e in events if isinstance(e, ToolFinished))
    result = json.loads(finished.result)
    assert result["login_required"] is True and "log in" in result["error"]
    answer = final_text(events)
    assert "[log in](/accounts/login/)" in answer
    assert "not found" not in answer.lower() and "no order" not in answer.lower()


async def test_running_shoes_under_100_dollars_says_none_and_names_the_cheapest(seeded):
    events = await agent_events("Find running shoes under $100")
    searches = [e.args for e in events if isinstance(e, ToolFinished)]
    assert searches == [
        {"query": "running shoes", "max_price": 100.0},
        {"query": "running shoes", "sort": "price_asc", "limit": 1},
    ]
    answer = final_text(events)
    assert answer.startswith("Nothing matches “running shoes” under €100: the cheapest is")
    assert "Cloudstride Road Running Shoe" in answer and "€129.95" in answer
    for dearer in ("Trailblaze GTX Trail Running Shoe", "Tempo Carbon Racing Shoe"):
        assert dearer not in answer
    assert "Our prices are in euros." in answer and "$" not in answer


@pytest.mark.parametrize(
    "question, names",
    [
        (
            "the cheapest two running shoes",
            ["Cloudstride Road Running Shoe", "Trailblaze GTX Trail Running Shoe"],
        ),
        (
            "your most expensive coffee grinders",
            ["Precision Conical Burr Grinder", "Manual Hand Coffee Grinder"],
        ),
        ("coffee between 50 and 100 euros", ["Manual Hand Coffee Grinder", "Gooseneck"]),
    ],
)
async def test_price_phrases_order_and_bound_the_search(seeded, question, names):
    answer = final_text(await agent_events(question))
    positions = [answer.index(name) for name in names]
    assert positions == sorted(positions), answer


async def test_what_the_shop_does_not_sell_is_said_plainly(seeded):
    events = await agent_events("compare the two cheapest tents")
    assert [e.name for e in events if isinstance(e, ToolFinished)] == ["search_products"]
    assert final_text(events).startswith("I couldn't find anything for “tents”")


async def test_a_cart_request_becomes_an_action_and_its_approval_is_answered(seeded):
    owner = Owner(user_id=None, anonymous_key="offline-examples")
    question = "add 2 Merino Running Socks to my cart"
    async with contextlib.aclosing(run_agent(question=question, past=[], owner=owner)) as run:
        events = [e async for e in run]
    socks = await Product.objects.aget(slug="merino-running-socks-3-pack")
    proposed = next(e for e in events if isinstance(e, ActionProposed))
    assert (proposed.name, proposed.args) == (
        "add_to_cart",
        {"product_id": socks.pk, "quantity": 2},
    )
    assert "€24.90 each" in proposed.summary
    assert events[-1] == TurnFinished(
        rounds=2, reason="action_required", tool_calls=events[-1].tool_calls
    )

    # The customer approves: the tool runs and the answer continues from the stored rounds.
    search = next(e for e in events if isinstance(e, ToolFinished))
    calls = [c for e in events if isinstance(e, MessageFinished) for c in e.tool_calls]
    result = await sync_to_async(run_approved)("add_to_cart", owner=owner, args=proposed.args)
    past = [
        PastMessage("user", question),
        PastMessage("assistant", "", tool_calls=[calls[0]]),
        PastMessage("tool", search.result, tool_call_id=search.call_id),
        PastMessage("assistant", "", tool_calls=[calls[1]]),
        PastMessage("tool", result, tool_call_id=proposed.call_id),
    ]
    async with contextlib.aclosing(run_agent(question=None, past=past, owner=owner)) as run:
        answer = final_text([e async for e in run])
    assert answer.startswith("Added 2 × **[Merino Running Socks (3-pack)]")
    assert "2 items, €49.80 in total" in answer
