"""Order tools: they read the chatting user, and find only that user's orders."""

import json
import re
from collections.abc import Sequence

from django.conf import settings
from django.shortcuts import resolve_url
from pydantic import BaseModel, Field

from llm.offline_phrases import money
from llm.tools.offline_use import Outcome, Turn
from llm.tools.spec import Args, OfflineUse, Result, ToolSpec, User, dump_capped
from shop import selectors
from shop.cart_selectors import DEFAULT_CURRENCY


class OrderStatusArgs(BaseModel):
    order_number: str = Field(
        description="The order number, e.g. ORD-10042.", min_length=1, max_length=40
    )


def order_status_result(*, user: User, order_number: str) -> str:
    if user is None or not user.is_authenticated:
        # Orders belong to accounts: a visitor is asked to log in, not told the order is missing.
        return json.dumps(
            {
                "error": "The customer is not logged in: log in to see your orders.",
                "login_required": True,
                "login_url": resolve_url(settings.LOGIN_URL),
            }
        )
    order = selectors.order_get_for_user(user=user, number=order_number)
    if order is None:
        # Same answer for "not yours" and "does not exist": existence must not leak.
        return json.dumps(
            {"error": f"No order {order_number.strip()[:40]} found for this customer."},
            ensure_ascii=False,
        )
    items = [
        {
            "product": item.product.name,
            "quantity": item.quantity,
            "unit_price": str(item.unit_price),
            "url": item.product.get_absolute_url(),
        }
        for item in order.items.all()
    ]
    return dump_capped(
        {
            "order_number": order.number,
            "status": order.status,
            "created_at": order.created_at.date().isoformat(),
            "updated_at": order.updated_at.date().isoformat(),
            "total": str(order.total),
            "currency": next((i.product.currency for i in order.items.all()), DEFAULT_CURRENCY),
            "items": items,
        },
        list_key="items",
    )


_ORDER = re.compile(r"\bORD-\d{3,}\b", re.IGNORECASE)


def order_number_in(question: str) -> str | None:
    order = _ORDER.search(question)
    return order.group(0).upper() if order else None


def _plan_order(turn: Turn) -> list[Args]:
    number = None if turn.done else order_number_in(turn.question)
    return [{"order_number": number}] if number else []


def _answer_order(outcomes: Sequence[Outcome], turn: Turn) -> str:
    return "\n\n".join(_order_words(o.result) for o in outcomes)


def _order_words(data: Result) -> str:
    items = ", ".join(f"{i['quantity']} × {i['product']}" for i in data.get("items", []))
    total = money(data["total"], data.get("currency", "EUR"))
    return (
        f"Order **{data['order_number']}** is **{data['status']}** "
        f"(placed {data['created_at']}). It contains {items}; total {total}."
    )


CHECK_ORDER_STATUS = ToolSpec(
    name="check_order_status",
    description="Status and items of one of the current customer's orders, by order "
    "number. Only the customer's own orders can be found.",
    args_schema=OrderStatusArgs,
    function=order_status_result,
    reads_user=True,
    describe_started=lambda args: f"Checking order {str(args.get('order_number', ''))[:40]}",
    describe_finished=lambda data: f"Order {data.get('order_number')} is {data.get('status')}",
    # An order number is the most specific thing a question can hold: it wins over any rule.
    offline=OfflineUse(plan=_plan_order, answer=_answer_order, priority=0),
)
