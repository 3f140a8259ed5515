"""ASGI entry point: HTTP to Django (GET /metrics before it), WebSocket to the chat's routes."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from chat.routing import websocket_urlpatterns  # noqa: E402
from chat.server_send import KeepServerSend  # noqa: E402
from metrics.endpoint import with_metrics  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": with_metrics(django_asgi_app),
        "websocket": KeepServerSend(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)

from config.checks import raise_serving_errors  # noqa: E402
from config.serving import attach_to_daphne  # noqa: E402
from config.warm_up import warm_up_worker  # noqa: E402

raise_serving_errors()
warm_up_worker()
attach_to_daphne()
