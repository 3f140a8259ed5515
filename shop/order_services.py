"""Writes of orders after checkout: a customer cancelling one of their own."""

from django.db import transaction
from django.db.models import F

from shop.errors import ShopError
from shop.models import Order, Product
from shop.owners import Owner

CANCELLABLE = (Order.Status.PENDING, Order.Status.PAID)


def order_get_cancellable(*, owner: Owner, number: str) -> Order:
    """The owner's order that can still be cancelled, or ShopError saying why not.

    Someone else's order reads as not found, like one that does not exist.
    """
    if not owner.user_id:
        raise ShopError("Log in to manage your orders.", code="login_required")
    order = Order.objects.filter(user_id=owner.user_id, number__iexact=number.strip()).first()
    if order is None:
        raise ShopError(
            f"No order {number.strip()[:40]} found for this customer.", code="not_found"
        )
    if order.status not in CANCELLABLE:
        raise ShopError(
            f"Order {order.number} is {order.status} and can no longer be cancelled.",
            code="not_cancellable",
        )
    return order


@transaction.atomic
def order_cancel(*, owner: Owner, number: str) -> Order:
    """Cancel a pending or paid order and put its items back in stock."""
    found = order_get_cancellable(owner=owner, number=number)
    order = Order.objects.select_for_update().get(pk=found.pk)
    if order.status not in CANCELLABLE:  # cancelled (or shipped) meanwhile
        raise ShopError(
            f"Order {order.number} is {order.status} and can no longer be cancelled.",
            code="not_cancellable",
        )
    # Each UPDATE locks its product; in id order, as checkout locks them, so no deadlock.
    for item in order.items.order_by("product_id"):
        Product.objects.filter(pk=item.product_id).update(stock=F("stock") + item.quantity)
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status", "updated_at"])
    return order
