"""The bare baseline: one trivial consumer streaming stamped cumulative text via a group.

``/ws/<group>/``: every socket joins ``<group>``. A client frame
``{"n": 100, "rate": 20, "size": 0, "forward": "full" | "delta"}`` starts a producer that
group-sends the cumulative text (stamped deltas as in benchmarks.stamps) at ``rate`` per
second; each consumer forwards it to its socket, whole (``full``, the naive design) or as
``offset``/``delta`` (``delta``, as the project does). ``{"type": "end"}`` follows.
"""

import asyncio
import json
import os
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.bare.settings")

from django.core.asgi import get_asgi_application

django_app = get_asgi_application()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from benchmarks.stamps import FILL, stamp  # noqa: E402

_producers: set[asyncio.Task[None]] = set()


async def produce(group: str, count: int, rate: float, size: int) -> None:
    layer = get_channel_layer()
    interval = 1.0 / max(rate, 0.001)
    piece = (FILL * (size // len(FILL) + 1))[:size] if size else ""
    text = ""
    next_at = time.monotonic()
    for _ in range(count):
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        text += piece or stamp()
        await layer.group_send(group, {"type": "bench.text", "text": text})
    await layer.group_send(group, {"type": "bench.end"})


class BareConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.group = "bare." + self.scope["url_route"]["kwargs"]["group"]
        self.forward = "full"
        self.offset = 0
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Like the project's consumer: no database, so no per-message hop to close connections.
        if message.get("type") == "bench.text":
            await self.bench_text(message)
            return
        await super().dispatch(message)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        spec = json.loads(text_data or "{}")
        self.forward = spec.get("forward", "full")
        task = asyncio.create_task(
            produce(
                self.group,
                int(spec.get("n", 100)),
                float(spec.get("rate", 20)),
                int(spec.get("size", 0)),
            )
        )
        _producers.add(task)
        task.add_done_callback(_producers.discard)

    async def bench_text(self, event: dict[str, Any]) -> None:
        text = event["text"]
        if self.forward == "delta":
            frame = {"type": "chunk", "offset": self.offset, "delta": text[self.offset :]}
            self.offset = len(text)
        else:
            frame = {"type": "chunk", "text": text}
        await self.send(text_data=json.dumps(frame, ensure_ascii=False, separators=(",", ":")))

    async def bench_end(self, event: dict[str, Any]) -> None:
        self.offset = 0
        await self.send(text_data='{"type":"end"}')


application = ProtocolTypeRouter(
    {
        "http": django_app,
        "websocket": URLRouter([path("ws/<str:group>/", BareConsumer.as_asgi())]),
    }
)
