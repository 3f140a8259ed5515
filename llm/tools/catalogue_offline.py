"""The offline demo model's rules for the catalogue tools (see `OfflineUse`).

A product question becomes one search with the price bounds, order and stock it asks for
("running shoes under €150", "the two cheapest coffee grinders", "yoga in stock"); when a price
limit leaves nothing that matches every word, a second search finds the cheapest that does, so
the answer can say what it would cost. "Compare …" fetches the details of the products found
(or of those already shown: "compare the first two") and answers with a table.
"""

import re
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from llm.offline_phrases import (
    content_words,
    money,
    number_value,
    read_picks,
    read_prices,
    refers_back,
    wants_in_stock,
)
from llm.tools.offline_use import Args, Outcome, Result, Turn

# Words of requests to the assistant, not of the product wanted.
_ASSISTANT_WORDS = frozenset(
    """find show list tell know looking look idea ideas suggestion suggestions compare
    comparison compared versus vs difference differences add put cart basket remove delete
    set change update what's whats which options option range please thanks""".split()
)
_GIFT = re.compile(r"\b(?:gifts?|presents?|birthday|christmas)\b|\blovers?\b", re.I)
_COMPARE = re.compile(r"\bcompar\w*|\bversus\b|\bvs\b\.?|\bdifferences? between\b", re.I)
_COMPARE_COUNT = re.compile(r"\bcompare\s+(?:the\s+|these\s+|those\s+|your\s+|my\s+)?(\w+)", re.I)
_CATEGORIES = re.compile(r"categor|departments|what (?:do you|does the shop) sell", re.I)
COMPARE_AT_MOST = 3


def _product_words(question: str) -> list[str]:
    return content_words(question, extra_stop=_ASSISTANT_WORDS)


def wants_comparison(question: str) -> bool:
    return bool(_COMPARE.search(question))


def _compare_count(question: str) -> int | None:
    m = _COMPARE_COUNT.search(question)
    return number_value(m.group(1)) if m else None


def plan_search(turn: Turn) -> list[Args]:
    """One search for a product question; a second when a price limit hid every full match."""
    if turn.done:
        return _plan_cheapest_full_match(turn)
    question = turn.question
    words = _product_words(question)
    prices = read_prices(question)
    bounded = prices.min_price is not None or prices.max_price is not None
    if not words and not bounded and prices.sort == "relevance":
        return []
    if wants_comparison(question) and not words and refers_back(question):
        return []  # "compare those two": the products are already on screen
    # An empty query lists everything (by price when sorted): "anything under €20?".
    args: Args = {"query": " ".join(words[:4]) or "products"}
    if prices.min_price is not None:
        args["min_price"] = float(prices.min_price)
    if prices.max_price is not None:
        args["max_price"] = float(prices.max_price)
    # A gift should be one the shopper can buy now.
    if wants_in_stock(question) or _GIFT.search(question):
        args["in_stock_only"] = True
    if prices.sort != "relevance":
        args["sort"] = prices.sort
    limit = prices.count
    if wants_comparison(question):
        limit = min(limit or _compare_count(question) or COMPARE_AT_MOST, COMPARE_AT_MOST)
    if limit:
        args["limit"] = min(limit, 10)
    return [args]


def _plan_cheapest_full_match(turn: Turn) -> list[Args]:
    """After "running shoes under 100" found only socks: the cheapest running shoe."""
    first = turn.done[0]
    if first.name != "search_products" or not first.ok or "max_price" not in first.args:
        return []
    if len(turn.done) > 1 or _full_matches(first.result.get("products", [])):
        return []
    args = {k: v for k, v in first.args.items() if k in ("query", "in_stock_only", "min_price")}
    return [args | {"sort": "price_asc", "limit": 1}]


def _full_matches(products: Sequence[Result]) -> list[Result]:
    return [p for p in products if p.get("matches_all_words", True)]


def plan_details(turn: Turn) -> list[Args]:
    """The details to compare ("compare …": of what a search found now, or of what was
    shown before; "compare this with …" on a product page: that product too), or of the
    product whose page the question was asked on."""
    question = turn.question
    if not wants_comparison(question):
        return _plan_page_details(turn)
    count = min(read_prices(question).count or _compare_count(question) or 3, COMPARE_AT_MOST)
    page_id = int(turn.page["product_id"]) if turn.page and refers_back(question) else None
    if turn.latest(["search_products"], this_turn=True):
        found = turn.products(this_turn=True)
        full = _full_matches(found)
        chosen = full if len(full) >= (1 if page_id else 2) else found
    elif not turn.done and refers_back(question) and not _product_words(question):
        shown = turn.products()
        picks = read_picks(question, len(shown)) or list(range(min(count, len(shown))))
        chosen = [shown[i] for i in picks]
    else:
        return []
    ids = [int(p["id"]) for p in chosen]
    if page_id is not None:
        ids = [page_id, *(i for i in ids if i != page_id)]
    ids = ids[:count]
    return [{"product_id": i} for i in ids] if len(ids) >= 2 else []


def _plan_page_details(turn: Turn) -> list[Args]:
    if turn.page is None or turn.done or _product_words(turn.question):
        return []
    prices = read_prices(turn.question)
    if prices.min_price is not None or prices.max_price is not None or prices.sort != "relevance":
        return []
    return [{"product_id": int(turn.page["product_id"])}]


def plan_categories(turn: Turn) -> list[Args]:
    return [{}] if not turn.done and _CATEGORIES.search(turn.question) else []


# --- answers -----------------------------------------------------------------------------------


def _stock(product: Result) -> str:
    return f"in stock ({product['stock']})" if product["in_stock"] else "out of stock"


def _line(product: Result) -> str:
    price = money(product["price"], product["currency"])
    return f"**[{product['name']}]({product['url']})** — {price}, {_stock(product)}"


def _limits(args: Args, currency: str = "EUR") -> str:
    """The search's filters in words: " under €150, in stock"."""

    def bound(value: float) -> str:
        return money(str(value), currency).removesuffix(".00")

    low, high = args.get("min_price"), args.get("max_price")
    text = ""
    if low is not None and high is not None:
        text = f" between {bound(low)} and {bound(high)}"
    elif high is not None:
        text = f" under {bound(high)}"
    elif low is not None:
        text = f" from {bound(low)}"
    if args.get("in_stock_only"):
        text += ", in stock"
    return text


def _currency_note(turn: Turn) -> str:
    if read_prices(turn.question).foreign_currency:
        return "\n\nOur prices are in euros."
    return ""


def answer_search(outcomes: Sequence[Outcome], turn: Turn) -> str:
    last = outcomes[-1]
    if len(turn.done) == 2 and _plan_cheapest_full_match(replace(turn, done=turn.done[:1])) == [
        last.args
    ]:
        return _answer_with_cheapest(turn.done[0], last) + _currency_note(turn)
    gift = bool(_GIFT.search(turn.question))
    answers = [_answer_one_search(o, gift=gift) for o in outcomes]
    return "\n\n".join(answers) + _currency_note(turn)


def _answer_one_search(outcome: Outcome, *, gift: bool = False) -> str:
    data, args = outcome.result, outcome.args
    products: list[Result] = data.get("products", [])
    query = data.get("query", args.get("query", ""))
    limits = _limits(args)
    if not products:
        return (
            f"I couldn't find anything for “{query}”{limits}. "
            "Ask me which categories we have to see what the shop sells."
        )
    sort = args.get("sort", "relevance")
    if sort != "relevance":
        order = "cheapest" if sort == "price_asc" else "most expensive"
        lines = [f"The {order} for “{query}”{limits}:", ""]
        lines += [f"{i}. {_line(p)}" for i, p in enumerate(products, 1)]
        return "\n".join(lines)
    full = _full_matches(products)
    related = [p for p in products if p not in full]
    if full:
        lines = [f"Here is what I found for “{query}”{limits}:", ""]
        if gift:
            # Gift searches keep to what is in stock (see plan_search): say it once, plainly.
            lines[0] = f"Gift ideas for “{query}”{_limits(args | {'in_stock_only': False})}"
            lines[0] += ", all in stock:" if args.get("in_stock_only") else ":"
        lines += [f"- {_line(p)}" for p in full]
        if related:
            lines += ["", f"Related items{limits}:", ""] + [f"- {_line(p)}" for p in related]
    else:
        lines = [f"Nothing matches all of “{query}”{limits}. Related items{limits}:", ""]
        lines += [f"- {_line(p)}" for p in related]
    more = data.get("total_matches", len(products)) - len(products)
    if more > 0:
        lines += ["", f"There are {more} more matches in the catalogue."]
    return "\n".join(lines)


def _answer_with_cheapest(limited: Outcome, cheapest: Outcome) -> str:
    """The price limit hid every full match; the second search found the cheapest one."""
    query = limited.result.get("query", "")
    limits = _limits(limited.args)
    best = cheapest.result.get("products", []) if cheapest.ok else []
    if best:
        lines = [
            f"Nothing matches “{query}”{limits}: the cheapest is {_line(best[0])}.",
        ]
    else:
        lines = [f"Nothing matches “{query}”{limits}."]
    related = limited.result.get("products", [])
    if related:
        lines += ["", f"Related items{limits}:", ""] + [f"- {_line(p)}" for p in related]
    return "\n".join(lines)


def answer_details(outcomes: Sequence[Outcome], turn: Turn) -> str:
    products = [o.result["product"] for o in outcomes]
    if len(products) >= 2:
        return _comparison(products)
    p = products[0]
    return f"{_line(p)}. {p['description']}"


def _comparison(products: list[Result]) -> str:
    def row(label: str, cells: list[str]) -> str:
        return f"| {label} | " + " | ".join(cells) + " |"

    lines = [
        row("", [f"[{p['name']}]({p['url']})" for p in products]),
        "|---|" + "---|" * len(products),
        row("Price", [money(p["price"], p["currency"]) for p in products]),
        row("Stock", [_stock(p) for p in products]),
        row("Category", [p["category"] for p in products]),
        "",
    ]
    lines += [f"- **{p['name']}**: {p['description']}" for p in products]
    by_price = sorted(products, key=lambda p: Decimal(p["price"]))
    cheapest, dearest = by_price[0], by_price[-1]
    saving = Decimal(dearest["price"]) - Decimal(cheapest["price"])
    if saving > 0:
        verdict = (
            f"The {cheapest['name']} is the cheapest, "
            f"{money(saving, cheapest['currency'])} less than the {dearest['name']}"
        )
        verdict += "." if cheapest["in_stock"] else ", but it is out of stock."
        lines += ["", verdict]
    return "\n".join(lines)


def answer_categories(outcomes: Sequence[Outcome], turn: Turn) -> str:
    categories: list[dict[str, Any]] = outcomes[-1].result["categories"]
    lines = ["We have these categories:", ""]
    lines += [f"- **{c['name']}** ({c['product_count']} products)" for c in categories]
    return "\n".join(lines)
