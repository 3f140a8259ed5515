"""Staff can look at carts in the admin but not write them."""

import pytest

from shop import cart_services
from shop.models import Cart
from shop.owners import Owner
from tests.shop.factories import category_create, product_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart():
    product = product_create(name="Trail Shoe", category=category_create(name="Gear"), stock=3)
    owner = Owner(user_id=None, anonymous_key="visitor-key-123")
    cart_services.cart_add(owner=owner, product_id=product.pk, quantity=2)
    return Cart.objects.get()


def test_the_cart_changelist_and_its_search_load(admin_client, cart):
    response = admin_client.get("/admin/shop/cart/?q=visitor-key")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_a_cart_opens_read_only_with_its_lines(admin_client, cart):
    response = admin_client.get(f"/admin/shop/cart/{cart.pk}/change/")
    assert response.status_code == 200
    assert "Trail Shoe" in response.content.decode()
    assert not response.context["has_change_permission"]


def test_staff_cannot_add_carts(admin_client):
    assert admin_client.get("/admin/shop/cart/add/").status_code == 403
