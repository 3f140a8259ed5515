"""`manage.py seed_shop` loads a realistic demo shop, repeatably."""

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from shop.models import Category, Order, OrderItem, Product
from tests.shop.factories import category_create, product_create

pytestmark = pytest.mark.django_db

STRONG_ADMIN_PASSWORD = "plum-orbit-cascade-4417"


@pytest.fixture(autouse=True)
def _no_seed_environment(monkeypatch):
    for name in (
        "DJANGO_SUPERUSER_USERNAME",
        "DJANGO_SUPERUSER_PASSWORD",
        "DJANGO_SUPERUSER_EMAIL",
    ):
        monkeypatch.delenv(name, raising=False)


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_shop", *args, stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, object]:
    user_model = get_user_model()
    return {
        "categories": sorted(Category.objects.values_list("slug", "name")),
        "products": sorted(
            Product.objects.values_list("slug", "price", "stock", "is_active", "updated_at")
        ),
        "users": sorted(user_model.objects.values_list("username", "password", "is_staff")),
        "orders": sorted(Order.objects.values_list("number", "status", "updated_at")),
        "items": sorted(
            OrderItem.objects.values_list("order__number", "product__slug", "quantity")
        ),
    }


def test_seed_creates_a_varied_catalogue():
    seed()

    products = Product.objects.all()
    assert products.count() >= 60
    assert Category.objects.filter(products__isnull=False).distinct().count() >= 6
    assert products.filter(stock=0, is_active=True).count() >= 3
    assert products.filter(is_active=False).exists()
    prices = [p.price for p in products]
    assert min(prices) <= 10 and max(prices) >= 800
    assert all(p.currency == "EUR" and p.description for p in products)


def test_seed_creates_demo_customer_with_orders_priced_from_the_catalogue():
    seed()

    demo = get_user_model().objects.get(username="demo")
    assert authenticate(username="demo", password="demo-shopper-2026") == demo
    assert not demo.is_staff and not demo.is_superuser
    orders = Order.objects.filter(user=demo)
    assert 3 <= orders.count() <= 4
    assert len({o.status for o in orders}) == orders.count()
    assert all(re.fullmatch(r"ORD-\d{5}", o.number) for o in orders)
    assert "ORD-10042" in {o.number for o in orders}
    items = OrderItem.objects.filter(order__user=demo).select_related("product")
    assert items.exists()
    assert all(item.unit_price == item.product.price for item in items)


def test_demo_password_comes_from_settings(settings):
    settings.DEMO_PASSWORD = "tangerine-window-88"

    output = seed()

    assert authenticate(username="demo", password="tangerine-window-88") is not None
    assert authenticate(username="demo", password="demo-shopper-2026") is None
    assert "tangerine-window-88" not in output


def test_second_run_changes_nothing():
    seed()
    before = _snapshot()

    output = seed()

    assert _snapshot() == before
    assert f"{Product.objects.count()} unchanged" in output
    assert not re.search(r"\b[1-9]\d* (created|updated|removed)", output), output


def test_rerun_restores_edited_demo_rows_without_duplicates():
    seed()
    counts = (Product.objects.count(), Order.objects.count(), OrderItem.objects.count())
    Product.objects.filter(slug="barista-pro-espresso-machine").update(stock=0)
    get_user_model().objects.filter(username="demo").update(is_staff=True)

    seed()

    assert Product.objects.get(slug="barista-pro-espresso-machine").stock > 0
    assert not get_user_model().objects.get(username="demo").is_staff
    assert (Product.objects.count(), Order.objects.count(), OrderItem.objects.count()) == counts


def test_if_empty_does_nothing_when_products_exist():
    product_create(name="Existing Lamp", category=category_create(name="Lighting"))

    output = seed("--if-empty")

    assert Product.objects.count() == 1
    assert not get_user_model().objects.filter(username="demo").exists()
    assert "nothing to do" in output


def test_if_empty_seeds_an_empty_database():
    seed("--if-empty")

    assert Product.objects.count() >= 60


def test_no_superuser_without_the_flag_even_when_env_has_a_password(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", STRONG_ADMIN_PASSWORD)

    seed()

    assert not get_user_model().objects.filter(is_superuser=True).exists()
    assert not get_user_model().objects.filter(is_staff=True).exists()


def test_superuser_flag_creates_superuser_from_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "ops")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "ops@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", STRONG_ADMIN_PASSWORD)

    output = seed("--superuser")

    admin = authenticate(username="ops", password=STRONG_ADMIN_PASSWORD)
    assert admin is not None and admin.is_superuser and admin.is_staff
    assert admin.email == "ops@example.com"
    assert STRONG_ADMIN_PASSWORD not in output


def test_superuser_options_win_over_environment_and_rerun_updates_in_place(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "ops")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", STRONG_ADMIN_PASSWORD)

    seed("--superuser", "--admin-username", "root", "--admin-email", "root@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "violet-harbour-2291")
    seed("--superuser", "--admin-username", "root", "--admin-email", "root@example.com")

    superusers = get_user_model().objects.filter(is_superuser=True)
    assert [u.username for u in superusers] == ["root"]
    assert authenticate(username="root", password="violet-harbour-2291") is not None


def test_superuser_without_password_is_refused_before_any_write():
    with pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD"):
        seed("--superuser", "--admin-username", "root")

    assert not get_user_model().objects.exists()
    assert not Product.objects.exists()


def test_weak_superuser_password_rolls_back_the_whole_seed(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "abc")

    with pytest.raises(CommandError, match="too weak"):
        seed("--superuser")

    assert not Product.objects.exists()
    assert not get_user_model().objects.exists()


def test_demo_customer_cannot_be_made_superuser(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", STRONG_ADMIN_PASSWORD)

    with pytest.raises(CommandError, match="demo"):
        seed("--superuser", "--admin-username", "demo")
