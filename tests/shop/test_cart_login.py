"""Login merges the visitor's cart into the account's, and moves their conversations too."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore

from chat.models import Conversation
from shop.models import Cart, CartItem, Product
from shop.owners import SESSION_KEY
from tests.shop.cart_browser import PASSWORD, Browser
from tests.shop.factories import category_create, product_create, user_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def products():
    gear = category_create(name="Gear")
    return {
        "shoe": product_create(name="Trail Shoe", category=gear, price="100.00", stock=6),
        "sock": product_create(name="Wool Sock", category=gear, price="5.00", stock=500),
        "cap": product_create(name="Cap", category=gear, price="15.00", stock=4),
    }


def quantities(browser: Browser) -> dict[int, int]:
    return {item["product_id"]: item["quantity"] for item in browser.cart()["items"]}


def fill_account_cart(username: str, lines: dict[int, int]) -> None:
    """Lines put in the account's cart on another day, from another browser."""
    other = Browser()
    other.log_in(username, create=False)
    for product_id, quantity in lines.items():
        assert other.add(product_id, quantity).status_code == 201


def test_a_visitors_line_whose_product_sold_out_meanwhile_is_dropped_at_login(products):
    browser = Browser()
    browser.add(products["cap"].pk, 2)
    Product.objects.filter(pk=products["cap"].pk).update(stock=0)

    browser.log_in("bob")

    assert quantities(browser) == {}
    assert not CartItem.objects.exists()


def test_login_merges_the_visitors_cart_adding_quantities_up(products):
    user_create(username="alice", password=PASSWORD)
    fill_account_cart("alice", {products["sock"].pk: 2, products["cap"].pk: 1})
    browser = Browser()
    browser.add(products["sock"].pk, 3)
    browser.add(products["shoe"].pk, 1)

    browser.log_in("alice", create=False)

    assert quantities(browser) == {
        products["sock"].pk: 5,
        products["cap"].pk: 1,
        products["shoe"].pk: 1,
    }
    assert Cart.objects.count() == 1  # the visitor's cart is gone


def test_the_merge_caps_a_line_at_the_stock(products):
    user_create(username="alice", password=PASSWORD)
    fill_account_cart("alice", {products["shoe"].pk: 4})
    browser = Browser()
    browser.add(products["shoe"].pk, 5)
    browser.log_in("alice", create=False)
    assert quantities(browser) == {products["shoe"].pk: 6}


def test_the_merge_caps_a_line_at_99(products):
    user_create(username="alice", password=PASSWORD)
    fill_account_cart("alice", {products["sock"].pk: 60})
    browser = Browser()
    browser.add(products["sock"].pk, 70)
    browser.log_in("alice", create=False)
    assert quantities(browser) == {products["sock"].pk: 99}


def test_login_without_an_account_cart_moves_the_visitors_cart(products):
    browser = Browser()
    browser.add(products["cap"].pk, 2)
    browser.log_in("bob")
    user = get_user_model().objects.get(username="bob")
    assert quantities(browser) == {products["cap"].pk: 2}
    assert CartItem.objects.get().cart.user_id == user.pk


def test_login_moves_both_the_cart_and_the_conversations(products):
    browser = Browser()
    browser.add(products["cap"].pk, 1)
    created = browser.send("POST", "/api/conversations/", {"title": "Sizes?"})
    assert created.status_code == 201

    browser.log_in("bob")

    user = get_user_model().objects.get(username="bob")
    conversation = Conversation.objects.get(pk=created.json()["id"])
    assert conversation.user_id == user.pk and conversation.anonymous_key == ""
    assert quantities(browser) == {products["cap"].pk: 1}


def test_another_visitors_cart_is_not_merged(products):
    browser, stranger = Browser(), Browser()
    browser.add(products["cap"].pk, 1)
    stranger.add(products["sock"].pk, 7)
    browser.log_in("bob")
    assert quantities(browser) == {products["cap"].pk: 1}
    assert quantities(stranger) == {products["sock"].pk: 7}


def test_a_failed_login_merges_nothing(products):
    user_create(username="alice", password=PASSWORD)
    browser = Browser()
    browser.add(products["cap"].pk, 1)
    response = browser.post_form("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert not Cart.objects.filter(user__isnull=False).exists()
    assert quantities(browser) == {products["cap"].pk: 1}


def test_login_takes_the_anonymous_key_out_of_the_session(products):
    browser = Browser()
    browser.add(products["cap"].pk, 1)
    browser.log_in("bob")
    session = SessionStore(session_key=browser.client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert SESSION_KEY not in session
