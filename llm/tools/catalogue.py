"""Catalogue tools: search, one product's details, the categories. None reads the user."""

import json
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from llm.tools import catalogue_offline as offline
from llm.tools.offline_use import CONVERSATION_PRIORITY, OfflineUse
from llm.tools.spec import Result, ToolSpec, dump_capped
from shop import selectors
from shop.models import Product
from shop.search import Sort


class SearchProductsArgs(BaseModel):
    query: str = Field(
        description="Words to look for in product names, descriptions and categories.",
        min_length=1,
        max_length=200,
    )
    category: str | None = Field(
        default=None, description="Category slug or name to restrict the search to."
    )
    min_price: float | None = Field(default=None, ge=0, description="Lowest price, inclusive.")
    max_price: float | None = Field(default=None, ge=0, description="Highest price, inclusive.")
    in_stock_only: bool = Field(default=False, description="Only products that are in stock.")
    limit: int = Field(default=5, ge=1, le=10, description="How many products to return (1-10).")
    sort: Sort = Field(
        default="relevance",
        description="relevance (best match first), or price_asc / price_desc (cheapest or "
        "dearest first; only products that match every word of the query).",
    )


class ProductDetailsArgs(BaseModel):
    product_id: int = Field(description="The product's id, as returned by search_products.", ge=1)


class ListCategoriesArgs(BaseModel):
    pass


def _product_summary(product: Product) -> dict[str, Any]:
    return {
        "id": product.pk,
        "name": product.name,
        "category": product.category.name,
        "price": str(product.price),
        "currency": product.currency,
        "in_stock": product.in_stock,
        "stock": product.stock,
        "url": product.get_absolute_url(),
    }


def search_products_result(
    *,
    query: str,
    category: str | None = None,
    min_price: float | None = None,
    max_price: float | None = None,
    in_stock_only: bool = False,
    limit: int = 5,
    sort: Sort = "relevance",
) -> str:
    matches = selectors.product_search(
        query=query,
        category=category,
        min_price=Decimal(str(min_price)) if min_price is not None else None,
        max_price=Decimal(str(max_price)) if max_price is not None else None,
        in_stock_only=in_stock_only,
        sort=sort,
    )
    products = list(matches[:limit])
    total = len(products) if len(products) < limit else matches.count()
    summaries = [
        # Whether every word of the query matched: "running shoes under 100" may leave only
        # running socks, which the answer must not present as shoes.
        _product_summary(p) | {"matches_all_words": getattr(p, "search_matches_all", True)}
        for p in products
    ]
    return dump_capped(
        {"query": query, "total_matches": total, "products": summaries},
        list_key="products",
    )


def product_details_result(*, product_id: int) -> str:
    product = selectors.product_get(product_id=product_id)
    if product is None:
        return json.dumps({"error": f"No product with id {product_id}."})
    details = _product_summary(product) | {"description": product.description}
    return dump_capped({"product": details})


def categories_result() -> str:
    categories = [
        {"name": c.name, "slug": c.slug, "product_count": c.product_count}
        for c in selectors.category_list()
    ]
    return dump_capped({"categories": categories}, list_key="categories")


def product_card(product: Result) -> dict[str, Any]:
    return {
        "kind": "product",
        "product_id": product.get("id"),
        "name": product.get("name"),
        "price": product.get("price"),
        "currency": product.get("currency"),
        "in_stock": product.get("in_stock"),
        "url": product.get("url"),
        "category": product.get("category"),
    }


def _search_cards(data: Result) -> list[dict[str, Any]]:
    return [product_card(p) for p in data.get("products", []) if isinstance(p, dict)]


def _details_cards(data: Result) -> list[dict[str, Any]]:
    product = data.get("product")
    return [product_card(product)] if isinstance(product, dict) else []


def _found_products(data: Result) -> str:
    count = len(data.get("products", []))
    return f"Found {count} product{'s' if count != 1 else ''}"


SEARCH_PRODUCTS = ToolSpec(
    name="search_products",
    description="Search the shop's catalogue. Returns matching products with price, "
    "stock and a link.",
    args_schema=SearchProductsArgs,
    function=search_products_result,
    reads_user=False,
    describe_started=lambda args: f"Searching products for “{str(args.get('query', ''))[:80]}”",
    describe_finished=_found_products,
    cards=_search_cards,
    # Any question with content words is a search, so it comes after the conversational rules.
    offline=OfflineUse(
        plan=offline.plan_search,
        answer=offline.answer_search,
        priority=CONVERSATION_PRIORITY + 100,
    ),
)

GET_PRODUCT_DETAILS = ToolSpec(
    name="get_product_details",
    description="Full details of one product by its id.",
    args_schema=ProductDetailsArgs,
    function=product_details_result,
    reads_user=False,
    describe_started=lambda args: f"Looking up product #{args.get('product_id')}",
    describe_finished=lambda data: f"Found {data.get('product', {}).get('name', 'the product')}",
    cards=_details_cards,
    # Planned to compare what a search found or the shopper was shown ("compare the first two").
    offline=OfflineUse(
        plan=offline.plan_details,
        answer=offline.answer_details,
        priority=CONVERSATION_PRIORITY + 70,
    ),
)

LIST_CATEGORIES = ToolSpec(
    name="list_categories",
    description="All product categories with how many products each has.",
    args_schema=ListCategoriesArgs,
    function=categories_result,
    reads_user=False,
    describe_started=lambda args: "Listing categories",
    describe_finished=lambda data: f"Found {len(data.get('categories', []))} categories",
    offline=OfflineUse(plan=offline.plan_categories, answer=offline.answer_categories, priority=10),
)
