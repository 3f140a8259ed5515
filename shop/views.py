"""Catalogue pages."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from shop import selectors

PAGE_SIZE = 12


def product_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    category = request.GET.get("category", "").strip()[:100] or None
    products = selectors.product_search(query=query, category=category)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "shop/product_list.html",
        {
            "page_obj": page,
            "query": query,
            "category": category,
            "categories": selectors.category_list(),
        },
    )


def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = selectors.product_get(slug=slug)
    if product is None:
        raise Http404("No such product.")
    return render(request, "shop/product_detail.html", {"product": product})
