"""A shopper's words as the offline demo model reads them, and prices as it writes them.

Prices ("under $100", "between 50 and 100 euros", "cheapest two"), counts and quantities
("two of those", "add 3 …"), picks from a list ("the first one", "both") and the words that
name a product. Rule-based on purpose: the demo model needs no network, and its rules are
tested (tests/llm/test_offline_phrases.py).
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from shop.search import STOP_WORDS, singular

Sort = Literal["relevance", "price_asc", "price_desc"]

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
NUMBER_PATTERN = r"(?:\d+|" + "|".join(NUMBER_WORDS) + r"|a couple(?: of)?)"

# An amount of money: "€150", "150 €", "$100", "100 euros", "129.95", "1,000".
_AMOUNT = (
    r"(?P<{g}_pre>[€$£]\s*)?(?P<{g}>\d{{1,3}}(?:,\d{{3}})+|\d+(?:[.,]\d{{1,2}}(?!\d))?)"
    r"(?P<{g}_post>\s*(?:€|\$|£|eur(?:os?)?\b|dollars?\b|usd\b|bucks\b|pounds?\b|quid\b))?"
)


def _amount(name: str) -> str:
    return _AMOUNT.format(g=name)


_RANGES = [
    re.compile(rf"\bbetween\s+{_amount('low')}\s*(?:and|to|-|–)\s*{_amount('high')}", re.I),
    re.compile(rf"\bfrom\s+{_amount('low')}\s*(?:to|-|–)\s*{_amount('high')}", re.I),
    # A bare "50-100" only with a currency: "2-24 kg" is a product's weight, not a budget.
    re.compile(rf"(?<![\w.,]){_amount('low')}\s*(?:-|–|to)\s*{_amount('high')}", re.I),
]
_MAX = [
    re.compile(
        r"\b(?:under|below|less than|cheaper than|up to|no more than|not more than|"
        r"at most|max(?:imum)?|within|budget(?: of| is)?|for less than|beneath)\s+"
        + _amount("high"),
        re.I,
    ),
    re.compile(
        _amount("high") + r"\s+(?:or less|or under|or below|max(?:imum)?|tops|or cheaper)\b", re.I
    ),
]
_MIN = [
    re.compile(
        r"\b(?:over|above|more than|at least|min(?:imum)?|from|starting at|pricier than)\s+"
        + _amount("low"),
        re.I,
    ),
    re.compile(_amount("low") + r"\s*(?:or more|and up|and above|\+|plus)(?!\w)", re.I),
]
# An amount with a currency and no bound: "shoes for $100", "a 150 euro jacket".
_BARE = re.compile(rf"(?<![\w.,]){_amount('high')}", re.I)
_FOREIGN = re.compile(r"[$£]|\b(?:dollars?|usd|bucks|pounds?|quid)\b", re.I)

_CHEAPEST = re.compile(
    r"\b(?:cheapest|least expensive|lowest[- ]priced?|most affordable|lowest prices?)\b", re.I
)
_DEAREST = re.compile(
    r"\b(?:most expensive|priciest|dearest|highest[- ]priced?|highest prices?|top[- ]end)\b",
    re.I,
)
_SORT_COUNT = re.compile(
    rf"\b(?P<before>{NUMBER_PATTERN})\s+(?:of\s+(?:the|your)\s+)?(?:cheapest|least expensive|"
    rf"most expensive|priciest|most affordable)\b|\b(?:cheapest|least expensive|most expensive|"
    rf"priciest|most affordable)\s+(?P<after>{NUMBER_PATTERN})\b",
    re.I,
)
_IN_STOCK = re.compile(
    r"\b(?:in[- ]stock|available|availability|can (?:i )?(?:buy|get|order) (?:now|today)|"
    r"ships? (?:now|today)|on hand)\b",
    re.I,
)
_UNIT = r"(?:\s*(?:mm|cm|m|kg|g|l|ml|lumens?|gb|tb|w|hours?|h)\b|\s*(?:%|\"|°|x\b))"


@dataclass(frozen=True)
class PriceAsk:
    """What a question asks of prices: bounds (inclusive), an order and how many."""

    min_price: Decimal | None = None
    max_price: Decimal | None = None
    sort: Sort = "relevance"
    count: int | None = None
    foreign_currency: bool = False  # the shopper said "$" or "dollars"; the shop is in euros


def _to_decimal(text: str) -> Decimal | None:
    cleaned = text.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", text) else text
    try:
        return Decimal(cleaned.replace(",", "."))
    except InvalidOperation:
        return None


def _has_currency(match: re.Match[str], group: str) -> bool:
    return bool(match.group(f"{group}_pre") or match.group(f"{group}_post"))


def number_value(word: str) -> int | None:
    """ "3", "three", "a couple" -> the number."""
    word = word.lower().strip()
    if word.isdigit():
        return int(word)
    if word.startswith("a couple"):
        return 2
    return NUMBER_WORDS.get(word)


def read_prices(text: str) -> PriceAsk:
    """The price bounds, the price order and the count a question asks for."""
    low: Decimal | None = None
    high: Decimal | None = None
    for i, pattern in enumerate(_RANGES):
        m = pattern.search(text)
        if m and (i < 2 or _has_currency(m, "low") or _has_currency(m, "high")):
            low, high = _to_decimal(m.group("low")), _to_decimal(m.group("high"))
            break
    if low is None and high is None:
        for pattern in _MAX:
            if m := pattern.search(text):
                high = _to_decimal(m.group("high"))
                break
        for pattern in _MIN:
            if m := pattern.search(text):
                low = _to_decimal(m.group("low"))
                break
        if low is None and high is None:
            bare = next((b for b in _BARE.finditer(text) if _has_currency(b, "high")), None)
            if bare is not None:
                high = _to_decimal(bare.group("high"))
    if low is not None and high is not None and low > high:
        low, high = high, low
    sort: Sort = "relevance"
    if _CHEAPEST.search(text):
        sort = "price_asc"
    elif _DEAREST.search(text):
        sort = "price_desc"
    count = None
    if sort != "relevance" and (m := _SORT_COUNT.search(text)):
        count = number_value(m.group("before") or m.group("after"))
    return PriceAsk(
        min_price=low,
        max_price=high,
        sort=sort,
        count=count,
        foreign_currency=bool((low or high) and _FOREIGN.search(text)),
    )


def wants_in_stock(text: str) -> bool:
    return bool(_IN_STOCK.search(text))


def strip_prices(text: str) -> str:
    """The question without its price phrases (bounds and orders), so that their numbers are
    no quantities and their words no product words."""
    for pattern in [*_RANGES, *_MAX, *_MIN, _SORT_COUNT, _CHEAPEST, _DEAREST]:
        text = pattern.sub(" ", text)
    return _BARE.sub(lambda m: " " if _has_currency(m, "high") else m.group(0), text)


_QUANTITY = re.compile(rf"(?<![\w#.,-])(?P<n>{NUMBER_PATTERN})(?!{_UNIT})(?![\w.,-])", re.I)
_NOT_A_QUANTITY = re.compile(
    r"\b(?:the|this|that|which|any|each|every|first|second|third|last|no|only)\s+one\b"
    r"|\bone\s+(?:of\s+(?:the|my|your)\s+)?(?:cheapest|priciest)\b",
    re.I,
)


def read_quantity(text: str) -> int | None:
    """How many of a product: "add 3 …", "two of those", "a couple"; None when not said.

    Numbers of a price, an order number, a size ("4 mm") or a pick ("the first one") are not
    quantities.
    """
    text = strip_prices(re.sub(r"\bORD-\d+\b", " ", text, flags=re.I))
    text = _ORDINAL.sub(" ", _NOT_A_QUANTITY.sub(" ", text))
    m = _QUANTITY.search(text)
    return number_value(m.group("n")) if m else None


_ORDINALS = {
    "first": 0,
    "1st": 0,
    "second": 1,
    "2nd": 1,
    "third": 2,
    "3rd": 2,
    "fourth": 3,
    "4th": 3,
    "fifth": 4,
    "5th": 4,
    "last": -1,
}
_ORDINAL = re.compile(
    r"\b(?P<word>" + "|".join(_ORDINALS) + rf")(?:\s+(?P<count>{NUMBER_PATTERN}))?\b"
    r"|(?:#|\bnumber\s+|\bno\.\s*|\bitem\s+)(?P<index>\d+)\b",
    re.I,
)
_BOTH = re.compile(r"\bboth\b|\b(?:those|these|the|them)\s+two\b", re.I)
_ALL = re.compile(r"\ball\s+(?:of\s+)?(?:them|those|these|the\s+\w+|three|four|five)\b", re.I)
_REFERENCE = re.compile(
    r"\b(?:those|these|them|it|that|this|that one|this one|the one|same)\b", re.I
)


def read_picks(text: str, available: int) -> list[int] | None:
    """Which of `available` listed products the shopper means, as indexes, in order.

    "the first one" -> [0]; "the first two", "both" -> [0, 1]; "the second and the last" ->
    [1, available - 1]; "all of them" -> every one. None when the text picks none.
    """
    if available <= 0:
        return None
    if _ALL.search(text):
        return list(range(available))
    picks: list[int] = []
    for m in _ORDINAL.finditer(text):
        if m.group("index"):
            index = int(m.group("index")) - 1
            span = 1
        else:
            index = _ORDINALS[m.group("word").lower()]
            span = (number_value(m.group("count")) if m.group("count") else None) or 1
        if index < 0:
            index += available
        picks += [i for i in range(index, index + span) if 0 <= i < available and i not in picks]
    if not picks and _BOTH.search(text) and available >= 2:
        picks = [0, 1]
    return picks or None


def refers_back(text: str) -> bool:
    """The text points at something already shown ("those", "it", "the first one")."""
    return bool(_REFERENCE.search(text) or _ORDINAL.search(text) or _BOTH.search(text))


_WORD = re.compile(r"[\w'-]+")


def content_words(text: str, *, extra_stop: frozenset[str] = frozenset()) -> list[str]:
    """The words that say what the shopper wants: no filler, no numbers, no price talk."""
    words = []
    for raw in _WORD.findall(strip_prices(text).lower()):
        word = raw.strip("'-")
        if len(word) < 2 or word.isdigit() or word in STOP_WORDS or word in extra_stop:
            continue
        if word in NUMBER_WORDS or word in _ORDINALS:
            continue
        if word not in words:
            words.append(word)
    return words


def names_match(words: list[str], *texts: str) -> bool:
    """Every word (its singular) is in one of `texts`: "cloudstride shoes" names the
    "Cloudstride Road Running Shoe"."""
    haystack = " ".join(texts).lower()
    return bool(words) and all(singular(w) in haystack for w in words)


def money(amount: str | Decimal, currency: str) -> str:
    """A price as the shop writes it: "€129.95" (never "$": the seeded shop is in euros)."""
    symbol = {"EUR": "€", "GBP": "£"}.get(currency)
    value = f"{Decimal(str(amount)):.2f}"
    return f"{symbol}{value}" if symbol else f"{value} {currency}"
