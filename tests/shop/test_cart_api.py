"""The cart's JSON API: shapes, the quantity and stock rules, ownership, CSRF."""

import json

import pytest

from shop.models import CartItem, Product
from tests.shop.cart_browser import CART_KEYS, ITEM_KEYS, Browser, assert_error
from tests.shop.factories import category_create, product_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def products():
    gear = category_create(name="Gear")
    return {
        "shoe": product_create(name="Trail Shoe", category=gear, price="129.95", stock=10),
        "sock": product_create(name="Wool Sock", category=gear, price="9.50", stock=200),
        "gone": product_create(name="Sold Out", category=gear, price="5.00", stock=0),
        "hidden": product_create(name="Withdrawn", category=gear, stock=5, is_active=False),
    }


@pytest.fixture
def browser() -> Browser:
    return Browser()


@pytest.fixture
def stranger() -> Browser:
    return Browser()


def test_a_visitor_without_a_session_reads_an_empty_cart_and_gets_no_session(browser):
    assert browser.cart() == {"items": [], "count": 0, "total": "0.00", "currency": "EUR"}
    assert "sessionid" not in browser.client.cookies


def test_adding_returns_201_and_the_cart_in_its_exact_shape(browser, products):
    shoe = products["shoe"]
    response = browser.add(shoe.pk, 2)
    assert response.status_code == 201
    cart = response.json()
    assert set(cart) == CART_KEYS
    assert set(cart["items"][0]) == ITEM_KEYS
    assert cart["items"] == [
        {
            "product_id": shoe.pk,
            "name": "Trail Shoe",
            "url": f"/products/{shoe.slug}/",
            "unit_price": "129.95",
            "currency": "EUR",
            "quantity": 2,
            "line_total": "259.90",
            "in_stock": True,
            "stock": 10,
        }
    ]
    assert (cart["count"], cart["total"], cart["currency"]) == (2, "259.90", "EUR")
    assert browser.cart() == cart


def test_adding_the_same_product_again_adds_to_the_line(browser, products):
    browser.add(products["sock"].pk, 2)
    cart = browser.add(products["sock"].pk, 3).json()
    assert [item["quantity"] for item in cart["items"]] == [5]
    assert cart["count"] == 5 and cart["total"] == "47.50"


def test_count_is_the_sum_of_quantities_over_lines(browser, products):
    browser.add(products["sock"].pk, 4)
    cart = browser.add(products["shoe"].pk, 1).json()
    assert cart["count"] == 5
    assert cart["total"] == "167.95"


@pytest.mark.parametrize("quantity", [0, -1, 100, 1.5, "2", True, None])
def test_adding_a_quantity_outside_1_to_99_or_not_an_integer_is_invalid(
    browser, products, quantity
):
    response = browser.send(
        "POST", "/api/cart/items/", {"product_id": products["sock"].pk, "quantity": quantity}
    )
    assert_error(response, 400, "invalid_quantity")
    assert not CartItem.objects.exists()


def test_a_line_cannot_grow_beyond_99(browser, products):
    assert browser.add(products["sock"].pk, 60).status_code == 201
    assert_error(browser.add(products["sock"].pk, 40), 400, "invalid_quantity")
    assert browser.cart()["count"] == 60


def test_adding_more_than_the_stock_is_insufficient_stock(browser, products):
    assert_error(browser.add(products["shoe"].pk, 11), 409, "insufficient_stock")
    assert browser.cart()["items"] == []


def test_a_product_without_stock_is_out_of_stock(browser, products):
    assert_error(browser.add(products["gone"].pk, 1), 409, "out_of_stock")


def test_an_unknown_or_inactive_product_is_not_found(browser, products):
    assert_error(browser.add(999999, 1), 404, "not_found")
    assert_error(browser.add(products["hidden"].pk, 1), 404, "not_found")


@pytest.mark.parametrize("product_id", ["1", None, True, 1.0])
def test_a_product_id_that_is_not_an_integer_is_an_invalid_message(browser, product_id):
    response = browser.send("POST", "/api/cart/items/", {"product_id": product_id, "quantity": 1})
    assert_error(response, 400, "invalid_message")


def test_bad_json_and_a_non_object_body_are_rejected(browser):
    assert_error(browser.send("POST", "/api/cart/items/", raw=b"{nope"), 400, "invalid_json")
    assert_error(browser.send("POST", "/api/cart/items/", [1, 2]), 400, "invalid_message")


def test_patch_sets_the_quantity(browser, products):
    browser.add(products["sock"].pk, 2)
    response = browser.send("PATCH", f"/api/cart/items/{products['sock'].pk}/", {"quantity": 7})
    assert response.status_code == 200
    assert response.json()["items"][0]["quantity"] == 7


def test_patch_to_zero_removes_the_line(browser, products):
    browser.add(products["sock"].pk, 2)
    browser.add(products["shoe"].pk, 1)
    cart = browser.send("PATCH", f"/api/cart/items/{products['sock'].pk}/", {"quantity": 0})
    assert [item["product_id"] for item in cart.json()["items"]] == [products["shoe"].pk]


@pytest.mark.parametrize("quantity", [-1, 100, "3", False])
def test_patch_with_a_bad_quantity_changes_nothing(browser, products, quantity):
    browser.add(products["sock"].pk, 2)
    response = browser.send(
        "PATCH", f"/api/cart/items/{products['sock'].pk}/", {"quantity": quantity}
    )
    assert_error(response, 400, "invalid_quantity")
    assert browser.cart()["items"][0]["quantity"] == 2


def test_patch_beyond_the_stock_is_insufficient_stock(browser, products):
    browser.add(products["shoe"].pk, 2)
    response = browser.send("PATCH", f"/api/cart/items/{products['shoe'].pk}/", {"quantity": 11})
    assert_error(response, 409, "insufficient_stock")


def test_patch_of_a_line_whose_product_sold_out_is_insufficient_stock(browser, products):
    browser.add(products["shoe"].pk, 2)
    Product.objects.filter(pk=products["shoe"].pk).update(stock=0)

    response = browser.send("PATCH", f"/api/cart/items/{products['shoe'].pk}/", {"quantity": 1})

    assert_error(response, 409, "insufficient_stock")
    assert CartItem.objects.get().quantity == 2


def test_delete_removes_the_line_and_returns_the_cart(browser, products):
    browser.add(products["sock"].pk, 2)
    response = browser.send("DELETE", f"/api/cart/items/{products['sock'].pk}/")
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0, "total": "0.00", "currency": "EUR"}


def test_patch_or_delete_of_a_product_not_in_the_cart_is_not_found(browser, products):
    browser.add(products["shoe"].pk, 1)
    path = f"/api/cart/items/{products['sock'].pk}/"
    assert_error(browser.send("PATCH", path, {"quantity": 1}), 404, "not_found")
    assert_error(browser.send("DELETE", path), 404, "not_found")


def test_a_withdrawn_product_leaves_the_cart(browser, products):
    browser.add(products["sock"].pk, 2)
    products["sock"].is_active = False
    products["sock"].save()
    assert browser.cart()["items"] == []


def test_someone_elses_cart_is_never_visible_or_editable(browser, stranger, products):
    browser.add(products["sock"].pk, 3)
    stranger.add(products["shoe"].pk, 1)
    assert [i["product_id"] for i in browser.cart()["items"]] == [products["sock"].pk]
    assert [i["product_id"] for i in stranger.cart()["items"]] == [products["shoe"].pk]

    path = f"/api/cart/items/{products['sock'].pk}/"
    assert_error(stranger.send("PATCH", path, {"quantity": 9}), 404, "not_found")
    assert_error(stranger.send("DELETE", path), 404, "not_found")
    assert browser.cart()["items"][0]["quantity"] == 3


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/cart/items/", {"product_id": 1, "quantity": 1}),
        ("PATCH", "/api/cart/items/1/", {"quantity": 1}),
        ("DELETE", "/api/cart/items/1/", None),
        ("POST", "/api/cart/checkout/", None),
    ],
)
def test_writes_without_the_csrf_token_are_refused(browser, products, method, path, body):
    browser.add(products["sock"].pk, 1)
    data = b"" if body is None else json.dumps(body).encode()
    response = browser.client.generic(method, path, data, content_type="application/json")
    assert response.status_code == 403
    assert browser.cart()["count"] == 1


def test_the_cart_endpoints_refuse_other_methods(browser):
    assert browser.send("PUT", "/api/cart/").status_code == 405
    assert browser.client.get("/api/cart/items/").status_code == 405
    assert browser.client.get("/api/cart/checkout/").status_code == 405
