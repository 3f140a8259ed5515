"""Catalogue tools: search, one product's details, the categories. None reads the user."""

import json
import re
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from llm.tools.spec import CONVERSATION_PRIORITY, Args, OfflineUse, Result, ToolSpec, dump_capped
from shop import selectors
from shop.models import Product


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
) -> str:
    matches = selectors.product_search(
        query=query,
        category=category,
        min_price=Decimal(str(min_price)) if min_price is not None else None,
        max_price=Decimal(str(max_price)) if max_price is not None else None,
        in_stock_only=in_stock_only,
    )
    products = list(matches[:limit])
    total = len(products) if len(products) < limit else matches.count()
    return dump_capped(
        {
            "query": query,
            "total_matches": total,
            "products": [_product_summary(p) for p in products],
        },
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


# --- the offline demo model's rules ------------------------------------------------------------

_UNDER = re.compile(r"\b(?:under|below|less than|cheaper than|max(?:imum)?)\s*€?\s*(\d+)", re.I)
_OVER = re.compile(r"\b(?:over|above|more than|at least|min(?:imum)?)\s*€?\s*(\d+)", re.I)
_STOPWORDS = frozenset(
    """a about all also am an and any anything are as at be can could do does for from have
    how i i'm im in is it its looking me my need of on or please recommend show some something
    that the there these this to under over want what which with would you your cheap cheaper
    good best buy find get do you have sell selling stock products product items item price
    than less more below above euro euros eur between available in-stock instock""".split()
)


def _content_words(text: str) -> list[str]:
    words = re.findall(r"[\w'-]+", text.lower())
    return [w for w in words if w not in _STOPWORDS and not w.isdigit() and len(w) > 1]


def _money(value: str, currency: str) -> str:
    return f"{'€' if currency == 'EUR' else currency + ' '}{value}"


def _plan_search(question: str) -> Args | None:
    words = _content_words(question)
    if not words:
        return None
    args: Args = {"query": " ".join(words[:3])}
    if m := _UNDER.search(question):
        args["max_price"] = float(m.group(1))
    if m := _OVER.search(question):
        args["min_price"] = float(m.group(1))
    lowered = question.lower()
    if "in stock" in lowered or "available" in lowered:
        args["in_stock_only"] = True
    return args


def _answer_search(data: Result) -> str:
    products = data.get("products", [])
    if not products:
        return f"I couldn't find any products matching “{data.get('query', '')}”."
    lines = [f"Here is what I found for “{data.get('query', '')}”:", ""]
    for p in products:
        stock = f"in stock ({p['stock']})" if p["in_stock"] else "out of stock"
        lines.append(
            f"- **[{p['name']}]({p['url']})** — {_money(p['price'], p['currency'])}, {stock}"
        )
    more = data.get("total_matches", len(products)) - len(products)
    if more > 0:
        lines += ["", f"There are {more} more matches in the catalogue."]
    return "\n".join(lines)


def _plan_categories(question: str) -> Args | None:
    lowered = question.lower()
    return {} if "categor" in lowered or "departments" in lowered else None


def _answer_categories(data: Result) -> str:
    lines = ["We have these categories:", ""]
    lines += [f"- **{c['name']}** ({c['product_count']} products)" for c in data["categories"]]
    return "\n".join(lines)


def _answer_details(data: Result) -> str:
    p = data["product"]
    return f"**{p['name']}** costs {_money(p['price'], p['currency'])}. {p['description']}"


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
        plan=_plan_search, answer=_answer_search, priority=CONVERSATION_PRIORITY + 100
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
    # Never planned from a question (the demo model knows no ids), but answered from.
    offline=OfflineUse(answer=_answer_details),
)

LIST_CATEGORIES = ToolSpec(
    name="list_categories",
    description="All product categories with how many products each has.",
    args_schema=ListCategoriesArgs,
    function=categories_result,
    reads_user=False,
    describe_started=lambda args: "Listing categories",
    describe_finished=lambda data: f"Found {len(data.get('categories', []))} categories",
    offline=OfflineUse(plan=_plan_categories, answer=_answer_categories, priority=10),
)
