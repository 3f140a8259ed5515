"""Checkout: a logged-in user's cart becomes a pending order, atomically, at today's prices."""

import threading
from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection

from shop import cart_services
from shop.errors import ShopError
from shop.models import CartItem, Order, Product
from shop.owners import Owner
from tests import services
from tests.shop.cart_browser import Browser, assert_error
from tests.shop.factories import category_create, order_create, product_create, user_create

ORDER_KEYS = {"number", "status", "total", "currency", "created_at", "items"}


@pytest.fixture
def products(db):
    gear = category_create(name="Gear")
    return {
        "shoe": product_create(name="Trail Shoe", category=gear, price="129.95", stock=3),
        "sock": product_create(name="Wool Sock", category=gear, price="9.50", stock=200),
    }


@pytest.fixture
def customer(db) -> Browser:
    browser = Browser()
    browser.log_in("carol")
    return browser


@pytest.mark.django_db
def test_checkout_creates_a_pending_order_in_its_exact_shape(customer, products):
    customer.add(products["shoe"].pk, 2)
    customer.add(products["sock"].pk, 3)
    response = customer.send("POST", "/api/cart/checkout/")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"order"}
    order = body["order"]
    assert set(order) == ORDER_KEYS
    assert order["status"] == "pending"
    assert order["number"].startswith("ORD-")
    assert order["total"] == "288.40"
    assert order["currency"] == "EUR"
    datetime.fromisoformat(order["created_at"])
    assert order["items"] == [
        {
            "product_id": products["shoe"].pk,
            "name": "Trail Shoe",
            "quantity": 2,
            "unit_price": "129.95",
        },
        {
            "product_id": products["sock"].pk,
            "name": "Wool Sock",
            "quantity": 3,
            "unit_price": "9.50",
        },
    ]
    stored = Order.objects.get(number=order["number"])
    assert stored.user.username == "carol" and stored.total == Decimal("288.40")


@pytest.mark.django_db
def test_checkout_decrements_stock_and_empties_the_cart(customer, products):
    customer.add(products["shoe"].pk, 3)
    customer.add(products["sock"].pk, 1)
    assert customer.send("POST", "/api/cart/checkout/").status_code == 201
    assert Product.objects.get(pk=products["shoe"].pk).stock == 0
    assert Product.objects.get(pk=products["sock"].pk).stock == 199
    assert customer.cart()["items"] == []


@pytest.mark.django_db
def test_checkout_charges_todays_price_not_the_price_when_added(customer, products):
    customer.add(products["sock"].pk, 2)
    Product.objects.filter(pk=products["sock"].pk).update(price=Decimal("11.00"))
    order = customer.send("POST", "/api/cart/checkout/").json()["order"]
    assert order["items"][0]["unit_price"] == "11.00" and order["total"] == "22.00"


@pytest.mark.django_db
def test_a_line_beyond_the_stock_fails_the_whole_checkout_and_changes_nothing(customer, products):
    customer.add(products["sock"].pk, 5)
    customer.add(products["shoe"].pk, 3)
    Product.objects.filter(pk=products["shoe"].pk).update(stock=1)

    response = customer.send("POST", "/api/cart/checkout/")
    assert_error(response, 409, "insufficient_stock")
    assert "Trail Shoe" in response.json()["error"]["detail"]
    assert "Wool Sock" not in response.json()["error"]["detail"]
    assert not Order.objects.exists()
    assert Product.objects.get(pk=products["sock"].pk).stock == 200
    assert customer.cart()["count"] == 8


@pytest.mark.django_db
def test_every_short_line_is_named(customer, products):
    customer.add(products["sock"].pk, 5)
    customer.add(products["shoe"].pk, 3)
    Product.objects.filter(pk__in=[p.pk for p in products.values()]).update(stock=1)

    response = customer.send("POST", "/api/cart/checkout/")

    assert_error(response, 409, "insufficient_stock")
    detail = response.json()["error"]["detail"]
    assert "Trail Shoe (1 left)" in detail and "Wool Sock (1 left)" in detail
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_an_anonymous_visitors_checkout_needs_a_login(products):
    visitor = Browser()
    visitor.add(products["sock"].pk, 1)
    assert_error(visitor.send("POST", "/api/cart/checkout/"), 403, "login_required")
    assert_error(Browser().send("POST", "/api/cart/checkout/"), 403, "login_required")
    assert not Order.objects.exists() and visitor.cart()["count"] == 1


@pytest.mark.django_db
def test_an_empty_cart_cannot_be_checked_out(customer, products):
    response = customer.send("POST", "/api/cart/checkout/")
    assert_error(response, 400, "invalid_message")
    assert response.json()["error"]["detail"] == "The cart is empty."


@pytest.mark.django_db
def test_order_numbers_continue_after_the_highest_existing_one(customer, products):
    other = user_create(username="dave")
    order_create(user=other, number="ORD-10071")
    order_create(user=other, number="ORD-9999999")
    order_create(user=other, number="ORD-10042")
    customer.add(products["sock"].pk, 1)
    first = customer.send("POST", "/api/cart/checkout/").json()["order"]["number"]
    customer.add(products["sock"].pk, 1)
    second = customer.send("POST", "/api/cart/checkout/").json()["order"]["number"]
    assert (first, second) == ("ORD-10000000", "ORD-10000001")


@pytest.mark.django_db
def test_the_first_order_of_an_empty_shop_gets_a_five_digit_number(customer, products):
    customer.add(products["sock"].pk, 1)
    assert customer.send("POST", "/api/cart/checkout/").json()["order"]["number"] == "ORD-10001"


@pytest.mark.django_db(transaction=True)
def test_two_customers_racing_for_the_last_item_make_exactly_one_order():
    services.need("postgres")
    assert connection.vendor == "postgresql"
    gear = category_create(name="Gear")
    last = product_create(name="Last One", category=gear, price="50.00", stock=1)
    owners = []
    for name in ("erin", "frank"):
        user = user_create(username=name)
        owners.append(Owner(user_id=user.pk, anonymous_key="", user=user))
        cart_services.cart_add(owner=owners[-1], product_id=last.pk, quantity=1)

    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def buy(owner: Owner) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(cart_services.cart_checkout(owner=owner))
        except ShopError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=buy, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(o if isinstance(o, str) else "order" for o in outcomes) == [
        "insufficient_stock",
        "order",
    ]
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=last.pk).stock == 0
    loser = next(owner for owner in owners if owner.user_id != Order.objects.get().user_id)
    assert CartItem.objects.filter(cart__user_id=loser.user_id).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_checkouts_at_once_of_different_products_both_get_distinct_numbers():
    services.need("postgres")
    gear = category_create(name="Gear")
    owners = []
    for name in ("gina", "hal"):
        user = user_create(username=name)
        product = product_create(name=f"Item for {name}", category=gear, stock=1)
        owners.append(Owner(user_id=user.pk, anonymous_key="", user=user))
        cart_services.cart_add(owner=owners[-1], product_id=product.pk, quantity=1)

    barrier = threading.Barrier(2)
    numbers: list[str] = []

    def buy(owner: Owner) -> None:
        try:
            barrier.wait(timeout=10)
            numbers.append(cart_services.cart_checkout(owner=owner).number)
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(numbers) == ["ORD-10001", "ORD-10002"]


@pytest.mark.django_db(transaction=True)
def test_two_tabs_adding_the_same_product_at_once_both_count():
    services.need("postgres")
    gear = category_create(name="Gear")
    sock = product_create(name="Wool Sock", category=gear, price="9.50", stock=50)
    user = user_create(username="ivy")
    owner = Owner(user_id=user.pk, anonymous_key="", user=user)
    cart_services.cart_add(owner=owner, product_id=sock.pk, quantity=1)  # the cart exists
    CartItem.objects.all().delete()  # but not the line both tabs will create

    for _ in range(5):  # a race: repeat it so that both tabs meet at the insert
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def add(barrier: threading.Barrier = barrier, errors: list = errors) -> None:
            try:
                barrier.wait(timeout=10)
                cart_services.cart_add(owner=owner, product_id=sock.pk, quantity=2)
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=add) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert errors == []
        assert CartItem.objects.get(cart__user=user, product=sock).quantity == 4
        CartItem.objects.all().delete()
