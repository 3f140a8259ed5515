"""Cart tools: they read the chatting owner's cart; the two that change it need approval.

`add_to_cart` and `update_cart_item` never run when the model calls them: their `propose`
checks the request against the catalogue and words it for the customer, and their function
runs only after the customer approved (chat.services.action_decide).
"""

from typing import Any

from pydantic import BaseModel, Field

from llm.tools.spec import Result, ToolSpec, dump_capped
from shop import cart_selectors, cart_services, selectors
from shop.errors import ShopError
from shop.models import Product
from shop.owners import Owner


class ViewCartArgs(BaseModel):
    pass


class AddToCartArgs(BaseModel):
    product_id: int = Field(description="The product's id, as returned by search_products.", ge=1)
    quantity: int = Field(default=1, description="How many to add (1-99).", ge=1, le=99)


class UpdateCartItemArgs(BaseModel):
    product_id: int = Field(description="The id of a product in the cart.", ge=1)
    quantity: int = Field(description="The new quantity (0 removes the line).", ge=0, le=99)


def money(amount: Any, currency: str) -> str:
    return f"€{amount}" if currency == "EUR" else f"{amount} {currency}"


def _cart_result(owner: Owner | None) -> str:
    cart = cart_selectors.cart_to_dict(cart_selectors.cart_get(owner=owner))
    return dump_capped({"cart": cart})


def _failure(error: ShopError) -> str:
    return dump_capped({"error": error.detail, "code": error.code})


def view_cart_result(*, owner: Owner | None) -> str:
    return _cart_result(owner)


def _buyable(product_id: int) -> Product:
    product = selectors.product_get(product_id=product_id)
    if product is None:
        raise ShopError(f"No product with id {product_id}.", code="not_found")
    if not product.in_stock:
        raise ShopError(f"{product.name} is out of stock.", code="out_of_stock")
    return product


def propose_add(*, owner: Owner, product_id: int, quantity: int = 1) -> str:
    product = _buyable(product_id)
    if quantity > product.stock:
        raise ShopError(
            f"Only {product.stock} of {product.name} in stock.", code="insufficient_stock"
        )
    each = f" ({money(product.price, product.currency)} each)" if quantity > 1 else ""
    price = "" if each else f" ({money(product.price, product.currency)})"
    return f"Add {quantity} × {product.name}{each or price} to your cart"


def add_to_cart_result(*, owner: Owner, product_id: int, quantity: int = 1) -> str:
    try:
        cart_services.cart_add(owner=owner, product_id=product_id, quantity=quantity)
    except ShopError as exc:
        return _failure(exc)
    return _cart_result(owner)


def _line(owner: Owner, product_id: int) -> Any:
    cart = cart_selectors.cart_get(owner=owner)
    line = next((item for item in cart.items if item.product_id == product_id), None)
    if line is None:
        raise ShopError(f"Product {product_id} is not in the cart.", code="not_found")
    return line


def propose_update(*, owner: Owner, product_id: int, quantity: int) -> str:
    line = _line(owner, product_id)
    name = line.product.name
    if quantity == 0:
        return f"Remove {name} from your cart"
    if quantity > line.product.stock:
        raise ShopError(f"Only {line.product.stock} of {name} in stock.", code="insufficient_stock")
    return f"Change {name} in your cart from {line.quantity} to {quantity}"


def update_cart_item_result(*, owner: Owner, product_id: int, quantity: int) -> str:
    try:
        cart_services.cart_set_quantity(owner=owner, product_id=product_id, quantity=quantity)
    except ShopError as exc:
        return _failure(exc)
    return _cart_result(owner)


def cart_cards(data: Result) -> list[dict[str, Any]]:
    cart = data.get("cart")
    return [{"kind": "cart", "cart": cart}] if isinstance(cart, dict) else []


def _describe_cart(data: Result) -> str:
    count = data.get("cart", {}).get("count", 0)
    return f"Your cart holds {count} item{'s' if count != 1 else ''}"


VIEW_CART = ToolSpec(
    name="view_cart",
    description="The current customer's cart: lines, quantities, prices and total.",
    args_schema=ViewCartArgs,
    function=view_cart_result,
    reads_user=False,
    reads_owner=True,
    describe_started=lambda args: "Looking at your cart",
    describe_finished=_describe_cart,
    cards=cart_cards,
)

ADD_TO_CART = ToolSpec(
    name="add_to_cart",
    description="Add a product to the current customer's cart. The customer is asked to "
    "approve before anything changes; the result says whether they did.",
    args_schema=AddToCartArgs,
    function=add_to_cart_result,
    reads_user=False,
    reads_owner=True,
    writes=True,
    propose=propose_add,
    describe_started=lambda args: "Adding to your cart",
    describe_finished=_describe_cart,
    cards=cart_cards,
)

UPDATE_CART_ITEM = ToolSpec(
    name="update_cart_item",
    description="Change the quantity of a product in the current customer's cart (0 removes "
    "it). The customer is asked to approve before anything changes.",
    args_schema=UpdateCartItemArgs,
    function=update_cart_item_result,
    reads_user=False,
    reads_owner=True,
    writes=True,
    propose=propose_update,
    describe_started=lambda args: "Changing your cart",
    describe_finished=_describe_cart,
    cards=cart_cards,
)
