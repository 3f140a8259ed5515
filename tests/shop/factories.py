"""Real rows for the shop tests, built through the ORM with sensible defaults."""

from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.text import slugify

from shop.models import Category, Order, OrderItem, Product


def category_create(*, name: str, slug: str | None = None) -> Category:
    return Category.objects.create(name=name, slug=slug or slugify(name))


def product_create(
    *,
    name: str,
    category: Category,
    price: str | Decimal = "10.00",
    stock: int = 5,
    description: str = "",
    is_active: bool = True,
    slug: str | None = None,
) -> Product:
    return Product.objects.create(
        name=name,
        slug=slug or slugify(name),
        category=category,
        price=Decimal(price),
        stock=stock,
        description=description,
        is_active=is_active,
    )


def user_create(*, username: str, password: str = "a-long-test-password-1") -> AbstractBaseUser:
    return get_user_model().objects.create_user(username=username, password=password)


def order_create(
    *,
    user: AbstractBaseUser,
    number: str,
    items: Iterable[tuple[Product, int]] = (),
    status: str = Order.Status.PENDING,
) -> Order:
    order = Order.objects.create(user=user, number=number, status=status)
    for product, quantity in items:
        OrderItem.objects.create(
            order=order, product=product, quantity=quantity, unit_price=product.price
        )
    return order
