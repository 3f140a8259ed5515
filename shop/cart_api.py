"""The cart's JSON API. Thin: parse, call one service, shape output (session + CSRF)."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_http_methods

from shop import cart_selectors, cart_services
from shop.errors import ShopError, error_response
from shop.http import json_body, request_owner
from shop.owners import Owner


def _cart_response(owner: Owner | None, *, status: int = 200) -> JsonResponse:
    cart = cart_selectors.cart_get(owner=owner)
    return JsonResponse(cart_selectors.cart_to_dict(cart), status=status)


@require_http_methods(["GET"])
def cart(request: HttpRequest) -> JsonResponse:
    # No session is created for reading: a visitor without one has an empty cart.
    return _cart_response(request_owner(request))


@require_http_methods(["POST"])
def cart_items(request: HttpRequest) -> JsonResponse:
    try:
        body = json_body(request)
        product_id = body.get("product_id")
        if isinstance(product_id, bool) or not isinstance(product_id, int):
            raise ShopError("`product_id` must be an integer.", code="invalid_message")
        quantity = cart_services.quantity_parse(body.get("quantity"))
        owner = request_owner(request, create=True)
        assert owner is not None
        cart_services.cart_add(owner=owner, product_id=product_id, quantity=quantity)
    except ShopError as exc:
        return error_response(exc)
    return _cart_response(owner, status=201)


@require_http_methods(["PATCH", "DELETE"])
def cart_item(request: HttpRequest, product_id: int) -> JsonResponse:
    owner = request_owner(request)
    try:
        if owner is None:
            raise ShopError("That product is not in the cart.", code="not_found")
        if request.method == "DELETE":
            cart_services.cart_remove(owner=owner, product_id=product_id)
        else:
            body = json_body(request)
            quantity = cart_services.quantity_parse(body.get("quantity"), allow_zero=True)
            cart_services.cart_set_quantity(owner=owner, product_id=product_id, quantity=quantity)
    except ShopError as exc:
        return error_response(exc)
    return _cart_response(owner)


@require_http_methods(["POST"])
def checkout(request: HttpRequest) -> JsonResponse:
    owner = request_owner(request)
    try:
        if owner is None or not owner.user_id:
            raise ShopError("Log in to check out.", code="login_required")
        order = cart_services.cart_checkout(owner=owner)
    except ShopError as exc:
        return error_response(exc)
    return JsonResponse({"order": cart_selectors.order_to_dict(order)}, status=201)
