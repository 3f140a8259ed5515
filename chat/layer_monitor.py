"""Is this worker's channel layer delivering? One cheap round trip every few seconds.

While it is not, every socket of the worker polls the database for its conversation instead
(chat.consumers), so pages never hang silently during a Redis outage; once it is back, each
socket catches up one last time.
"""

import asyncio
import logging

from chat import registry
from config.health import channel_layer_roundtrip

logger = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 2.0
CHECK_TIMEOUT_SECONDS = 2.0

_task: asyncio.Task[None] | None = None
_down = False


def layer_is_down() -> bool:
    return _down


async def _loop() -> None:
    global _down
    while True:
        try:
            await asyncio.wait_for(channel_layer_roundtrip(), CHECK_TIMEOUT_SECONDS)
            healthy = True
        except asyncio.CancelledError:
            raise
        except Exception:
            healthy = False
        if healthy == _down:
            _down = not healthy
            log = logger.warning if _down else logger.info
            log("channel layer down" if _down else "channel layer back")
        await asyncio.sleep(CHECK_EVERY_SECONDS)


def ensure_running() -> None:
    """Start this process's monitor once (called from the consumer's connect)."""
    global _task
    _task = registry.start_once(_task, _loop, "channel-layer-monitor")
