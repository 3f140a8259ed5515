"""The pipelined pub/sub layer: same delivery as channels-redis', fewer round trips."""

import asyncio
import socket
import uuid
from typing import Any

import pytest
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError

from config.channel_layers import redis_pubsub_layer
from config.pubsub_layer import (
    MAX_BATCH,
    PipelinedLoopLayer,
    PipelinedRedisPubSubChannelLayer,
    PipelinedShardConnection,
)
from tests import services


def make_layer(url: str, **options: Any) -> PipelinedRedisPubSubChannelLayer:
    config = redis_pubsub_layer(url, prefix=f"t{uuid.uuid4().hex[:8]}", **options)["CONFIG"]
    return PipelinedRedisPubSubChannelLayer(**config)


@pytest.fixture
def count_pipelines(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sizes of the pipelines redis-py executes."""
    sizes: list[int] = []
    execute = Pipeline.execute

    async def counting(self: Pipeline, *args: Any, **kwargs: Any) -> Any:
        sizes.append(len(self.command_stack))
        return await execute(self, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "execute", counting)
    return sizes


async def test_concurrent_sends_arrive_in_order_through_few_round_trips(
    count_pipelines: list[int],
) -> None:
    services.need("redis")
    writer, reader = make_layer(services.REDIS_URL), make_layer(services.REDIS_URL)
    # The second instance stands for another worker: it shares nothing but Redis.
    reader._kwargs["prefix"] = writer._kwargs["prefix"]
    try:
        channel = await reader.new_channel()
        await reader.group_add("g", channel)
        await asyncio.sleep(0.1)  # the subscription reaches Redis

        await asyncio.gather(*(writer.group_send("g", {"type": "t", "n": n}) for n in range(600)))
        received = [await asyncio.wait_for(reader.receive(channel), 5) for _ in range(600)]

        assert [m["n"] for m in received] == list(range(600))
        # The first goes out at once; the 599 queued behind it leave in full batches.
        assert sum(count_pipelines) == 599
        assert len(count_pipelines) == -(-599 // MAX_BATCH)
        assert max(count_pipelines) == MAX_BATCH
    finally:
        await writer.flush()
        await reader.flush()


async def test_sequential_sends_go_out_at_once_without_a_pipeline(
    count_pipelines: list[int],
) -> None:
    services.need("redis")
    layer = make_layer(services.REDIS_URL)
    try:
        channel = await layer.new_channel()
        await layer.group_add("g", channel)
        for n in range(3):
            await layer.group_send("g", {"type": "t", "n": n})
            assert (await asyncio.wait_for(layer.receive(channel), 5))["n"] == n
        assert count_pipelines == []
    finally:
        await layer.flush()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_every_waiting_sender_gets_the_error_when_redis_is_unreachable() -> None:
    layer = make_layer(f"redis://127.0.0.1:{closed_port()}/0", connect_timeout=0.5)
    try:
        results = await asyncio.wait_for(
            asyncio.gather(
                *(layer.group_send("g", {"type": "t", "n": n}) for n in range(50)),
                return_exceptions=True,
            ),
            10,
        )
        assert len(results) == 50
        assert all(isinstance(r, RedisConnectionError) for r in results), results
        # Nothing is left queued for a later batch.
        [shard] = layer._get_layer()._shards
        assert shard._outbox == []
    finally:
        await layer.flush()


async def test_a_cancelled_sender_does_not_break_the_others() -> None:
    services.need("redis")
    layer = make_layer(services.REDIS_URL)
    try:
        channel = await layer.new_channel()
        await layer.group_add("g", channel)
        first = asyncio.create_task(layer.group_send("g", {"type": "t", "n": 0}))
        second = asyncio.create_task(layer.group_send("g", {"type": "t", "n": 1}))
        await asyncio.sleep(0)
        second.cancel()
        await first
        # Queued before the cancel: it is still delivered, in order.
        got = [(await asyncio.wait_for(layer.receive(channel), 5))["n"] for _ in range(2)]
        assert got == [0, 1]
        await layer.group_send("g", {"type": "t", "n": 2})
        assert (await asyncio.wait_for(layer.receive(channel), 5))["n"] == 2
    finally:
        await layer.flush()


async def test_flush_stops_the_sender_and_the_layer_works_after() -> None:
    services.need("redis")
    layer = make_layer(services.REDIS_URL)
    sends = [asyncio.create_task(layer.group_send("g", {"type": "t"})) for _ in range(20)]
    await asyncio.sleep(0)
    await layer.flush()
    results = await asyncio.gather(*sends, return_exceptions=True)
    # The first was on its way (flush waits for it); the queued ones get the layer's error.
    assert results[0] == 0  # sent: nobody subscribed received it
    assert all(isinstance(r, RedisConnectionError) for r in results[1:]), results

    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    await layer.group_send("g", {"type": "t", "after": True})
    assert (await asyncio.wait_for(layer.receive(channel), 5))["after"] is True
    await layer.flush()


async def test_built_on_the_pinned_channels_redis_internals() -> None:
    """The eleven internals config.pubsub_layer uses, as it uses them."""
    import inspect

    from channels_redis import utils
    from channels_redis.pubsub import RedisPubSubChannelLayer, RedisSingleShardConnection

    assert callable(utils._wrap_close)
    assert list(inspect.signature(utils._wrap_close).parameters) == ["proxy", "loop"]
    layer = make_layer("redis://127.0.0.1:6379/0")
    assert isinstance(layer, RedisPubSubChannelLayer)
    assert isinstance(layer._layers, dict) and isinstance(layer._args, tuple | list)
    assert isinstance(layer._kwargs, dict) and "prefix" in layer._kwargs
    loop_layer = layer._get_layer()
    assert isinstance(loop_layer, PipelinedLoopLayer)
    assert layer._get_layer() is loop_layer
    assert layer._layers[asyncio.get_running_loop()] is loop_layer
    assert [type(s) for s in loop_layer._shards] == [PipelinedShardConnection]
    [shard] = loop_layer._shards
    group_channel = loop_layer._get_group_channel_name("g")
    assert isinstance(group_channel, str) and group_channel.endswith("g")
    assert loop_layer._get_shard(group_channel) is shard
    assert isinstance(shard, RedisSingleShardConnection)
    assert isinstance(shard._lock, asyncio.Lock)
    assert shard._redis is None  # made by _ensure_redis on first use
    shard._ensure_redis()
    assert shard._redis is not None
    await layer.flush()


async def test_a_sender_cancelled_before_it_starts_leaves_no_one_waiting() -> None:
    """E.g. a shutdown cancelling every task: its queue gets an error, later sends go out."""
    services.need("redis")
    layer = make_layer(services.REDIS_URL)
    try:
        channel = await layer.new_channel()
        await layer.group_add("g", channel)
        [shard] = layer._get_layer()._shards
        first = asyncio.create_task(layer.group_send("g", {"type": "t", "n": 0}))
        await asyncio.sleep(0)  # first is on its way, holding the shard's lock
        queued = asyncio.create_task(layer.group_send("g", {"type": "t", "n": 1}))
        await asyncio.sleep(0)
        await shard._lock.acquire()  # first in line: the sender is created but has not run
        await first
        assert shard._sender is not None
        shard._sender.cancel()
        shard._lock.release()
        also_queued = asyncio.create_task(layer.group_send("g", {"type": "t", "n": 2}))

        with pytest.raises(RedisConnectionError):
            await asyncio.wait_for(queued, 5)
        await asyncio.wait_for(also_queued, 5)  # the sender was gone: it went out at once
        await asyncio.wait_for(layer.group_send("g", {"type": "t", "n": 3}), 5)
        got = [(await asyncio.wait_for(layer.receive(channel), 5))["n"] for _ in range(3)]
        assert got == [0, 2, 3]
    finally:
        await layer.flush()


async def test_group_send_says_how_many_workers_received_it() -> None:
    """One per layer (worker) subscribed to the group, whether sent alone or in a pipeline."""
    services.need("redis")
    config = redis_pubsub_layer(services.REDIS_URL, prefix=f"t{uuid.uuid4().hex[:8]}")["CONFIG"]
    sender = PipelinedRedisPubSubChannelLayer(**config)
    reader = PipelinedRedisPubSubChannelLayer(**config)
    try:
        assert await sender.group_send("g", {"type": "t"}) == 0
        channel = await reader.new_channel()
        await reader.group_add("g", channel)
        counts = await asyncio.gather(*(sender.group_send("g", {"type": "t"}) for _ in range(50)))
        assert counts == [1] * 50
    finally:
        await sender.flush()
        await reader.flush()
