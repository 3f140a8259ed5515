from django.urls import path

from chat.consumers import ChatConsumer

# A socket's path is this prefix plus the conversation id and a slash (the page builds it).
WEBSOCKET_PREFIX = "/ws/chat/"

websocket_urlpatterns = [
    path(f"{WEBSOCKET_PREFIX[1:]}<uuid:conversation_id>/", ChatConsumer.as_asgi()),
]
