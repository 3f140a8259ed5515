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
from shop import order_services, selectors
from shop.cart_selectors import DEFAULT_CURRENCY, order_to_dict
from shop.errors import ShopError
from shop.models import Order
from shop.owners import Owner


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
            "product_id": item.product_id,
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
            "currency": _currency(order),
            "items": items,
        },
        list_key="items",
    )


def _currency(order: Order) -> str:
    items = list(order.items.all())  # prefetched with the order
    return items[0].product.currency if items else DEFAULT_CURRENCY


class CancelOrderArgs(BaseModel):
    order_number: str = Field(
        description="The number of the order to cancel, e.g. ORD-10042.",
        min_length=1,
        max_length=40,
    )


def propose_cancel(*, owner: Owner, order_number: str) -> str:
    order = order_services.order_get_cancellable(owner=owner, number=order_number)
    shown = order_to_dict(order)
    count = sum(item["quantity"] for item in shown["items"])
    total = f"€{shown['total']}" if shown["currency"] == "EUR" else shown["total"]
    return f"Cancel order {order.number} ({count} item{'s' if count != 1 else ''}, {total})"


def cancel_order_result(*, owner: Owner, order_number: str) -> str:
    try:
        order = order_services.order_cancel(owner=owner, number=order_number)
    except ShopError as exc:
        return dump_capped({"error": exc.detail, "code": exc.code})
    return dump_capped({"order": order_to_dict(order)})


def order_cards(data: Result) -> list[dict[str, object]]:
    """An order card from either order result: check_order_status's or cancel_order's."""
    if isinstance(data.get("order"), dict):
        order = data["order"]
        return [{"kind": "order", **{k: order.get(k) for k in _ORDER_CARD}}]
    if "order_number" not in data:
        return []
    items = [
        {
            "product_id": i.get("product_id"),
            "name": i.get("product"),
            "quantity": i.get("quantity"),
            "unit_price": i.get("unit_price"),
        }
        for i in data.get("items", [])
    ]
    return [
        {
            "kind": "order",
            "number": data["order_number"],
            "status": data.get("status"),
            "total": data.get("total"),
            "currency": data.get("currency", DEFAULT_CURRENCY),
            "items": items,
        }
    ]


_ORDER_CARD = ("number", "status", "total", "currency", "items")

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
    cards=order_cards,
    # An order number is the most specific thing a question can hold: it wins over any rule.
    offline=OfflineUse(plan=_plan_order, answer=_answer_order, priority=0),
)

CANCEL_ORDER = ToolSpec(
    name="cancel_order",
    description="Cancel one of the current customer's orders that is still pending or paid. "
    "The customer is asked to approve before anything changes.",
    args_schema=CancelOrderArgs,
    function=cancel_order_result,
    reads_user=False,
    reads_owner=True,
    writes=True,
    propose=propose_cancel,
    describe_started=lambda args: f"Cancelling order {str(args.get('order_number', ''))[:40]}",
    describe_finished=lambda data: f"Order {data.get('order', {}).get('number')} is cancelled",
    cards=order_cards,
)
