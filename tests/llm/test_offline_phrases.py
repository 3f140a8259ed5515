"""The offline demo model reads prices, quantities and picks the way a shopper says them."""

from decimal import Decimal

import pytest

from llm.offline_phrases import (
    content_words,
    money,
    names_match,
    read_picks,
    read_prices,
    read_quantity,
    refers_back,
    wants_in_stock,
)

D = Decimal


@pytest.mark.parametrize(
    "text, low, high",
    [
        ("Find running shoes under $100", None, D("100")),
        ("running shoes under 150", None, D("150")),
        ("a jacket below €150", None, D("150")),
        ("headphones for less than 100 euros", None, D("100")),
        ("a budget of 80 EUR", None, D("80")),
        ("up to 99.50", None, D("99.50")),
        ("something for 100€", None, D("100")),
        ("a 150 euro jacket", None, D("150")),
        ("€20 or less", None, D("20")),
        ("under 1,000 euros", None, D("1000")),
        ("between 50 and 100", D("50"), D("100")),
        ("from 50 to 100 euros", D("50"), D("100")),
        ("50-100 euros", D("50"), D("100")),
        ("€50 – €100", D("50"), D("100")),
        ("between 100 and 50", D("50"), D("100")),  # reversed bounds are still a range
        ("over 50", D("50"), None),
        ("at least €200", D("200"), None),
        ("above 100 and below 200", D("100"), D("200")),
        ("$30 or more", D("30"), None),
    ],
)
def test_price_bounds(text, low, high):
    prices = read_prices(text)
    assert (prices.min_price, prices.max_price) == (low, high)
    assert prices.sort == "relevance"


@pytest.mark.parametrize(
    "text",
    [
        "Adjustable Dumbbells 2-24 kg",  # a weight range, not a budget
        "a 4 mm yoga mat",
        "Where is my order ORD-10042?",
        "a 20 L backpack",
        "add 2 of those",
    ],
)
def test_numbers_that_are_not_prices(text):
    prices = read_prices(text)
    assert (prices.min_price, prices.max_price) == (None, None)


@pytest.mark.parametrize(
    "text, sort, count",
    [
        ("the cheapest coffee grinder", "price_asc", None),
        ("cheapest two running shoes", "price_asc", 2),
        ("compare the two cheapest tents", "price_asc", 2),
        ("the 3 least expensive headphones", "price_asc", 3),
        ("your most expensive espresso machine", "price_desc", None),
        ("the priciest three jackets", "price_desc", 3),
        ("running shoes", "relevance", None),
    ],
)
def test_price_order_and_count(text, sort, count):
    prices = read_prices(text)
    assert (prices.sort, prices.count) == (sort, count)


def test_dollars_are_noted_as_a_foreign_currency():
    assert read_prices("shoes under $100").foreign_currency
    assert read_prices("shoes under 100 dollars").foreign_currency
    assert not read_prices("shoes under €100").foreign_currency
    assert not read_prices("shoes under 100").foreign_currency


@pytest.mark.parametrize(
    "text, quantity",
    [
        ("add two of those", 2),
        ("add 3 Cloudstride shoes to the cart", 3),
        ("add a couple of those", 2),
        ("add one of those", 1),
        ("add the first one to my cart", None),
        ("add the first two", None),
        ("add 2 of the first one", 2),
        ("add it", None),
        ("add the 4 mm yoga mat", None),
        ("add 2 Natural Rubber Yoga Mat 4 mm", 2),
        ("add the 20 L backpack", None),
        ("add something under €50", None),
        ("set the shoes to 2", 2),
        ("cancel ORD-10042", None),
    ],
)
def test_quantities(text, quantity):
    assert read_quantity(text) == quantity


@pytest.mark.parametrize(
    "text, available, picks",
    [
        ("add the first one", 5, [0]),
        ("the second", 5, [1]),
        ("the last one", 5, [4]),
        ("the 3rd", 5, [2]),
        ("number 2", 5, [1]),
        ("the first two", 5, [0, 1]),
        ("the second and the last", 5, [1, 4]),
        ("both", 3, [0, 1]),
        ("those two", 3, [0, 1]),
        ("all of them", 3, [0, 1, 2]),
        ("the fifth", 2, None),  # not on the list
        ("both", 1, None),
        ("add two of those", 5, None),
        ("the first one", 0, None),
    ],
)
def test_picks_from_a_list(text, available, picks):
    assert read_picks(text, available) == picks


def test_references_to_what_was_shown():
    assert all(refers_back(t) for t in ["add it", "two of those", "the first one", "both"])
    assert not any(refers_back(t) for t in ["running shoes", "add 3 Cloudstride shoes"])


def test_in_stock_phrases():
    assert wants_in_stock("yoga mats in stock")
    assert wants_in_stock("which of these are available?")
    assert not wants_in_stock("yoga mats")


def test_content_words_drop_filler_numbers_and_prices():
    assert content_words("Find running shoes under $100") == ["running", "shoes"]
    assert content_words("Gift ideas for a coffee lover", extra_stop=frozenset({"ideas"})) == [
        "coffee"
    ]
    assert content_words("the two cheapest tents") == ["tents"]


def test_a_name_matches_when_every_word_is_in_it():
    assert names_match(["cloudstride", "shoes"], "Cloudstride Road Running Shoe")
    assert names_match(["socks"], "Merino Running Socks (3-pack)")
    assert not names_match(["trail", "socks"], "Merino Running Socks (3-pack)")
    assert not names_match([], "anything")


@pytest.mark.parametrize(
    "amount, currency, shown",
    [
        ("129.95", "EUR", "€129.95"),
        (D("149"), "EUR", "€149.00"),
        ("12", "GBP", "£12.00"),
        ("12", "USD", "12.00 USD"),  # never a bare "$": the shop does not price in dollars
    ],
)
def test_money(amount, currency, shown):
    assert money(amount, currency) == shown
