"""The catalogue pages a shopper browses."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from shop.views import PAGE_SIZE
from tests.shop.factories import category_create, product_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    running = category_create(name="Running")
    coffee = category_create(name="Coffee & Kitchen", slug="coffee-kitchen")
    shoes = [
        product_create(
            name=f"Road Shoe {n:02d}",
            category=running,
            price="129.95",
            description="A light daily trainer.",
        )
        for n in range(1, PAGE_SIZE + 3)
    ]
    machine = product_create(
        name="Barista Espresso Machine",
        category=coffee,
        price="1299.00",
        stock=0,
        description="Dual boiler with a powerful steam wand.",
    )
    retired = product_create(name="Retired Kettle", category=coffee, is_active=False)
    return {"shoes": shoes, "machine": machine, "retired": retired}


def _link(content: str, rel: str) -> str:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}"', content)
    assert match, f"no {rel} link"
    return html.unescape(match.group(1))


def test_list_shows_product_cards_with_price_category_and_stock(client, catalogue):
    response = client.get("/")
    content = response.content.decode()

    assert response.status_code == 200
    assert f"{PAGE_SIZE + 3} products" in content
    assert 'href="/products/barista-espresso-machine/"' in content
    assert "1,299.00 EUR" in content
    assert "Coffee &amp; Kitchen" in content
    assert "Out of stock" in content
    assert "In stock" in content
    assert "Retired Kettle" not in content


def test_search_narrows_the_list(client, catalogue):
    content = client.get("/", {"q": "espresso"}).content.decode()

    assert "1 product" in content
    assert "Barista Espresso Machine" in content
    assert "Road Shoe" not in content
    assert 'value="espresso"' in content


def test_category_filter_shows_only_that_category(client, catalogue):
    content = client.get("/", {"category": "coffee-kitchen"}).content.decode()

    assert "Barista Espresso Machine" in content
    assert "Road Shoe" not in content
    assert '<option value="coffee-kitchen" selected>' in content


def test_search_without_results_shows_empty_state(client, catalogue):
    content = client.get("/", {"q": "snorkel"}).content.decode()

    assert "0 products" in content
    assert "No products found" in content
    assert 'class="product-grid"' not in content


def test_second_page_keeps_search_and_category(client, catalogue):
    first = client.get("/", {"q": "shoe", "category": "running"}).content.decode()
    next_url = _link(first, "next")

    assert parse_qs(urlsplit(next_url).query) == {
        "q": ["shoe"],
        "category": ["running"],
        "page": ["2"],
    }
    second = client.get("/" + next_url).content.decode()
    assert "Page 2 of 2" in second
    assert "Road Shoe 13" in second and "Road Shoe 14" in second
    assert "Road Shoe 01" not in second
    assert parse_qs(urlsplit(_link(second, "prev")).query)["category"] == ["running"]


def test_detail_page_shows_product_and_links_back_and_to_assistant(client, catalogue):
    response = client.get("/products/barista-espresso-machine/")
    content = response.content.decode()

    assert response.status_code == 200
    assert "<h1>Barista Espresso Machine</h1>" in content
    assert "1,299.00 EUR" in content
    assert "Out of stock" in content
    assert "Dual boiler with a powerful steam wand." in content
    assert 'href="/?category=coffee-kitchen"' in content
    assert re.search(r'<a[^>]*href="/chat/"[^>]*>Ask the assistant about this product</a>', content)


def test_detail_page_shows_stock_count(client, catalogue):
    content = client.get(catalogue["shoes"][0].get_absolute_url()).content.decode()

    assert "In stock" in content
    assert "5 available" in content


def test_unknown_product_is_a_404_page(client, catalogue):
    response = client.get("/products/no-such-thing/")

    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert "Page not found" in response.content.decode()


def test_inactive_product_is_a_404(client, catalogue):
    response = client.get(catalogue["retired"].get_absolute_url())

    assert response.status_code == 404


def test_base_layout_links_to_the_assistant(client, catalogue):
    content = client.get("/").content.decode()

    assert 'href="/chat/"' in content
    assert 'href="/static/css/site.css"' in content
