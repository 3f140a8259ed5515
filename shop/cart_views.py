"""The cart page and its forms: plain POSTs (CSRF) calling the same services as the API."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from shop import cart_selectors, cart_services, selectors
from shop.errors import ShopError
from shop.http import request_owner


def _form_quantity(request: HttpRequest, *, allow_zero: bool = False) -> int:
    raw = request.POST.get("quantity", "").strip()
    try:
        value = int(raw)
    except ValueError:
        raise ShopError("Enter a whole number.", code="invalid_quantity") from None
    return cart_services.quantity_parse(value, allow_zero=allow_zero)


def _form_product_id(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("product_id", ""))
    except ValueError:
        raise ShopError("No such product.", code="not_found") from None


@require_GET
def cart_page(request: HttpRequest) -> HttpResponse:
    owner = request_owner(request)
    cart = cart_selectors.cart_get(owner=owner)
    # The header's count too: the context processor would ask the database again.
    return render(request, "shop/cart.html", {"cart": cart, "cart_count": cart.count})


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    owner = request_owner(request, create=True)
    assert owner is not None
    try:
        product_id = _form_product_id(request)
        quantity = _form_quantity(request)
        cart_services.cart_add(owner=owner, product_id=product_id, quantity=quantity)
    except ShopError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "Added to the cart.")
    return redirect("cart:page")


@require_POST
def cart_update(request: HttpRequest, product_id: int) -> HttpResponse:
    owner = request_owner(request)
    try:
        if owner is None:
            raise ShopError("That product is not in the cart.", code="not_found")
        if "remove" in request.POST:
            cart_services.cart_remove(owner=owner, product_id=product_id)
        else:
            quantity = _form_quantity(request, allow_zero=True)
            cart_services.cart_set_quantity(owner=owner, product_id=product_id, quantity=quantity)
    except ShopError as exc:
        messages.error(request, exc.detail)
    return redirect("cart:page")


@require_POST
def checkout(request: HttpRequest) -> HttpResponse:
    owner = request_owner(request)
    if owner is None or not owner.user_id:
        # The cart survives the login: the merge at login moves it into the account's.
        query = urlencode({"next": reverse("cart:page")})
        return HttpResponseRedirect(f"{reverse('login')}?{query}")
    try:
        order = cart_services.cart_checkout(owner=owner)
    except ShopError as exc:
        messages.error(request, exc.detail)
        return redirect("cart:page")
    return redirect("cart:order", number=order.number)


@require_GET
def order_page(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.order_get_for_user(user=request.user, number=number)
    if order is None:
        raise Http404("No such order.")
    return render(request, "shop/order.html", {"order": order})
