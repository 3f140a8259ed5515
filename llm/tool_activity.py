"""Tool activity in human words, for the page's tool lines."""

import json
from typing import Any


def describe_start(name: str, args: dict[str, Any]) -> str:
    if name == "search_products":
        return f"Searching products for “{str(args.get('query', ''))[:80]}”"
    if name == "get_product_details":
        return f"Looking up product #{args.get('product_id')}"
    if name == "list_categories":
        return "Listing categories"
    if name == "check_order_status":
        return f"Checking order {str(args.get('order_number', ''))[:40]}"
    return f"Using {name}"


def describe_result(name: str, result: str) -> str:
    try:
        data = json.loads(result)
    except ValueError:
        return "Done"
    if not isinstance(data, dict):
        return "Done"
    if "error" in data:
        return str(data["error"])[:200]
    if name == "search_products":
        count = len(data.get("products", []))
        return f"Found {count} product{'s' if count != 1 else ''}"
    if name == "get_product_details":
        return f"Found {data.get('product', {}).get('name', 'the product')}"
    if name == "list_categories":
        return f"Found {len(data.get('categories', []))} categories"
    if name == "check_order_status":
        return f"Order {data.get('order_number')} is {data.get('status')}"
    return "Done"
