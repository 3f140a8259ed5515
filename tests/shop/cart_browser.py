"""A browser for the cart tests: the shared test browser plus the cart's own calls."""

from typing import Any

from tests.browser import PASSWORD, assert_error
from tests.browser import Browser as BaseBrowser

__all__ = ["CART_KEYS", "ITEM_KEYS", "PASSWORD", "Browser", "assert_error"]

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


class Browser(BaseBrowser):
    def cart(self) -> dict:
        response = self.client.get("/api/cart/")
        assert response.status_code == 200
        return response.json()

    def add(self, product_id: int, quantity: int = 1) -> Any:
        body = {"product_id": product_id, "quantity": quantity}
        return self.send("POST", "/api/cart/items/", body)
