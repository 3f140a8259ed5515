"""The offline demo model plans each round from the conversation's own tool results.

These drive the model round by round as the agent does (its tool calls answered with tool
messages), with results shaped like the real tools' so that no database is needed; the
results of the real tools on the seeded catalogue are in test_offline_examples.py.
"""

import json
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from llm.history import with_context
from llm.offline import OfflineChatModel
from llm.tools import tool_schemas

SHOES = {
    "id": 1,
    "name": "Cloudstride Road Running Shoe",
    "category": "Running",
    "price": "129.95",
    "currency": "EUR",
    "in_stock": True,
    "stock": 41,
    "url": "/products/cloudstride-road-running-shoe/",
    "matches_all_words": True,
}
SOCKS = SHOES | {"id": 2, "name": "Merino Running Socks (3-pack)", "price": "24.90"}
TRAIL = SHOES | {"id": 3, "name": "Trailblaze GTX Trail Running Shoe", "price": "149.00"}
CATALOGUE = [SHOES, SOCKS, TRAIL]
CART_TOOLS = ("view_cart", "add_to_cart", "update_cart_item", "cancel_order")


def _schema(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "description": "", "parameters": {}}}


class Shop:
    """Tool results as the real tools shape them, over CATALOGUE and a cart in memory."""

    def __init__(self) -> None:
        self.cart: dict[int, int] = {}
        self.decide: Callable[[str], dict[str, Any] | None] = lambda name: None

    def cart_result(self) -> dict[str, Any]:
        items = []
        for product_id, quantity in self.cart.items():
            p = next(p for p in CATALOGUE if p["id"] == product_id)
            total = f"{float(p['price']) * quantity:.2f}"
            items.append(
                {
                    "product_id": product_id,
                    "name": p["name"],
                    "url": p["url"],
                    "unit_price": p["price"],
                    "currency": "EUR",
                    "quantity": quantity,
                    "line_total": total,
                    "in_stock": True,
                    "stock": 10,
                }
            )
        total = f"{sum(float(i['line_total']) for i in items):.2f}"
        count = sum(self.cart.values())
        return {"cart": {"items": items, "count": count, "total": total, "currency": "EUR"}}

    def run(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        if (outcome := self.decide(name)) is not None:
            return outcome
        if name == "search_products":
            words = [w.rstrip("s") for w in args["query"].lower().split()]
            found = [p for p in CATALOGUE if any(w in p["name"].lower() for w in words)]
            return {"query": args["query"], "total_matches": len(found), "products": found}
        if name == "get_product_details":
            product = next(p for p in CATALOGUE if p["id"] == args["product_id"])
            return {"product": product | {"description": "Light and quick."}}
        if name == "add_to_cart":
            self.cart[args["product_id"]] = self.cart.get(args["product_id"], 0) + args["quantity"]
            return self.cart_result()
        if name == "update_cart_item":
            if args["quantity"] == 0:
                self.cart.pop(args["product_id"], None)
            else:
                self.cart[args["product_id"]] = args["quantity"]
            return self.cart_result()
        if name == "view_cart":
            return self.cart_result()
        if name == "check_order_status":
            return {"error": "The customer is not logged in.", "login_required": True}
        if name == "cancel_order":
            number = args["order_number"]
            return {"order": {"number": number, "status": "cancelled", "total": "20.00"}}
        raise AssertionError(f"unexpected tool {name}")


class Chat:
    """One conversation with the offline model; `ask` runs a whole turn."""

    def __init__(self, tools: tuple[str, ...] = CART_TOOLS) -> None:
        self.messages: list[BaseMessage] = []
        self.shop = Shop()
        self.schemas = [s for s in tool_schemas() if s["function"]["name"] not in CART_TOOLS] + [
            _schema(name) for name in tools
        ]
        self.rounds: list[list[tuple[str, dict[str, Any]]]] = []

    def ask(self, question: str, *, context: dict[str, Any] | None = None) -> str:
        self.messages.append(HumanMessage(with_context(question, context)))
        self.rounds = []
        for _ in range(6):
            reply = OfflineChatModel()._plan(self.messages, self.schemas)
            if not reply.tool_call_chunks:
                self.messages.append(AIMessage(reply.text))
                return reply.text
            calls = [
                {"id": c["id"], "name": c["name"], "args": json.loads(c["args"])}
                for c in reply.tool_call_chunks
            ]
            self.rounds.append([(c["name"], c["args"]) for c in calls])
            self.messages.append(AIMessage(content="", tool_calls=calls))
            for call in calls:
                result = self.shop.run(call["name"], call["args"])
                self.messages.append(ToolMessage(json.dumps(result), tool_call_id=call["id"]))
        raise AssertionError("the model kept calling tools")

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        return [call for round_calls in self.rounds for call in round_calls]


@pytest.fixture
def chat() -> Chat:
    return Chat()


def test_add_two_of_the_one_product_shown(chat):
    chat.ask("show me the socks")
    answer = chat.ask("add two of those")
    assert chat.rounds == [[("add_to_cart", {"product_id": 2, "quantity": 2})]]
    assert "Added 2 × **[Merino Running Socks (3-pack)]" in answer
    assert "€49.80" in answer and "$" not in answer


def test_two_of_a_list_adds_the_first_two_in_one_round(chat):
    chat.ask("running shoes")
    chat.ask("add two of those")
    assert chat.rounds == [
        [
            ("add_to_cart", {"product_id": 1, "quantity": 1}),
            ("add_to_cart", {"product_id": 2, "quantity": 1}),
        ]
    ]


def test_add_the_first_one_reads_the_latest_search(chat):
    chat.ask("socks")
    chat.ask("running shoes")
    answer = chat.ask("add the first one to my cart")
    assert chat.calls == [("add_to_cart", {"product_id": 1, "quantity": 1})]
    assert "Cloudstride" in answer and "[Go to your cart](/cart/)" in answer


def test_a_named_product_is_searched_for_then_added(chat):
    answer = chat.ask("add 3 Cloudstride shoes to the cart")
    assert chat.rounds == [
        [("search_products", {"query": "cloudstride shoes"})],
        [("add_to_cart", {"product_id": 1, "quantity": 3})],
    ]
    assert answer.startswith("Added 3 × **[Cloudstride Road Running Shoe]")


def test_a_named_product_already_shown_is_added_at_once(chat):
    chat.ask("running shoes")
    chat.ask("add the trailblaze")
    assert chat.rounds == [[("add_to_cart", {"product_id": 3, "quantity": 1})]]


def test_an_unclear_add_asks_which_one(chat):
    assert "Which product should I add?" in chat.ask("add it")
    chat.ask("running shoes")
    answer = chat.ask("add it to my cart")
    assert chat.calls == []
    assert "Which one should I add?" in answer and "2. Merino Running Socks" in answer


def test_add_on_a_product_page_adds_that_product(chat):
    chat.ask("running shoes")
    page = {"product_id": 3, "name": TRAIL["name"], "price": "149.00", "currency": "EUR"}
    chat.ask("add two of these to my cart", context=page)
    assert chat.calls == [("add_to_cart", {"product_id": 3, "quantity": 2})]


def test_is_it_in_stock_on_a_product_page_looks_the_product_up(chat):
    page = {"product_id": 2, "name": SOCKS["name"], "price": "24.90", "currency": "EUR"}
    answer = chat.ask("is this in stock?", context=page)
    assert chat.calls == [("get_product_details", {"product_id": 2})]
    assert "in stock (41)" in answer


def test_remove_fetches_the_cart_then_removes_the_named_line(chat):
    chat.shop.cart = {1: 1, 2: 2}
    answer = chat.ask("remove the socks from my cart")
    assert chat.rounds == [
        [("view_cart", {})],
        [("update_cart_item", {"product_id": 2, "quantity": 0})],
    ]
    assert "Removed **[Merino Running Socks (3-pack)]" in answer
    assert "1 item, €129.95 in total" in answer


def test_set_a_quantity(chat):
    chat.shop.cart = {1: 1, 2: 2}
    answer = chat.ask("set the shoes to 2")
    assert chat.calls[-1] == ("update_cart_item", {"product_id": 1, "quantity": 2})
    assert "the quantity is now 2" in answer


def test_a_change_to_a_line_not_in_the_cart_says_what_is_there(chat):
    chat.shop.cart = {1: 1}
    answer = chat.ask("remove the socks")
    assert chat.calls == [("view_cart", {})]
    assert "I couldn't find “socks” in your cart" in answer
    assert "1 × Cloudstride Road Running Shoe" in answer


def test_empty_the_cart_removes_every_line_in_one_round(chat):
    chat.shop.cart = {1: 1, 2: 2}
    answer = chat.ask("empty my cart")
    assert chat.rounds[-1] == [
        ("update_cart_item", {"product_id": 1, "quantity": 0}),
        ("update_cart_item", {"product_id": 2, "quantity": 0}),
    ]
    assert "Your cart is now empty." in answer


def test_whats_in_my_cart(chat):
    chat.shop.cart = {2: 2}
    answer = chat.ask("what's in my cart?")
    assert chat.calls == [("view_cart", {})]
    assert "2 × **[Merino Running Socks (3-pack)]" in answer and "€49.80" in answer
    assert chat.ask("what's in my basket") and chat.calls == [("view_cart", {})]


def test_cancel_an_order(chat):
    answer = chat.ask("please cancel order ORD-10063")
    assert chat.calls == [("cancel_order", {"order_number": "ORD-10063"})]
    assert "**ORD-10063** is now **cancelled**" in answer


@pytest.mark.parametrize(
    "outcome, words",
    [
        ({"declined": "The customer declined this action."}, "nothing was changed"),
        ({"expired": "The customer did not decide in time."}, "Nothing was changed"),
    ],
)
def test_a_declined_or_expired_action_changes_nothing(chat, outcome, words):
    chat.shop.decide = lambda name: outcome if name == "add_to_cart" else None
    chat.ask("socks")
    answer = chat.ask("add two of those")
    assert words in answer
    assert chat.shop.cart == {}
    assert "Added" not in answer


def test_a_refused_action_says_why(chat):
    chat.shop.decide = lambda name: (
        {"error": "Tempo is out of stock.", "code": "out_of_stock"}
        if name == "add_to_cart"
        else None
    )
    chat.ask("socks")
    assert chat.ask("add it") == "Sorry, I couldn't help with that: Tempo is out of stock."


def test_without_the_cart_tools_nothing_is_added():
    chat = Chat(tools=())
    chat.ask("socks")
    answer = chat.ask("add two of those")
    assert chat.calls == []
    assert "What are you looking for?" in answer
    chat.ask("cancel order ORD-10063")
    assert chat.calls == [("check_order_status", {"order_number": "ORD-10063"})]


def test_compare_fetches_the_details_of_what_the_search_found(chat):
    answer = chat.ask("compare your running shoes")
    assert chat.rounds == [
        [("search_products", {"query": "running shoes", "limit": 3})],
        [("get_product_details", {"product_id": p}) for p in (1, 2, 3)],
    ]
    assert answer.startswith("|  | [Cloudstride Road Running Shoe]")
    assert "| Price | €129.95 | €24.90 | €149.00 |" in answer
    assert "The Merino Running Socks (3-pack) is the cheapest, €124.10 less than" in answer


def test_compare_the_first_two_of_what_was_shown(chat):
    chat.ask("running shoes")
    chat.ask("compare the first two")
    assert chat.rounds == [[("get_product_details", {"product_id": p}) for p in (1, 2)]]


def test_compare_this_on_a_product_page_with_a_named_product(chat):
    page = {"product_id": 1, "name": SHOES["name"], "price": "129.95", "currency": "EUR"}
    answer = chat.ask("compare this with the trailblaze", context=page)
    assert chat.rounds == [
        [("search_products", {"query": "trailblaze", "limit": 3})],
        [("get_product_details", {"product_id": 1}), ("get_product_details", {"product_id": 3})],
    ]
    assert "| Price | €129.95 | €149.00 |" in answer


def test_small_talk_and_repeat_after_me_call_no_tool(chat):
    chat.ask("running shoes")
    assert chat.ask("Repeat after me: add two of those") == "add two of those"
    assert chat.ask("thanks").startswith("Hello!")
    assert chat.calls == []
