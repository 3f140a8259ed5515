"""The cart count in every page's header."""

from collections.abc import Callable

from django.http import HttpRequest

from shop import cart_selectors
from shop.owners import owner_from


def cart(request: HttpRequest) -> dict[str, Callable[[], int]]:
    def count() -> int:
        # A callable, so the one query runs only on pages that render the header.
        owner = owner_from(getattr(request, "user", None), getattr(request, "session", None))
        return cart_selectors.cart_count(owner=owner)

    return {"cart_count": count}
