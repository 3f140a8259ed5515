"""The shop tools read real rows, cap their output, and see only the chatting user's orders."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from llm.tools import build_tools
from shop.models import Order, OrderItem

pytestmark = pytest.mark.django_db(transaction=True)


def tools_for(user):  # type: ignore[no-untyped-def]
    return {t.name: t for t in build_tools(user=user)}


@pytest.fixture
def orders(catalogue, django_user_model):  # type: ignore[no-untyped-def]
    alice = django_user_model.objects.create_user("alice", password="x-123456789")
    bob = django_user_model.objects.create_user("bob", password="x-123456789")
    order = Order.objects.create(number="ORD-10042", user=alice, status="shipped")
    OrderItem.objects.create(
        order=order, product=catalogue["products"][0], quantity=2, unit_price=Decimal("89.00")
    )
    Order.objects.create(number="ORD-20001", user=bob, status="paid")
    return {"alice": alice, "bob": bob}


def test_exact_tool_names_and_typed_arguments():
    tools = tools_for(None)
    assert sorted(tools) == [
        "add_to_cart",
        "cancel_order",
        "check_order_status",
        "get_product_details",
        "list_categories",
        "search_products",
        "update_cart_item",
        "view_cart",
    ]
    schema = tools["search_products"].args
    assert set(schema) == {
        "query",
        "category",
        "min_price",
        "max_price",
        "in_stock_only",
        "limit",
        "sort",
    }
    assert all(tools[name].description for name in tools)


async def test_search_products_returns_compact_json_with_urls(catalogue):
    result = json.loads(
        await tools_for(None)["search_products"].ainvoke(
            {"query": "running shoes", "max_price": 100}
        )
    )
    assert [p["name"] for p in result["products"]] == ["Trail Runner 2"]
    product = result["products"][0]
    assert product["url"] == "/products/trail-runner-2/"
    assert product["price"] == "89.00" and product["in_stock"] is True


async def test_search_products_in_stock_only_and_category(catalogue):
    search = tools_for(None)["search_products"]
    shoes = json.loads(await search.ainvoke({"query": "shoes", "category": "footwear"}))
    assert {p["name"] for p in shoes["products"]} == {"Trail Runner 2", "Road Racer"}
    in_stock = json.loads(await search.ainvoke({"query": "shoes", "in_stock_only": True}))
    assert [p["name"] for p in in_stock["products"]] == ["Trail Runner 2"]


async def test_output_is_capped(catalogue, settings):
    settings.LLM_TOOL_RESULT_MAX_CHARS = 300
    text = await tools_for(None)["search_products"].ainvoke({"query": "e", "limit": 10})
    assert len(text) <= 300
    assert json.loads(text)["truncated"] is True


async def test_product_details_and_missing_product(catalogue):
    details = tools_for(None)["get_product_details"]
    product = catalogue["products"][0]
    found = json.loads(await details.ainvoke({"product_id": product.pk}))
    assert found["product"]["description"] == product.description
    missing = json.loads(await details.ainvoke({"product_id": 999999}))
    assert "error" in missing


async def test_list_categories_counts_products(catalogue):
    result = json.loads(await tools_for(None)["list_categories"].ainvoke({}))
    assert {c["slug"]: c["product_count"] for c in result["categories"]} == {
        "footwear": 2,
        "outdoor": 1,
    }


async def test_order_status_sees_only_the_chatting_users_orders(orders):
    alice_tool = tools_for(orders["alice"])["check_order_status"]
    mine = json.loads(await alice_tool.ainvoke({"order_number": "ord-10042"}))
    assert mine["status"] == "shipped" and mine["items"][0]["quantity"] == 2
    theirs = json.loads(await alice_tool.ainvoke({"order_number": "ORD-20001"}))
    nowhere = json.loads(await alice_tool.ainvoke({"order_number": "ORD-99999"}))
    # Someone else's order and a missing one read the same: existence does not leak.
    assert theirs["error"].replace("20001", "N") == nowhere["error"].replace("99999", "N")
    for anonymous in (None, AnonymousUser()):
        hidden = json.loads(
            await tools_for(anonymous)["check_order_status"].ainvoke({"order_number": "ORD-10042"})
        )
        assert "error" in hidden and "shipped" not in json.dumps(hidden)
