"""GET /healthz: is this worker able to serve? Used by load balancers and readiness probes.

GET /healthz?live asks only whether the process answers, for liveness probes: restarting
workers cannot bring back PostgreSQL or Redis, so an outage of either must not restart them.
"""

import asyncio

from asgiref.sync import sync_to_async
from django.db import connection
from django.http import HttpRequest, JsonResponse

from chat.layer_health import channel_layer_roundtrip

CHECK_TIMEOUT_SECONDS = 3.0


def _database_ping() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    # The class name and first line are enough to act on and never carry credentials.
    first_line = str(exc).splitlines()[0][:120] if str(exc) else ""
    return f"{type(exc).__name__}: {first_line}".rstrip(": ")


async def healthz(request: HttpRequest) -> JsonResponse:
    if "live" in request.GET:
        return JsonResponse({"status": "ok"})
    checks = {
        "database": sync_to_async(_database_ping)(),
        "channel_layer": channel_layer_roundtrip(),
    }
    results = await asyncio.gather(
        *(asyncio.wait_for(c, CHECK_TIMEOUT_SECONDS) for c in checks.values()),
        return_exceptions=True,
    )
    body: dict[str, str] = {}
    for name, result in zip(checks, results, strict=True):
        body[name] = "ok" if result is None else _describe(result)
    healthy = all(v == "ok" for v in body.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **body}, status=200 if healthy else 503
    )
