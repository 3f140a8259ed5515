"""When a growing answer's cumulative text goes out to the group: at once, or coalesced.

A model that is no faster than one delta per half CHAT_CHUNK_COALESCE_MS gets every delta
sent at once; bursts of faster deltas go out at most once per window. A fast model yields
far more deltas than a reader needs, and each sent chunk costs a layer message, a frame and
its framing bytes per socket (the measurements: docs/benchmarks.md, wire bytes).
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from django.conf import settings


class ChunkPacer:
    def __init__(self, send: Callable[[], Awaitable[None]]) -> None:
        self._send = send  # sends the latest text (a no-op when nothing changed)
        self._window = settings.CHAT_CHUNK_COALESCE_MS / 1000  # read once: asked every delta
        self._sent_at = 0.0
        self._delta_at = 0.0
        self._flusher: asyncio.Task[None] | None = None

    async def text_grew(self) -> None:
        now = asyncio.get_running_loop().time()
        gap, self._delta_at = now - self._delta_at, now
        if self._flusher is not None:
            return  # a send is already scheduled and will carry the latest text
        window = self._window
        wait = self._sent_at + window - now
        if wait <= 0 or gap >= window / 2:
            await self.send_now()
        else:
            self._flusher = asyncio.create_task(self._send_after(wait))

    async def send_now(self) -> None:
        self._sent_at = asyncio.get_running_loop().time()
        await self._send()

    async def flush(self) -> None:
        """Send any text still held back, before an event that must follow it."""
        flusher, self._flusher = self._flusher, None
        if flusher is not None:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
        await self.send_now()

    def cancel(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()

    async def _send_after(self, wait: float) -> None:
        await asyncio.sleep(wait)
        self._flusher = None
        await self.send_now()
