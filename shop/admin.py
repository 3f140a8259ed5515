from django.contrib import admin

from shop.models import Category, Order, OrderItem, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "price", "currency", "stock", "is_active", "updated_at"]
    list_filter = ["is_active", "category", "currency"]
    list_editable = ["stock", "is_active"]
    search_fields = ["name", "slug", "description"]
    list_select_related = ["category"]
    prepopulated_fields = {"slug": ["name"]}


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    autocomplete_fields = ["product"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "user", "status", "item_count", "created_at", "updated_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["number", "user__username", "user__email"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    inlines = [OrderItemInline]

    @admin.display(description="items")
    def item_count(self, obj: Order) -> int:
        return obj.items.count()


@admin.register(OrderItem)
class OrderItemAdmin(admin.ModelAdmin):
    list_display = ["order", "product", "quantity", "unit_price"]
    search_fields = ["order__number", "product__name"]
    list_select_related = ["order", "product"]
    autocomplete_fields = ["order", "product"]
