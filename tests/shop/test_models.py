"""The database itself rejects impossible catalogue and order rows."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from shop.models import Order, OrderItem, Product
from tests.shop.factories import category_create, order_create, product_create, user_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def running():
    return category_create(name="Running")


@pytest.fixture
def shoe(running):
    return product_create(name="Road Shoe", category=running, price="129.95")


@pytest.fixture
def customer():
    return user_create(username="casey")


def test_negative_price_is_rejected_by_the_database(running):
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.create(name="Bad", slug="bad", category=running, price=Decimal("-0.01"))


def test_negative_stock_is_rejected_by_the_database(shoe):
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=shoe.pk).update(stock=-1)


def test_zero_price_and_stock_are_allowed(running):
    product = product_create(name="Free Sticker", category=running, price="0", stock=0)

    assert not product.in_stock


def test_duplicate_product_slug_is_rejected(running, shoe):
    with pytest.raises(IntegrityError), transaction.atomic():
        product_create(name="Another Shoe", slug=shoe.slug, category=running)


@pytest.mark.parametrize("number", ["ORD-1", "ORD-ABCDE", "10042", "ord-10042", "ORD-10042x"])
def test_order_number_outside_ord_format_is_rejected(customer, number):
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.create(user=customer, number=number)


def test_order_number_in_ord_format_is_accepted(customer):
    order = order_create(user=customer, number="ORD-10042")

    assert Order.objects.get(number="ORD-10042") == order


def test_duplicate_order_number_is_rejected(customer):
    order_create(user=customer, number="ORD-10042")

    with pytest.raises(IntegrityError), transaction.atomic():
        order_create(user=customer, number="ORD-10042")


def test_order_item_quantity_zero_is_rejected(customer, shoe):
    order = order_create(user=customer, number="ORD-10042")

    with pytest.raises(IntegrityError), transaction.atomic():
        OrderItem.objects.create(order=order, product=shoe, quantity=0, unit_price=shoe.price)


def test_same_product_twice_in_one_order_is_rejected(customer, shoe):
    order = order_create(user=customer, number="ORD-10042", items=[(shoe, 1)])

    with pytest.raises(IntegrityError), transaction.atomic():
        OrderItem.objects.create(order=order, product=shoe, quantity=2, unit_price=shoe.price)


def test_order_total_sums_quantity_times_unit_price(customer, running, shoe):
    socks = product_create(name="Socks", category=running, price="24.90")
    order = order_create(user=customer, number="ORD-10042", items=[(shoe, 1), (socks, 2)])

    assert order.total == Decimal("179.75")


def test_order_total_uses_the_price_paid_not_todays_price(customer, shoe):
    order = order_create(user=customer, number="ORD-10042", items=[(shoe, 2)])
    Product.objects.filter(pk=shoe.pk).update(price=Decimal("99.00"))

    assert Order.objects.get(pk=order.pk).total == Decimal("259.90")


def test_empty_order_total_is_zero(customer):
    assert order_create(user=customer, number="ORD-10042").total == Decimal("0")


def test_product_url_is_its_detail_page(client, shoe):
    url = shoe.get_absolute_url()

    assert url == "/products/road-shoe/"
    assert client.get(url).status_code == 200
