from django.urls import path

from llm import views

app_name = "llm"

urlpatterns = [
    path("api/llm/query", views.llm_query, name="query"),
    path("api/llm/query/", views.llm_query),
]
