"""Writes that load the demo catalogue, the demo customer and an administrator account.

Every write is an upsert keyed on a natural key (slug, username, order number) that saves
only when a value differs, so loading the same data twice changes nothing.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.db import models
from django.utils import timezone

from shop import demo_data
from shop.models import Category, Order, OrderItem, Product

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

M = TypeVar("M", bound=models.Model)


@dataclass
class SeedCounts:
    """How many rows of one kind a seed created, updated, left alone or removed."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def __str__(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        return f"{text}, {self.removed} removed" if self.removed else text


def _upsert(model: type[M], *, lookup: dict[str, Any], values: dict[str, Any]) -> tuple[M, str]:
    """Create the row, or save only the fields whose value differs."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        return model._default_manager.create(**lookup, **values), CREATED
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    if not changed:
        return obj, UNCHANGED
    for field in changed:
        setattr(obj, field, values[field])
    obj.save()
    return obj, UPDATED


def catalogue_seed() -> dict[str, SeedCounts]:
    """Upsert the demo categories and products by slug."""
    counts = {"categories": SeedCounts(), "products": SeedCounts()}
    category_ids: dict[str, int] = {}
    for category in demo_data.CATEGORIES:
        row, outcome = _upsert(
            Category, lookup={"slug": category.slug}, values={"name": category.name}
        )
        category_ids[category.slug] = row.pk
        counts["categories"].add(outcome)
    for product in demo_data.PRODUCTS:
        _, outcome = _upsert(
            Product,
            lookup={"slug": product.slug},
            values={
                "name": product.name,
                "description": product.description,
                "category_id": category_ids[product.category],
                "price": product.price,
                "currency": "EUR",
                "stock": product.stock,
                "is_active": product.is_active,
            },
        )
        counts["products"].add(outcome)
    return counts


def _password_upsert(*, user: AbstractBaseUser, password: str) -> bool:
    """Set the password unless it already matches (a new hash would be a change)."""
    if user.has_usable_password() and user.check_password(password):
        return False
    user.set_password(password)
    user.save(update_fields=["password"])
    return True


def demo_customer_seed(*, password: str) -> dict[str, SeedCounts]:
    """Upsert the demo customer and their orders; needs the catalogue loaded first."""
    counts = {"customers": SeedCounts(), "orders": SeedCounts(), "order items": SeedCounts()}
    user, outcome = _upsert(
        get_user_model(),
        lookup={"username": demo_data.DEMO_USERNAME},
        # A known password must never open the admin: force the account back to a customer.
        values={
            "email": demo_data.DEMO_EMAIL,
            "first_name": demo_data.DEMO_FIRST_NAME,
            "last_name": demo_data.DEMO_LAST_NAME,
            "is_active": True,
            "is_staff": False,
            "is_superuser": False,
        },
    )
    if _password_upsert(user=user, password=password) and outcome == UNCHANGED:
        outcome = UPDATED
    counts["customers"].add(outcome)

    slugs = {slug for order in demo_data.DEMO_ORDERS for slug, _ in order.items}
    products = {p.slug: p for p in Product.objects.filter(slug__in=slugs)}
    now = timezone.now()
    for spec in demo_data.DEMO_ORDERS:
        order, outcome = _upsert(
            Order,
            lookup={"number": spec.number},
            values={"user_id": user.pk, "status": spec.status},
        )
        if outcome == CREATED:
            # created_at is auto_now_add; backdate with an update so the history looks real.
            Order.objects.filter(pk=order.pk).update(created_at=now - timedelta(days=spec.days_ago))
        counts["orders"].add(outcome)
        for slug, quantity in spec.items:
            product = products[slug]
            _, outcome = _upsert(
                OrderItem,
                lookup={"order_id": order.pk, "product_id": product.pk},
                values={"quantity": quantity, "unit_price": product.price},
            )
            counts["order items"].add(outcome)
        wanted = [products[slug].pk for slug, _ in spec.items]
        removed, _ = order.items.exclude(product_id__in=wanted).delete()
        counts["order items"].removed += removed
    return counts


def superuser_upsert(*, username: str, email: str, password: str) -> str:
    """Create or update an active superuser; returns created, updated or unchanged.

    Raises django.core.exceptions.ValidationError when the password is too weak.
    """
    user_model = get_user_model()
    existing = user_model._default_manager.filter(username=username).first()
    validate_password(password, user=existing)
    user, outcome = _upsert(
        user_model,
        lookup={"username": username},
        values={"email": email, "is_active": True, "is_staff": True, "is_superuser": True},
    )
    if _password_upsert(user=user, password=password) and outcome == UNCHANGED:
        outcome = UPDATED
    return outcome
