from django.urls import path

from chat import views

app_name = "chat"

urlpatterns = [
    path("chat/", views.chat_page, name="page"),
    path("chat/<uuid:conversation_id>/", views.chat_page, name="conversation_page"),
    path("api/conversations/", views.conversations, name="conversations"),
    path(
        "api/conversations/<uuid:conversation_id>/",
        views.conversation_detail,
        name="conversation_detail",
    ),
    path(
        "api/messages/<str:message_id>/feedback/",
        views.message_feedback,
        name="message_feedback",
    ),
]
