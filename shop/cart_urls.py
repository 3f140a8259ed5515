from django.urls import path

from shop import cart_api, cart_views

app_name = "cart"

urlpatterns = [
    path("cart/", cart_views.cart_page, name="page"),
    path("cart/add/", cart_views.cart_add, name="add"),
    path("cart/items/<int:product_id>/", cart_views.cart_update, name="update"),
    path("cart/checkout/", cart_views.checkout, name="checkout"),
    path("orders/<str:number>/", cart_views.order_page, name="order"),
    path("api/cart/", cart_api.cart, name="api"),
    path("api/cart/items/", cart_api.cart_items, name="api_items"),
    path("api/cart/items/<int:product_id>/", cart_api.cart_item, name="api_item"),
    path("api/cart/checkout/", cart_api.checkout, name="api_checkout"),
]
