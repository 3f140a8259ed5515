"""GET /metrics: this worker's figures for Prometheus, behind a bearer token.

It is answered in front of Django (`with_metrics` wraps the HTTP application in config.asgi):
Prometheus sends the address it scrapes, a pod or container IP, as the Host header and cannot
send another, and Django answers 400 to any host that ALLOWED_HOSTS does not list. Nothing
here builds a URL from the Host header, which is what that check protects.
"""

import hashlib
import hmac
from typing import Any

from django.conf import settings
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

PATH = "/metrics"

Scope = dict[str, Any]
ASGIApp = Any


def _digest(token: bytes) -> bytes:
    # Equal lengths, so the constant-time comparison does not reveal the token's length.
    return hashlib.sha256(token).digest()


def _authorized(scope: Scope, token: str) -> bool:
    expected = b"Bearer " + token.encode()
    given = dict(scope["headers"]).get(b"authorization", b"")
    return hmac.compare_digest(_digest(given), _digest(expected))


Response = tuple[int, bytes, list[tuple[bytes, bytes]]]
_TEXT = (b"content-type", b"text/plain; charset=utf-8")


def _response(scope: Scope) -> Response:
    """404 unless METRICS_TOKEN is set; 401 without `Authorization: Bearer <token>`."""
    token = settings.METRICS_TOKEN
    if not token:
        return 404, b"Not Found\n", [_TEXT]
    if scope["method"] not in {"GET", "HEAD"}:
        return 405, b"Method Not Allowed\n", [_TEXT, (b"allow", b"GET, HEAD")]
    if not _authorized(scope, token):
        return 401, b"Unauthorized\n", [_TEXT, (b"www-authenticate", b'Bearer realm="metrics"')]
    # Collected on the worker's event loop, where the state it reads is changed.
    return 200, generate_latest(REGISTRY), [(b"content-type", CONTENT_TYPE_LATEST.encode())]


async def metrics_endpoint(scope: Scope, receive: Any, send: Any) -> None:
    status, body, headers = _response(scope)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"cache-control", b"no-store"), *headers],
        }
    )
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def with_metrics(app: ASGIApp) -> ASGIApp:
    """`app`, with GET /metrics answered before it."""

    async def http(scope: Scope, receive: Any, send: Any) -> None:
        handler = metrics_endpoint if scope["path"] == PATH else app
        await handler(scope, receive, send)

    return http
