"""Every write of carts: lines, the merge at login, and checkout into an order.

Each write that changes a cart sends `cart_changed` with the owner once its transaction
commits, so that whoever shows the cart live (the chat's sockets) hears of it, whichever
page, API call or approved action made the change.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Max
from django.db.models.functions import Cast, Substr
from django.dispatch import Signal

from shop import selectors
from shop.errors import ShopError
from shop.models import Cart, CartItem, Order, OrderItem, Product
from shop.owners import Owner

MAX_QUANTITY = 99
FIRST_ORDER_NUMBER = 10001
NUMBER_ATTEMPTS = 5

# Sent with `owner` after a change to that owner's cart has committed.
cart_changed = Signal()


def _announce(owner: Owner) -> None:
    transaction.on_commit(lambda: cart_changed.send(sender=Cart, owner=owner), robust=True)


def quantity_parse(value: Any, *, allow_zero: bool = False) -> int:
    """A line quantity from a request: an integer from 1 (or 0, meaning remove) to 99."""
    # bool is an int in Python; `true` is not a quantity.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ShopError("`quantity` must be a whole number.", code="invalid_quantity")
    if not (0 if allow_zero else 1) <= value <= MAX_QUANTITY:
        lowest = 0 if allow_zero else 1
        raise ShopError(
            f"`quantity` must be from {lowest} to {MAX_QUANTITY}.", code="invalid_quantity"
        )
    return value


def _cart_for(owner: Owner) -> Cart:
    cart, _ = Cart.objects.get_or_create(**owner.as_fields())
    return cart


def _buyable(product_id: int) -> Product:
    product = selectors.product_get(product_id=product_id)
    if product is None:
        raise ShopError("No such product.", code="not_found")
    if product.stock == 0:
        raise ShopError(f"{product.name} is out of stock.", code="out_of_stock")
    return product


def _check_stock(product: Product, quantity: int) -> None:
    if quantity > product.stock:
        raise ShopError(
            f"Only {product.stock} of {product.name} in stock.", code="insufficient_stock"
        )


def cart_add(*, owner: Owner, product_id: int, quantity: int) -> Cart:
    """Add `quantity` to the product's line (creating it); the line stays within 1..99 and stock."""
    try:
        return _cart_add(owner=owner, product_id=product_id, quantity=quantity)
    except IntegrityError:
        # Two tabs created the same line at once: the line now exists, so add to it.
        return _cart_add(owner=owner, product_id=product_id, quantity=quantity)


@transaction.atomic
def _cart_add(*, owner: Owner, product_id: int, quantity: int) -> Cart:
    product = _buyable(product_id)
    cart = _cart_for(owner)
    item = CartItem.objects.select_for_update().filter(cart=cart, product=product).first()
    total = quantity + (item.quantity if item else 0)
    if total > MAX_QUANTITY:
        raise ShopError(
            f"A line holds at most {MAX_QUANTITY}; the cart has {total - quantity}.",
            code="invalid_quantity",
        )
    _check_stock(product, total)
    if item is None:
        CartItem.objects.create(cart=cart, product=product, quantity=total)
    else:
        item.quantity = total
        item.save(update_fields=["quantity"])
    cart.save(update_fields=["updated_at"])
    _announce(owner)
    return cart


def _line(owner: Owner, product_id: int) -> CartItem:
    item = CartItem.objects.filter(cart__in=Cart.objects.filter(owner.row_filter())).filter(
        product_id=product_id
    )
    found = item.select_related("product").first()
    if found is None:
        raise ShopError("That product is not in the cart.", code="not_found")
    return found


@transaction.atomic
def cart_set_quantity(*, owner: Owner, product_id: int, quantity: int) -> None:
    """Set the line's quantity; 0 removes the line."""
    item = _line(owner, product_id)
    if quantity == 0:
        item.delete()
        _announce(owner)
        return
    product = item.product  # loaded with the line; out of stock here is insufficient_stock
    if not product.is_active:
        raise ShopError("No such product.", code="not_found")
    _check_stock(product, quantity)
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    _announce(owner)


@transaction.atomic
def cart_remove(*, owner: Owner, product_id: int) -> None:
    _line(owner, product_id).delete()
    _announce(owner)


@transaction.atomic
def cart_merge(*, anonymous_key: str, user_id: int) -> int:
    """Move a visitor's lines into the user's cart at login; returns how many lines moved.

    Quantities of the same product add up, capped by the product's stock and by 99.
    """
    visitor = Cart.objects.select_for_update().filter(
        user__isnull=True, anonymous_key=anonymous_key
    )
    anonymous = visitor.first()
    if anonymous is None:
        return 0
    account, _ = Cart.objects.get_or_create(user_id=user_id)
    existing = {item.product_id: item for item in account.items.select_for_update()}
    moved = 0
    for item in anonymous.items.select_related("product"):
        current = existing.get(item.product_id)
        wanted = item.quantity + (current.quantity if current else 0)
        capped = min(wanted, MAX_QUANTITY, item.product.stock)
        if current is not None and capped > current.quantity:
            # An existing line is never lowered by the merge.
            current.quantity = capped
            current.save(update_fields=["quantity"])
            moved += 1
        elif current is None and capped > 0:  # none left in stock: nothing to move
            CartItem.objects.create(cart=account, product_id=item.product_id, quantity=capped)
            moved += 1
    anonymous.delete()
    if moved:
        _announce(Owner(user_id=user_id, anonymous_key=""))
    return moved


def _next_order_number() -> str:
    numbers = Order.objects.filter(number__regex=r"^ORD-\d+$").annotate(
        n=Cast(Substr("number", 5), BigIntegerField())
    )
    highest = numbers.aggregate(highest=Max("n"))["highest"]
    return f"ORD-{max((highest or 0) + 1, FIRST_ORDER_NUMBER)}"


def _order_create(*, user_id: int) -> Order:
    # Two checkouts may read the same highest number; the unique index makes one of them retry.
    for _ in range(NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                return Order.objects.create(user_id=user_id, number=_next_order_number())
        except IntegrityError:
            continue
    raise ShopError("Could not number the order. Please try again.", code="busy")


@transaction.atomic
def cart_checkout(*, owner: Owner) -> Order:
    """Turn the user's cart into a pending order at today's prices, decrementing stock.

    All or nothing: products are locked in id order (so concurrent checkouts cannot deadlock)
    and a line beyond the stock fails the whole checkout with nothing changed.
    """
    if not owner.user_id:
        raise ShopError("Log in to check out.", code="login_required")
    cart = Cart.objects.select_for_update().filter(user_id=owner.user_id).first()
    items = list(cart.items.all()) if cart else []
    quantities = {item.product_id: item.quantity for item in items}
    products = list(
        Product.objects.select_for_update().filter(pk__in=quantities, is_active=True).order_by("pk")
    )
    if not products:
        raise ShopError("The cart is empty.", code="invalid_message")
    short = [p for p in products if quantities[p.pk] > p.stock]
    if short:
        names = ", ".join(f"{p.name} ({p.stock} left)" for p in short)
        raise ShopError(f"Not enough in stock: {names}.", code="insufficient_stock")
    order = _order_create(user_id=owner.user_id)
    OrderItem.objects.bulk_create(
        OrderItem(order=order, product=p, quantity=quantities[p.pk], unit_price=p.price)
        for p in products
    )
    for product in products:
        product.stock -= quantities[product.pk]
        product.save(update_fields=["stock", "updated_at"])
    # Lines of products withdrawn from sale go too: they could never be bought.
    CartItem.objects.filter(cart=cart).delete()
    _announce(owner)
    return order
