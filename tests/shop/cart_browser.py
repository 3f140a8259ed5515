"""A browser for the cart tests: CSRF enforced, the token sent as the page's scripts would."""

import json
from typing import Any

from django.conf import settings
from django.test import Client

from tests.shop.factories import user_create

PASSWORD = "a-long-test-password-1"
CART_KEYS = {"items", "count", "total", "currency"}
ITEM_KEYS = {
    "product_id",
    "name",
    "url",
    "unit_price",
    "currency",
    "quantity",
    "line_total",
    "in_stock",
    "stock",
}


class Browser:
    def __init__(self) -> None:
        self.client = Client(enforce_csrf_checks=True)
        # The login page renders a form, so it hands out the CSRF cookie (and no session).
        assert self.client.get("/accounts/login/").status_code == 200

    @property
    def csrf(self) -> str:
        return self.client.cookies[settings.CSRF_COOKIE_NAME].value

    def send(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None):
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        return self.client.generic(
            method, path, data, content_type="application/json", headers={"X-CSRFToken": self.csrf}
        )

    def cart(self) -> dict:
        response = self.client.get("/api/cart/")
        assert response.status_code == 200
        return response.json()

    def add(self, product_id: int, quantity: int = 1):
        body = {"product_id": product_id, "quantity": quantity}
        return self.send("POST", "/api/cart/items/", body)

    def post_form(self, path: str, data: dict | None = None):
        return self.client.post(path, {**(data or {}), "csrfmiddlewaretoken": self.csrf})

    def log_in(self, username: str, *, create: bool = True, next_url: str = "") -> Any:
        if create:
            user_create(username=username, password=PASSWORD)
        path = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
        response = self.post_form(path, {"username": username, "password": PASSWORD})
        assert response.status_code == 302, "login failed"
        return response


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "detail"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["detail"], str) and body["error"]["detail"]
