"""The assistant's tools: thin, typed wrappers over shop selectors, bound to the chatting user.

Tools are built per turn with the user closed over, so whatever the model asks for, order
lookups only ever see that user's orders.
"""

import json
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from langchain_core.tools import BaseTool, StructuredTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, Field

from shop import selectors
from shop.models import Product

User = AbstractBaseUser | AnonymousUser | None


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


class OrderStatusArgs(BaseModel):
    order_number: str = Field(
        description="The order number, e.g. ORD-10042.", min_length=1, max_length=40
    )


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


def _dump_capped(payload: dict[str, Any], list_key: str | None = None) -> str:
    """Compact JSON no longer than the configured cap, dropping list items if needed."""
    cap = settings.LLM_TOOL_RESULT_MAX_CHARS
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    while len(text) > cap and list_key and payload.get(list_key):
        payload[list_key] = payload[list_key][:-1]
        payload["truncated"] = True
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    if len(text) > cap:
        text = json.dumps({"error": "result too large", "truncated": True})
    return text


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
    return _dump_capped(
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
    return _dump_capped({"product": details})


def categories_result() -> str:
    categories = [
        {"name": c.name, "slug": c.slug, "product_count": c.product_count}
        for c in selectors.category_list()
    ]
    return _dump_capped({"categories": categories}, list_key="categories")


def order_status_result(*, user: User, order_number: str) -> str:
    order = selectors.order_get_for_user(user=user, number=order_number)
    if order is None:
        # Same answer for "not yours" and "does not exist": existence must not leak.
        return json.dumps(
            {"error": f"No order {order_number.strip()[:40]} found for this customer."},
            ensure_ascii=False,
        )
    items = [
        {
            "product": item.product.name,
            "quantity": item.quantity,
            "unit_price": str(item.unit_price),
            "url": item.product.get_absolute_url(),
        }
        for item in order.items.all()
    ]
    return _dump_capped(
        {
            "order_number": order.number,
            "status": order.status,
            "created_at": order.created_at.date().isoformat(),
            "updated_at": order.updated_at.date().isoformat(),
            "total": str(order.total),
            "items": items,
        },
        list_key="items",
    )


def _async_tool(
    func: Callable[..., str], *, name: str, description: str, args_schema: type[BaseModel]
) -> BaseTool:
    async def run(**kwargs: Any) -> str:
        return await sync_to_async(func)(**kwargs)

    return StructuredTool.from_function(
        coroutine=run, name=name, description=description, args_schema=args_schema
    )


def build_tools(*, user: User) -> list[BaseTool]:
    """The four shop tools for one turn, with `user` fixed for order lookups."""

    def order_status(*, order_number: str) -> str:
        return order_status_result(user=user, order_number=order_number)

    return [
        _async_tool(
            search_products_result,
            name="search_products",
            description="Search the shop's catalogue. Returns matching products with price, "
            "stock and a link.",
            args_schema=SearchProductsArgs,
        ),
        _async_tool(
            product_details_result,
            name="get_product_details",
            description="Full details of one product by its id.",
            args_schema=ProductDetailsArgs,
        ),
        _async_tool(
            categories_result,
            name="list_categories",
            description="All product categories with how many products each has.",
            args_schema=ListCategoriesArgs,
        ),
        _async_tool(
            order_status,
            name="check_order_status",
            description="Status and items of one of the current customer's orders, by order "
            "number. Only the customer's own orders can be found.",
            args_schema=OrderStatusArgs,
        ),
    ]


@cache
def tool_schemas() -> tuple[dict[str, Any], ...]:
    """The tools as the model sees them (OpenAI format), the same for every user.

    Deriving them from the tools costs ~2 ms of pydantic work; once per process, not on the
    event loop at every turn.
    """
    return tuple(convert_to_openai_tool(tool) for tool in build_tools(user=None))
