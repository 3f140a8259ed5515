"""The cart page, its forms (plain POSTs with CSRF), the order page, the header count."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shop.models import Order, Product
from tests.shop.cart_browser import Browser
from tests.shop.factories import category_create, product_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def products():
    gear = category_create(name="Gear")
    return {
        "shoe": product_create(name="Trail Shoe", category=gear, price="129.95", stock=5),
        "sock": product_create(name="Wool Sock", category=gear, price="9.50", stock=50),
    }


def header_count(content: str) -> int:
    match = re.search(r'<span class="cart-count"[^>]*>(\d+)</span>', content)
    assert match, "no cart count in the header"
    return int(match.group(1))


def test_the_product_page_form_adds_to_the_cart(products):
    browser = Browser()
    page = browser.client.get(f"/products/{products['shoe'].slug}/").content.decode()
    assert 'action="/cart/add/"' in page
    response = browser.post_form("/cart/add/", {"product_id": products["shoe"].pk, "quantity": 2})
    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert browser.cart()["count"] == 2


def test_the_cart_page_lists_lines_with_quantities_totals_and_a_checkout_button(products):
    browser = Browser()
    browser.add(products["shoe"].pk, 2)
    browser.add(products["sock"].pk, 1)
    page = browser.client.get("/cart/").content.decode()
    assert "Trail Shoe" in page and "Wool Sock" in page
    assert f'id="qty-{products["shoe"].pk}" name="quantity" value="2"' in page
    assert "259.90 EUR" in page and "269.40 EUR" in page
    assert 'action="/cart/checkout/"' in page
    assert "no payment step" in page
    assert page.count("csrfmiddlewaretoken") >= 4


def test_the_empty_cart_page_says_so():
    page = Client().get("/cart/").content.decode()
    assert "Your cart is empty." in page and "/cart/checkout/" not in page


def test_the_quantity_form_updates_and_zero_removes(products):
    browser = Browser()
    browser.add(products["sock"].pk, 1)
    path = f"/cart/items/{products['sock'].pk}/"
    assert browser.post_form(path, {"quantity": "4"}).status_code == 302
    assert browser.cart()["count"] == 4
    browser.post_form(path, {"quantity": "0"})
    assert browser.cart()["items"] == []


def test_the_remove_button_removes_the_line(products):
    browser = Browser()
    browser.add(products["sock"].pk, 3)
    browser.post_form(f"/cart/items/{products['sock'].pk}/", {"remove": "1"})
    assert browser.cart()["items"] == []


def test_a_bad_quantity_on_the_page_shows_the_error_and_changes_nothing(products):
    browser = Browser()
    browser.add(products["sock"].pk, 3)
    response = browser.post_form(f"/cart/items/{products['sock'].pk}/", {"quantity": "abc"})
    page = browser.client.get(response["Location"]).content.decode()
    assert "Enter a whole number." in page
    assert browser.cart()["count"] == 3


def test_the_page_forms_refuse_a_post_without_the_csrf_token(products):
    browser = Browser()
    response = browser.client.post("/cart/add/", {"product_id": products["sock"].pk, "quantity": 1})
    assert response.status_code == 403
    assert browser.cart()["count"] == 0


def test_a_visitors_checkout_goes_to_login_and_back_to_the_cart_which_survives(products):
    browser = Browser()
    browser.add(products["shoe"].pk, 1)
    response = browser.post_form("/cart/checkout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fcart%2F"
    login = browser.log_in("bob", next_url="/cart/")
    assert login["Location"] == "/cart/"
    assert "Trail Shoe" in browser.client.get("/cart/").content.decode()


def test_checkout_from_the_page_shows_the_order(products):
    browser = Browser()
    browser.log_in("bob")
    browser.add(products["shoe"].pk, 2)
    response = browser.post_form("/cart/checkout/")
    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.number}/"
    page = browser.client.get(response["Location"]).content.decode()
    assert order.number in page and "Pending" in page and "259.90" in page
    assert "no payment step" in page
    assert Product.objects.get(pk=products["shoe"].pk).stock == 3
    assert Client().get(f"/orders/{order.number}/").status_code == 404


def test_a_failed_checkout_from_the_page_shows_why(products):
    browser = Browser()
    browser.log_in("bob")
    browser.add(products["shoe"].pk, 5)
    Product.objects.filter(pk=products["shoe"].pk).update(stock=2)
    response = browser.post_form("/cart/checkout/")
    page = browser.client.get(response["Location"]).content.decode()
    assert "Not enough in stock: Trail Shoe (2 left)." in page
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "path", ["/", "/chat/", "/accounts/login/", "/cart/", "/products/trail-shoe/"]
)
def test_the_header_shows_the_cart_count_on_other_pages(products, path):
    browser = Browser()
    browser.add(products["sock"].pk, 3)
    browser.add(products["shoe"].pk, 1)
    assert header_count(browser.client.get(path).content.decode()) == 4


def test_the_header_count_is_the_users_own_after_login(products):
    browser, stranger = Browser(), Browser()
    stranger.add(products["sock"].pk, 9)
    browser.log_in("bob")
    browser.add(products["sock"].pk, 2)
    assert header_count(browser.client.get("/").content.decode()) == 2


def test_the_header_count_costs_no_query_without_a_session(products):
    client = Client()
    with CaptureQueriesContext(connection) as without_count:
        client.get("/cart/")
    assert not [q for q in without_count.captured_queries if "shop_cartitem" in q["sql"]]


def test_the_header_count_costs_one_query_with_a_session(products):
    browser = Browser()
    browser.add(products["sock"].pk, 1)
    with CaptureQueriesContext(connection) as queries:
        assert header_count(browser.client.get("/accounts/login/").content.decode()) == 1
    assert len([q for q in queries.captured_queries if "shop_cartitem" in q["sql"]]) == 1
