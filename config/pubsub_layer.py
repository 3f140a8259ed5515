"""channels-redis' pub/sub layer with publishes pipelined instead of one round trip each.

The stock layer publishes through one connection per shard under a lock, awaiting each
PUBLISH's reply before the next may start. When the event loop is busy, every reply waits for
a loop iteration, so a burst of N chunks costs N iterations (the tail latency this caused:
docs/benchmarks.md, findings). Here
publishes that arrive while one is in flight queue up and go out together in one pipeline (one
write, one read), in order; a publish with nothing in flight goes out at once as a plain
PUBLISH. Each caller still waits until Redis has taken its message and gets its error if Redis
fails.

`group_send` returns Redis' count of the subscribers that received the message (one per
worker in the group), which chat.hub reads to skip chunks nobody else can hear.

Built on channels-redis 4.3's classes (pinned), using eleven of their internals, each checked
by tests/config/test_pubsub_layer.py::test_built_on_the_pinned_channels_redis_internals:
`channels_redis.utils._wrap_close`; the proxy's `_get_layer`, `_layers`, `_args`, `_kwargs`;
the loop layer's `_shards`, `_get_shard` and `_get_group_channel_name`; the shard
connection's `_lock`, `_ensure_redis` and `_redis`.
"""

import asyncio
import contextlib
from typing import Any

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close
from redis.exceptions import ConnectionError as RedisConnectionError

# Most publishes one pipeline carries; a larger backlog goes out in several.
MAX_BATCH = 512


class PipelinedShardConnection(RedisSingleShardConnection):
    def __init__(self, host: Any, channel_layer: Any) -> None:
        super().__init__(host, channel_layer)
        self._outbox: list[tuple[str, bytes, asyncio.Future[int]]] = []
        self._sender: asyncio.Task[None] | None = None
        self._inline = False  # a publish is being sent by its caller

    def _busy(self) -> bool:
        return self._inline or (self._sender is not None and not self._sender.done())

    async def publish(self, channel: str, message: bytes) -> int:
        """PUBLISH `message`; how many subscribers received it."""
        if self._busy():
            # Queue behind what is on its way; the queue leaves as one pipeline after it.
            done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            self._outbox.append((channel, message, done))
            return await done
        # Nothing in flight (the usual case): send it from here, no task or future.
        self._inline = True
        try:
            async with self._lock:
                self._ensure_redis()
                return int(await self._redis.publish(channel, message))
        finally:
            self._inline = False
            if self._outbox:
                self._sender = asyncio.get_running_loop().create_task(self._send_outbox())
                self._sender.add_done_callback(self._sender_done)

    def _sender_done(self, sender: asyncio.Task[None]) -> None:
        # Cancelled before its first step, a sender never sees its queue: fail it, so that no
        # caller waits forever and the next publish finds the way clear.
        if sender.cancelled():
            _fail(self._outbox, RedisConnectionError("channel layer closed"))
            self._outbox = []

    async def _send_outbox(self) -> None:
        while self._outbox:
            batch, self._outbox = self._outbox[:MAX_BATCH], self._outbox[MAX_BATCH:]
            try:
                async with self._lock:
                    self._ensure_redis()
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for channel, message, _ in batch:
                            pipe.publish(channel, message)
                        received = await pipe.execute()
            except asyncio.CancelledError:
                _fail(batch + self._outbox, RedisConnectionError("channel layer closed"))
                self._outbox = []
                raise
            except Exception as exc:
                _fail(batch, exc)
            else:
                for (_, _, done), count in zip(batch, received, strict=True):
                    if not done.done():
                        done.set_result(int(count))

    async def flush(self) -> None:
        sender, self._sender = self._sender, None
        if sender is not None and not sender.done():
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
        # What is queued behind a publish still on its way has no sender yet.
        _fail(self._outbox, RedisConnectionError("channel layer closed"))
        self._outbox = []
        await super().flush()


def _fail(batch: list[tuple[str, bytes, asyncio.Future[int]]], exc: BaseException) -> None:
    for _, _, done in batch:
        if not done.done():
            done.set_exception(exc)


class PipelinedLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shards = [PipelinedShardConnection(shard.host, self) for shard in self._shards]

    async def group_send(self, group: str, message: dict[str, Any]) -> int:
        """Publish to the group; how many subscribers (workers) received it."""
        group_channel = self._get_group_channel_name(group)
        shard = self._get_shard(group_channel)
        return int(await shard.publish(group_channel, self.channel_layer.serialize(message)))


class PipelinedRedisPubSubChannelLayer(RedisPubSubChannelLayer):
    """Drop-in for RedisPubSubChannelLayer (same CONFIG)."""

    def _get_layer(self) -> RedisPubSubLoopLayer:
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = PipelinedLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)
        return layer
