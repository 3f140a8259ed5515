"""Reads of carts and the JSON shapes of a cart and an order."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from shop.models import Cart, CartItem, Order
from shop.owners import Owner

DEFAULT_CURRENCY = "EUR"


@dataclass(frozen=True)
class CartView:
    """The owner's cart as shown: lines of products on sale, at today's prices."""

    items: list[CartItem]

    @property
    def count(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def total(self) -> Decimal:
        return sum((item.line_total for item in self.items), Decimal("0.00"))

    @property
    def currency(self) -> str:
        return self.items[0].product.currency if self.items else DEFAULT_CURRENCY


def _lines(owner: Owner) -> QuerySet[CartItem]:
    # Products withdrawn from sale vanish from the cart (checkout drops their lines).
    carts = Cart.objects.filter(owner.row_filter())
    return CartItem.objects.filter(cart__in=carts, product__is_active=True)


def cart_get(*, owner: Owner | None) -> CartView:
    """The owner's cart; an empty one for a visitor without identity."""
    if owner is None:
        return CartView(items=[])
    return CartView(items=list(_lines(owner).select_related("product")))


def cart_count(*, owner: Owner | None) -> int:
    """The number of pieces in the owner's cart, in one query (the header shows it)."""
    if owner is None:
        return 0
    return _lines(owner).aggregate(n=Sum("quantity"))["n"] or 0


def cart_to_dict(cart: CartView) -> dict[str, Any]:
    return {
        "items": [
            {
                "product_id": item.product_id,
                "name": item.product.name,
                "url": item.product.get_absolute_url(),
                "unit_price": str(item.product.price),
                "currency": item.product.currency,
                "quantity": item.quantity,
                "line_total": str(item.line_total),
                "in_stock": item.product.in_stock,
                "stock": item.product.stock,
            }
            for item in cart.items
        ],
        "count": cart.count,
        "total": str(cart.total),
        "currency": cart.currency,
    }


def order_to_dict(order: Order) -> dict[str, Any]:
    items = list(order.items.select_related("product").order_by("product__name"))
    currency = items[0].product.currency if items else DEFAULT_CURRENCY
    return {
        "number": order.number,
        "status": order.status,
        "total": str(sum((i.line_total for i in items), Decimal("0.00"))),
        "currency": currency,
        "created_at": order.created_at.isoformat(),
        "items": [
            {
                "product_id": i.product_id,
                "name": i.product.name,
                "quantity": i.quantity,
                "unit_price": str(i.unit_price),
            }
            for i in items
        ],
    }
