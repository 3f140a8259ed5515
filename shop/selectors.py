"""Reads of the catalogue and orders, shared by the pages and the assistant's tools."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet

from shop.models import Category, Order, OrderItem, Product
from shop.search import product_search

__all__ = ["category_list", "order_get_for_user", "product_get", "product_search"]


def product_get(*, product_id: int | None = None, slug: str | None = None) -> Product | None:
    """One active product by id or slug, or None."""
    lookup = {"pk": product_id} if product_id is not None else {"slug": slug}
    return Product.objects.filter(is_active=True, **lookup).select_related("category").first()


def category_list() -> QuerySet[Category]:
    """Categories with the number of active products in each."""
    return Category.objects.annotate(
        product_count=Count("products", filter=Q(products__is_active=True))
    ).order_by("name")


def order_get_for_user(
    *, user: AbstractBaseUser | AnonymousUser | None, number: str
) -> Order | None:
    """The user's order with that number; None for anyone else's and for anonymous users."""
    if user is None or not user.is_authenticated:
        return None
    items = Prefetch("items", queryset=OrderItem.objects.select_related("product"))
    return (
        Order.objects.filter(user=user, number__iexact=number.strip())
        .prefetch_related(items)
        .first()
    )
