"""Reads of the catalogue and orders, shared by the pages and the assistant's tools."""

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet

from shop.models import Category, Order, OrderItem, Product

MAX_SEARCH_TERMS = 8


def _singular(word: str) -> str:
    """A crude English singular, so "shoes" finds "Running Shoe" (containment does the rest)."""
    lowered = word.lower()
    if len(lowered) > 4 and lowered.endswith("ies"):
        return word[:-3]  # batteries -> batter(y/ies)
    if len(lowered) > 3 and lowered.endswith("s") and not lowered.endswith("ss"):
        return word[:-1]
    return word


def product_search(
    *,
    query: str = "",
    category: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock_only: bool = False,
) -> QuerySet[Product]:
    """Active products matching every word of `query` in name, description or category."""
    products = Product.objects.filter(is_active=True).select_related("category")
    for term in query.split()[:MAX_SEARCH_TERMS]:
        stem = _singular(term)
        products = products.filter(
            Q(name__icontains=stem)
            | Q(description__icontains=stem)
            | Q(category__name__icontains=stem)
        )
    if category:
        products = products.filter(Q(category__slug=category) | Q(category__name__iexact=category))
    if min_price is not None:
        products = products.filter(price__gte=min_price)
    if max_price is not None:
        products = products.filter(price__lte=max_price)
    if in_stock_only:
        products = products.filter(stock__gt=0)
    return products.order_by("name")


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
