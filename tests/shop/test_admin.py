"""Staff manage the catalogue and orders in the Django admin."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.shop.factories import category_create, order_create, product_create, user_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop_rows():
    running = category_create(name="Running")
    shoe = product_create(name="Trail Shoe", category=running, price="149.00")
    socks = product_create(name="Merino Socks", category=running, price="24.90")
    customer = user_create(username="casey")
    order = order_create(
        user=customer, number="ORD-10042", status="shipped", items=[(shoe, 1), (socks, 2)]
    )
    return {"category": running, "product": shoe, "order": order, "item": order.items.first()}


CHANGELISTS = [
    ("category", "?q=run"),
    ("product", "?q=shoe&is_active__exact=1"),
    ("order", "?q=ORD-10042&status__exact=shipped"),
    ("orderitem", "?q=socks&order__status__exact=shipped"),
]


@pytest.mark.parametrize(("model", "query"), CHANGELISTS)
def test_changelist_with_search_and_filter_loads(admin_client, shop_rows, model, query):
    plain = admin_client.get(f"/admin/shop/{model}/")
    filtered = admin_client.get(f"/admin/shop/{model}/{query}")

    assert plain.status_code == 200
    assert filtered.status_code == 200
    # A filter the admin does not know redirects with ?e=1 instead of returning 200.
    assert "?e=1" not in filtered.get("Location", "")
    assert filtered.context["cl"].result_count == 1


@pytest.mark.parametrize("model", ["category", "product", "order", "orderitem"])
def test_add_page_loads(admin_client, model):
    assert admin_client.get(f"/admin/shop/{model}/add/").status_code == 200


@pytest.mark.parametrize("row", ["category", "product", "order", "item"])
def test_change_page_loads(admin_client, shop_rows, row):
    obj = shop_rows[row]

    response = admin_client.get(f"/admin/shop/{obj._meta.model_name}/{obj.pk}/change/")

    assert response.status_code == 200


def test_order_change_page_shows_items_inline_with_total(admin_client, shop_rows):
    order = shop_rows["order"]

    content = admin_client.get(f"/admin/shop/order/{order.pk}/change/").content.decode()

    assert 'name="items-TOTAL_FORMS" value="2"' in content
    assert "Trail Shoe" in content and "Merino Socks" in content
    assert "198.80" in content


def test_order_changelist_shows_item_count_and_total(admin_client, shop_rows):
    response = admin_client.get("/admin/shop/order/")
    row = response.content.decode().split("ORD-10042", 1)[1].split("</tr>", 1)[0]

    assert '<td class="field-item_count">2</td>' in row
    assert '<td class="field-order_total">198.80</td>' in row


def test_order_changelist_query_count_does_not_grow_with_orders(admin_client, shop_rows):
    def changelist_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get("/admin/shop/order/").status_code == 200
        return len(queries)

    one_order = changelist_queries()
    product = shop_rows["product"]
    for n in range(5):
        order_create(user=shop_rows["order"].user, number=f"ORD-2000{n}", items=[(product, 1)])

    assert changelist_queries() == one_order
