"""The offline demo model's rules for the cart and order actions, keyed by tool name.

`view_cart`, `add_to_cart`, `update_cart_item` and `cancel_order` have their specs elsewhere;
their offline rules live here, and the model uses a rule only while its tool is bound. The
products a request refers to come from the conversation's own tool results: "add two of
those" reads the latest search, "remove the socks" reads the cart fetched in this turn (so it
is the cart as it is now, not as an earlier answer saw it), "add 3 Cloudstride shoes" with
nothing shown yet is searched for first and added from what the search found.
"""

import re
from collections.abc import Sequence

from django.urls import reverse

from llm.offline_phrases import (
    NUMBER_PATTERN,
    content_words,
    money,
    names_match,
    number_value,
    read_picks,
    read_quantity,
    refers_back,
)
from llm.tools.offline_use import CONVERSATION_PRIORITY, Args, OfflineUse, Outcome, Result, Turn
from llm.tools.orders import order_number_in

_ADD = re.compile(r"\b(?:add|put|pop|throw)\b|\bi(?:'ll| will) take\b", re.I)
_REMOVE = re.compile(r"\b(?:remove|delete|take out|drop|get rid of)\b", re.I)
_EMPTY = re.compile(r"\b(?:empty|clear)\b.*\b(?:cart|basket)\b|\bremove (?:everything|all)\b", re.I)
_SET = re.compile(
    rf"\b(?:set|change|make|update)\b.*?\bto\s+(?P<n>{NUMBER_PATTERN})\b"
    rf"|\bonly\s+(?P<only>{NUMBER_PATTERN})\s+of\b",
    re.I,
)
_CART = re.compile(r"\b(?:cart|basket|trolley)\b", re.I)
_CANCEL = re.compile(r"\bcancel\b", re.I)
_SEVERAL_OF = re.compile(r"\bof\s+(?:those|these|them|the ones)\b", re.I)
_CART_WORDS = frozenset(
    """add put pop throw take i'll will cart basket trolley remove delete drop rid set change
    make update only quantity empty clear everything both same another""".split()
)


def _product_words(question: str) -> list[str]:
    return content_words(question, extra_stop=_CART_WORDS)


def _wants_add(question: str) -> bool:
    return bool(_ADD.search(question)) and _edit_quantity(question) is None


def _edit_quantity(question: str) -> int | None:
    """The quantity a cart change asks for: 0 to remove, N for "set … to N"; None if none."""
    if _REMOVE.search(question) or _EMPTY.search(question):
        return 0
    if m := _SET.search(question):
        return number_value(m.group("n") or m.group("only"))
    return None


# --- add_to_cart -------------------------------------------------------------------------------


def _named(products: Sequence[Result], words: list[str]) -> Result | None:
    return next((p for p in products if names_match(words, p["name"], p.get("category", ""))), None)


def plan_add(turn: Turn) -> list[Args]:
    question = turn.question
    if not _wants_add(question):
        return []
    quantity = read_quantity(question)
    words = _product_words(question)
    if turn.done:
        # Round two of "add 3 Cloudstride shoes": this turn's search found it (or did not).
        product = _named(turn.products(this_turn=True), words) if words else None
        return [_add(product, quantity or 1)] if product else []
    shown = turn.products()
    if words:
        product = _named(shown, words)
        return [_add(product, quantity or 1)] if product else []
    if turn.page and not read_picks(question, len(shown)):
        return [_add(turn.page, quantity or 1)]  # "add two of these" on a product's page
    chosen = _referred(question, shown, quantity)
    if chosen is None:
        return []
    products, each = chosen
    return [_add(p, each) for p in products]


def _referred(
    question: str, shown: list[Result], quantity: int | None
) -> tuple[list[Result], int] | None:
    """The products "those", "the first one", "both" point at, and how many of each."""
    if not shown:
        return None
    if picks := read_picks(question, len(shown)):
        return [shown[i] for i in picks], quantity or 1
    if len(shown) == 1:
        return shown, quantity or 1
    # "two of those" after a list: the first two listed, one of each.
    if quantity and quantity > 1 and _SEVERAL_OF.search(question):
        return shown[:quantity], 1
    return None


def _add(product: Result, quantity: int) -> Args:
    return {
        "product_id": int(product.get("id", product.get("product_id", 0))),
        "quantity": quantity,
    }


def clarify_add(turn: Turn) -> str | None:
    question = turn.question
    if turn.done or turn.page or not _wants_add(question) or _product_words(question):
        return None
    shown = turn.products()
    if not shown:
        return (
            "Which product should I add? Name it (for example “add 2 Merino Running Socks”) "
            "or search first, and then say “add the first one”."
        )
    listing = "\n".join(f"{i}. {p['name']}" for i, p in enumerate(shown, 1))
    return f"Which one should I add?\n\n{listing}\n\nFor example: “add the first one”."


def answer_add(outcomes: Sequence[Outcome], turn: Turn) -> str:
    cart = outcomes[-1].result["cart"]
    lines = []
    for outcome in outcomes:
        item = _item(outcome.result["cart"], outcome.args.get("product_id"))
        name = _link(item) if item else "the product"
        lines.append(f"Added {outcome.args.get('quantity', 1)} × {name} to your cart.")
    return "\n".join(lines) + "\n\n" + _cart_total(cart)


# --- update_cart_item ----------------------------------------------------------------------


def _viewed_cart(turn: Turn) -> Result | None:
    """The cart as fetched in this turn before changing it (a change's result is not read:
    the lines a request names are the ones the customer saw)."""
    viewed = turn.latest(["view_cart"], this_turn=True)
    return viewed.result.get("cart") if viewed else None


def plan_update(turn: Turn) -> list[Args]:
    quantity = _edit_quantity(turn.question)
    cart = _viewed_cart(turn)
    if quantity is None or cart is None:
        return []
    items = _meant_items(turn.question, cart)
    if items is None or (quantity > 0 and len(items) != 1):
        return []
    return [{"product_id": int(i["product_id"]), "quantity": quantity} for i in items]


def _meant_items(question: str, cart: Result) -> list[Result] | None:
    """The cart lines a change names: "the socks", "the first one", "everything"."""
    items: list[Result] = cart.get("items", [])
    if _EMPTY.search(question):
        return items or None
    words = _product_words(question)
    if words:
        named = [i for i in items if names_match(words, i["name"])]
        return named if len(named) == 1 else None
    if picks := read_picks(question, len(items)):
        return [items[i] for i in picks]
    if len(items) == 1 and refers_back(question):
        return items
    return None


def clarify_update(turn: Turn) -> str | None:
    cart = _viewed_cart(turn)
    if _edit_quantity(turn.question) is None or cart is None:
        return None
    items = cart.get("items", [])
    if not items:
        return "Your cart is empty, so there is nothing to change."
    listing = "\n".join(f"- {i['quantity']} × {i['name']}" for i in items)
    words = _product_words(turn.question)
    if words and not any(names_match(words, i["name"]) for i in items):
        return f"I couldn't find “{' '.join(words)}” in your cart, which holds:\n\n{listing}"
    return f"Which item do you mean? Your cart holds:\n\n{listing}"


def answer_update(outcomes: Sequence[Outcome], turn: Turn) -> str:
    # A removed line is no longer in the cart: its name is read from the cart fetched before.
    before = {i["product_id"]: i for i in (_viewed_cart(turn) or {}).get("items", [])}
    lines = []
    for outcome in outcomes:
        product_id, quantity = outcome.args.get("product_id"), outcome.args.get("quantity", 0)
        item = _item(outcome.result["cart"], product_id) or before.get(product_id)
        name = _link(item) if item else "the item"
        if quantity == 0:
            lines.append(f"Removed {name} from your cart.")
        else:
            lines.append(f"{name}: the quantity is now {quantity}.")
    return "\n".join(lines) + "\n\n" + _cart_total(outcomes[-1].result["cart"])


# --- view_cart ---------------------------------------------------------------------------------


def plan_view(turn: Turn) -> list[Args]:
    question = turn.question
    if _edit_quantity(question) is not None:
        # A change is made to the cart as it is now: fetch it first in this turn.
        return [] if _viewed_cart(turn) is not None else [{}]
    if turn.done or _wants_add(question) or not _CART.search(question):
        return []
    return [{}]


def answer_view(outcomes: Sequence[Outcome], turn: Turn) -> str:
    cart = outcomes[-1].result["cart"]
    items = cart.get("items", [])
    if not items:
        return "Your cart is empty."
    lines = ["In your cart:", ""]
    for i in items:
        stock = "" if i.get("in_stock", True) else " (out of stock)"
        lines.append(
            f"- {i['quantity']} × {_link(i)} — {money(i['unit_price'], i['currency'])} each, "
            f"{money(i['line_total'], i['currency'])}{stock}"
        )
    return "\n".join(lines) + "\n\n" + _cart_total(cart)


# --- cancel_order ------------------------------------------------------------------------------


def plan_cancel(turn: Turn) -> list[Args]:
    if turn.done or not _CANCEL.search(turn.question):
        return []
    number = order_number_in(turn.question)
    if number is None and refers_back(turn.question):
        checked = turn.latest(["check_order_status"])
        number = checked.result.get("order_number") if checked else None
    return [{"order_number": number}] if number else []


def answer_cancel(outcomes: Sequence[Outcome], turn: Turn) -> str:
    lines = []
    for outcome in outcomes:
        order = outcome.result["order"]
        total = money(order["total"], order.get("currency", "EUR"))
        lines.append(f"Order **{order['number']}** is now **{order['status']}** (total {total}).")
    return "\n".join(lines)


# --- shared words ------------------------------------------------------------------------------


def _item(cart: Result, product_id: object) -> Result | None:
    return next((i for i in cart.get("items", []) if i["product_id"] == product_id), None)


def _link(item: Result) -> str:
    return f"**[{item['name']}]({item['url']})**" if item.get("url") else f"**{item['name']}**"


def _cart_total(cart: Result) -> str:
    count = cart.get("count", 0)
    if not count:
        return "Your cart is now empty."
    total = money(cart["total"], cart.get("currency", "EUR"))
    items = f"{count} item{'s' if count != 1 else ''}"
    return f"Your cart: {items}, {total} in total. [Go to your cart]({reverse('cart:page')})"


# After the conversational rules ("Repeat after me: add …"), before the catalogue search.
CART_RULES: dict[str, OfflineUse] = {
    "cancel_order": OfflineUse(plan=plan_cancel, answer=answer_cancel, priority=-10),
    "update_cart_item": OfflineUse(
        plan=plan_update,
        clarify=clarify_update,
        answer=answer_update,
        priority=CONVERSATION_PRIORITY + 40,
    ),
    "add_to_cart": OfflineUse(
        plan=plan_add,
        clarify=clarify_add,
        answer=answer_add,
        priority=CONVERSATION_PRIORITY + 50,
    ),
    "view_cart": OfflineUse(
        plan=plan_view, answer=answer_view, priority=CONVERSATION_PRIORITY + 60
    ),
}
