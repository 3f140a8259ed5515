from django.contrib import admin
from django.urls import include, path

from shop.health import healthz

urlpatterns = [
    path("", include("shop.catalogue_urls")),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("chat.urls")),
    path("", include("llm.urls")),
]
