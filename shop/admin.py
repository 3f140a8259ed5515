from decimal import Decimal

from django.contrib import admin
from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from shop.models import Cart, CartItem, Category, Order, OrderItem, Product

CENTS = Decimal("0.01")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "active_products"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return (
            super()
            .get_queryset(request)
            .annotate(active_product_count=Count("products", filter=Q(products__is_active=True)))
        )

    @admin.display(description="active products", ordering="active_product_count")
    def active_products(self, obj: Category) -> int:
        return obj.active_product_count


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "price", "currency", "stock", "is_active", "updated_at"]
    list_filter = ["is_active", "category", "currency"]
    list_editable = ["stock", "is_active"]
    search_fields = ["name", "slug", "description"]
    list_select_related = ["category"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    autocomplete_fields = ["product"]
    fields = ["product", "quantity", "unit_price", "line_total"]
    readonly_fields = ["line_total"]

    @admin.display(description="line total")
    def line_total(self, obj: OrderItem) -> Decimal | str:
        # The blank extra form has no quantity or price yet.
        if obj.pk is None:
            return "-"
        return obj.line_total


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "user", "status", "item_count", "order_total", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["number", "user__username", "user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = ["order_total", "created_at", "updated_at"]
    inlines = [OrderItemInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Order]:
        # One query for the whole page: counts and totals are aggregated, not fetched per row.
        return (
            super()
            .get_queryset(request)
            .annotate(
                item_count=Count("items"),
                total_amount=Coalesce(
                    Sum(F("items__unit_price") * F("items__quantity")),
                    Value(Decimal("0")),
                    output_field=DecimalField(max_digits=12, decimal_places=2),
                ),
            )
        )

    @admin.display(description="items", ordering="item_count")
    def item_count(self, obj: Order) -> int:
        return obj.item_count

    @admin.display(description="total", ordering="total_amount")
    def order_total(self, obj: Order) -> Decimal:
        total = getattr(obj, "total_amount", None)
        # The add page shows an unsaved order, which has neither the annotation nor items.
        if total is None:
            return obj.total if obj.pk else Decimal("0")
        # SQLite returns the product of two decimals unrounded.
        return total.quantize(CENTS)


@admin.register(OrderItem)
class OrderItemAdmin(admin.ModelAdmin):
    list_display = ["order", "product", "quantity", "unit_price", "line_total"]
    list_filter = ["order__status", "product__category"]
    search_fields = ["order__number", "product__name"]
    list_select_related = ["order", "product"]
    autocomplete_fields = ["order", "product"]

    @admin.display(description="line total")
    def line_total(self, obj: OrderItem) -> Decimal:
        return obj.line_total


class CartItemInline(admin.TabularInline):
    model = CartItem
    extra = 0
    fields = ["product", "quantity", "added_at"]
    readonly_fields = ["product", "quantity", "added_at"]
    can_delete = False


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    """Read-only: carts belong to their owners; staff look, the shop's pages write."""

    list_display = ["id", "user", "anonymous_key", "updated_at"]
    search_fields = ["user__username", "anonymous_key"]
    list_select_related = ["user"]
    readonly_fields = ["user", "anonymous_key", "created_at", "updated_at"]
    inlines = [CartItemInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Cart | None = None) -> bool:
        return False
