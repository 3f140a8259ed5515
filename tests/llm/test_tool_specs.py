"""One spec per tool: the model's tool list, the page's tool lines and the offline model's
rules all come from it, and a tool that reads the user sees only the chatting user."""

import json
from decimal import Decimal

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from llm.offline import OfflineChatModel, offline_rules, read_turn
from llm.tools import (
    TOOL_SPECS,
    build_tools,
    describe_finished,
    describe_started,
    spec_for,
    tool_schemas,
)
from shop.models import Order, OrderItem

NAMES = [
    "search_products",
    "get_product_details",
    "list_categories",
    "check_order_status",
    "view_cart",
    "add_to_cart",
    "update_cart_item",
    "cancel_order",
]
PRODUCT = {
    "id": 1,
    "name": "Trail Runner 2",
    "category": "Footwear",
    "price": "89.00",
    "currency": "EUR",
    "in_stock": True,
    "stock": 12,
    "url": "/products/trail-runner-2/",
}
CART = {
    "items": [
        {
            "product_id": 1,
            "name": "Trail Runner 2",
            "url": "/products/trail-runner-2/",
            "unit_price": "89.00",
            "currency": "EUR",
            "quantity": 2,
            "line_total": "178.00",
            "in_stock": True,
            "stock": 12,
        }
    ],
    "count": 2,
    "total": "178.00",
    "currency": "EUR",
}
RESULTS = {
    "search_products": {"query": "shoes", "total_matches": 1, "products": [PRODUCT]},
    "get_product_details": {"product": PRODUCT | {"description": "Light."}},
    "list_categories": {"categories": [{"name": "Footwear", "slug": "f", "product_count": 2}]},
    "check_order_status": {
        "order_number": "ORD-10042",
        "status": "shipped",
        "created_at": "2025-01-02",
        "updated_at": "2025-01-03",
        "total": "178.00",
        "items": [{"product": "Trail Runner 2", "quantity": 2, "unit_price": "89.00"}],
    },
    "view_cart": {"cart": CART},
    "add_to_cart": {"cart": CART},
    "update_cart_item": {"cart": CART},
    "cancel_order": {
        "order": {
            "number": "ORD-10042",
            "status": "cancelled",
            "total": "178.00",
            "currency": "EUR",
        }
    },
}
# What the offline model asked for, where its answer names it.
ARGS = {
    "add_to_cart": {"product_id": 1, "quantity": 2},
    "update_cart_item": {"product_id": 1, "quantity": 2},
    "cancel_order": {"order_number": "ORD-10042"},
}


def test_the_model_sees_the_specs_in_order():
    assert [s.name for s in TOOL_SPECS] == NAMES
    assert [t.name for t in build_tools(user=None)] == NAMES
    schemas = tool_schemas()
    assert [s["function"]["name"] for s in schemas] == NAMES
    assert [s["function"]["description"] for s in schemas] == [s.description for s in TOOL_SPECS]
    assert tool_schemas() is schemas  # derived once


def test_only_cart_and_order_changes_write_and_each_proposes_first():
    assert [s.name for s in TOOL_SPECS if s.reads_user] == ["check_order_status"]
    assert [s.name for s in TOOL_SPECS if s.reads_owner] == [
        "view_cart",
        "add_to_cart",
        "update_cart_item",
        "cancel_order",
    ]
    writers = [s for s in TOOL_SPECS if s.writes]
    assert [s.name for s in writers] == ["add_to_cart", "update_cart_item", "cancel_order"]
    assert all(s.propose is not None for s in writers)
    assert [s.name for s in TOOL_SPECS if s.cards is None] == ["list_categories"]


async def test_a_write_tool_built_for_the_model_refuses_to_run(catalogue):
    tools = {t.name: t for t in build_tools(user=None)}
    result = json.loads(await tools["add_to_cart"].ainvoke({"product_id": 1, "quantity": 1}))
    assert "approval" in result["error"]


@pytest.mark.parametrize(
    "name, args, started",
    [
        ("search_products", {"query": "x" * 100}, f"Searching products for “{'x' * 80}”"),
        ("get_product_details", {"product_id": 7}, "Looking up product #7"),
        ("list_categories", {}, "Listing categories"),
        ("check_order_status", {"order_number": "O" * 50}, f"Checking order {'O' * 40}"),
        ("made_up_tool", {}, "Using made_up_tool"),
    ],
)
def test_every_spec_describes_its_start(name, args, started):
    assert describe_started(name, args) == started


@pytest.mark.parametrize(
    "name, finished",
    [
        ("search_products", "Found 1 product"),
        ("get_product_details", "Found Trail Runner 2"),
        ("list_categories", "Found 1 categories"),
        ("check_order_status", "Order ORD-10042 is shipped"),
    ],
)
def test_every_spec_describes_its_result(name, finished):
    assert describe_finished(name, json.dumps(RESULTS[name])) == finished
    assert spec_for(name).describe_finished(RESULTS[name]) == finished


def test_search_counts_products_in_the_plural():
    result = json.dumps({"query": "q", "products": [PRODUCT, PRODUCT]})
    assert describe_finished("search_products", result) == "Found 2 products"
    assert describe_finished("search_products", '{"products": []}') == "Found 0 products"


@pytest.mark.parametrize("name", [*NAMES, "made_up_tool"])
def test_every_spec_describes_a_failure_with_the_error(name):
    failure = json.dumps({"error": "No luck. " + "e" * 300})
    assert describe_finished(name, failure) == ("No luck. " + "e" * 300)[:200]
    # Not a JSON object: nothing to say but that it ended.
    assert describe_finished(name, "not json") == describe_finished(name, "[1]") == "Done"


def test_a_made_up_tools_result_is_done():
    assert describe_finished("made_up_tool", '{"a": 1}') == "Done"


def test_the_offline_model_has_rules_for_every_tool_in_planning_order():
    names = [name for name, _ in offline_rules()]
    assert sorted(names) == sorted(NAMES)
    # A cancellation, then any order number, then categories; after small talk the cart
    # changes, then comparisons; the catch-all search last.
    assert names == [
        "cancel_order",
        "check_order_status",
        "list_categories",
        "update_cart_item",
        "add_to_cart",
        "view_cart",
        "get_product_details",
        "search_products",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_the_offline_model_answers_from_each_tools_result(name):
    call = {"id": "t1", "name": name, "args": ARGS.get(name, {})}
    messages = [
        HumanMessage("q"),
        AIMessage(content="", tool_calls=[call]),
        ToolMessage(content=json.dumps(RESULTS[name]), tool_call_id="t1"),
    ]
    reply = OfflineChatModel()._plan(messages, list(tool_schemas()))
    turn, last_round = read_turn(messages)
    assert reply.text == dict(offline_rules())[name].answer(last_round, turn)
    assert reply.text and reply.text != "Done."
    assert "$" not in reply.text


@pytest.mark.parametrize(
    "question, call",
    [
        ("categories of order ord-10042?", ("check_order_status", {"order_number": "ORD-10042"})),
        ("Repeat after me: ORD-123 please", ("check_order_status", {"order_number": "ORD-123"})),
        ("Which departments?", ("list_categories", {})),
        (
            "jackets over 50 in stock",
            ("search_products", {"query": "jackets", "min_price": 50.0, "in_stock_only": True}),
        ),
        ("Repeat after me: jackets", None),
        ("hi", None),
    ],
)
def test_the_offline_model_plans_by_the_specs_rules(question, call):
    reply = OfflineChatModel()._plan([HumanMessage(question)], list(tool_schemas()))
    calls = [(c["name"], json.loads(c["args"])) for c in reply.tool_call_chunks]
    assert calls == ([call] if call else [])


@pytest.mark.django_db(transaction=True)
async def test_tools_that_read_the_user_get_the_chatting_user_bound(catalogue, django_user_model):
    alice = await django_user_model.objects.acreate(username="alice")
    bob = await django_user_model.objects.acreate(username="bob")
    order = await Order.objects.acreate(number="ORD-10042", user=alice, status="shipped")
    await OrderItem.objects.acreate(
        order=order, product=catalogue["products"][0], quantity=1, unit_price=Decimal("89.00")
    )
    for spec in (s for s in TOOL_SPECS if s.reads_user):
        schema = {t.name: t for t in build_tools(user=alice)}[spec.name].args
        assert "user" not in schema  # the model cannot choose whose data it reads
    ask = {"order_number": "ORD-10042"}
    mine = {t.name: t for t in build_tools(user=alice)}["check_order_status"]
    theirs = {t.name: t for t in build_tools(user=bob)}["check_order_status"]
    assert json.loads(await mine.ainvoke(ask))["status"] == "shipped"
    assert "error" in json.loads(await theirs.ainvoke(ask))
    assert "error" in json.loads(await theirs.ainvoke(ask | {"user": alice.pk}))
