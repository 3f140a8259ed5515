"""Is this worker's channel layer delivering? One cheap round trip every few seconds.

While it is not, every socket of the worker polls the database for its conversation instead
(chat.catch_up), so pages never hang silently during a Redis outage; once it is back, each
socket catches up one last time. /healthz uses the same round trip.
"""

import asyncio
import contextlib

from channels.layers import get_channel_layer

from metrics import record

CHECK_EVERY_SECONDS = 2.0
CHECK_TIMEOUT_SECONDS = 2.0


async def channel_layer_roundtrip() -> None:
    """Send a message to a fresh channel of the layer and receive it back."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "health.ping"})
    await layer.receive(channel)
    # The pub/sub layer only unsubscribes a channel when a receive on it is cancelled.
    pending = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)
    pending.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await pending


async def layer_delivers() -> bool:
    try:
        await asyncio.wait_for(channel_layer_roundtrip(), CHECK_TIMEOUT_SECONDS)
    except asyncio.CancelledError:
        raise
    except Exception:
        record.layer_failure()
        return False
    return True
