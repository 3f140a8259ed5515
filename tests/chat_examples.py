"""The example questions (of the chat page and the panel) and what a correct answer to each holds.

Read from the settings the page shows them from (CHAT_STARTER_PROMPTS, rendered by
chat/conversation.html), so a new example without an expectation here fails the tests.
Shared by the offline model's test (the answer's Markdown) and the browser test (the answer
as rendered): both hold the product names and the € prices.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from shop import demo_data

_EURO = re.compile(r"€(\d+(?:\.\d{1,2})?)")
NAMES_BY_CATEGORY = {
    c.slug: {p.name for p in demo_data.PRODUCTS if p.category == c.slug and p.is_active}
    for c in demo_data.CATEGORIES
}
ALL_NAMES = set().union(*NAMES_BY_CATEGORY.values())


def example_questions() -> list[str]:
    """The questions of the page's example buttons, in page order (the starter prompts)."""
    return list(settings.CHAT_STARTER_PROMPTS)


@dataclass(frozen=True)
class Expected:
    """What a correct answer holds: product names it must name and must not, the highest
    € amount it may show, a category every named product must be in (with at least
    `at_least` of them), and phrases."""

    names: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    max_price: Decimal | None = None
    category: str | None = None
    at_least: int = 0
    phrases: tuple[str, ...] = ()


EXPECTED = {
    "Find running shoes under €150": Expected(
        names=("Cloudstride Road Running Shoe", "Trailblaze GTX Trail Running Shoe"),
        absent=("Tempo Carbon Racing Shoe",),  # €229
        max_price=Decimal("150"),
    ),
    "Compare your yoga mats": Expected(
        names=("Natural Rubber Yoga Mat 4 mm", "Foldable Travel Yoga Mat 1.5 mm"),
        phrases=("€79.00", "€45.00", "out of stock"),
    ),
    "Gift ideas for a coffee lover": Expected(category="coffee-kitchen", at_least=3),
    "Where is my order ORD-10042?": Expected(phrases=("log in", "ORD-10042")),
}
# The demo customer asking the same (logged in as `demo`).
EXPECTED_FOR_DEMO_CUSTOMER = {
    "Where is my order ORD-10042?": Expected(
        names=("Cloudstride Road Running Shoe",), phrases=("delivered", "ORD-10042")
    ),
}


def problems(answer: str, expected: Expected) -> list[str]:
    """What is wrong with `answer` (empty when it is correct)."""
    found: list[str] = []
    named = {name for name in ALL_NAMES if name in answer}
    found += [f"does not name {n}" for n in expected.names if n not in answer]
    found += [f"names {n}" for n in expected.absent if n in answer]
    if expected.category is not None:
        outside = named - NAMES_BY_CATEGORY[expected.category]
        found += [f"names {n}, not of {expected.category}" for n in sorted(outside)]
        if len(named) < expected.at_least:
            found.append(f"names {len(named)} products of {expected.category}")
    prices = [Decimal(p) for p in _EURO.findall(answer)]
    if expected.max_price is not None:
        found += [f"shows €{p}, over the limit" for p in prices if p > expected.max_price]
    found += [f"does not say {p!r}" for p in expected.phrases if p not in answer]
    if named and not prices:
        found.append("names products without € prices")
    if "$" in answer:
        found.append("shows a $ price")
    return found
