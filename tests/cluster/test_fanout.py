"""The fan-out across real workers: each worker's hub holds one Redis subscription per
conversation for all its sockets, they get every chunk once and in order, a socket that joins
mid-answer continues it, and a lost Redis connection heals."""

import asyncio
import itertools
import time
import uuid

import pytest
import redis.asyncio as aioredis

from tests import services
from tests.cluster.faults import RedisServer
from tests.cluster.workers import Page, Socket, Worker

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


async def subscribers(worker: Worker, conversation_id: str, redis_url: str) -> int:
    """How many connections (one per worker) Redis has on the conversation's group."""
    name = f"{worker.env['CHANNEL_LAYER_PREFIX']}__group__chat.{conversation_id}"
    client = aioredis.Redis.from_url(redis_url)
    try:
        [(_, count)] = await client.pubsub_numsub(name)
        return int(count)
    finally:
        await client.aclose()


def assert_streamed_once(socket: Socket, frames: list[dict]) -> dict:  # type: ignore[type-arg]
    """Each chunk continues exactly where the previous one ended, one `done`, one
    `turn_ended`, and the chunks rebuild the stored text; the final message."""
    chunks = [f for f in frames if f["type"] == "chunk"]
    for before, after in itertools.pairwise(chunks):
        assert after["offset"] == before["offset"] + len(before["delta"])
    done = [f["message"] for f in frames if f["type"] == "done"]
    assert len(done) == 1
    assert [f["type"] for f in frames].count("turn_ended") == 1
    assert socket.texts()[done[0]["id"]] == done[0]["content"]
    return done[0]


async def test_readers_on_another_worker_get_every_chunk_once_through_one_subscription(
    start_workers,
):
    one, two = start_workers(2)
    page = Page().visit(one)
    conversation = page.create_conversation(one)
    asker = await page.open(one, conversation)
    readers = [await page.open(two, conversation) for _ in range(3)]
    # One subscription per worker, however many of its sockets show the conversation.
    assert await subscribers(one, conversation, services.REDIS_URL) == 2

    await asker.ask("Write me 120 words please")
    mine = assert_streamed_once(asker, await asker.until("turn_ended"))
    for reader in readers:
        frames = await reader.until("turn_ended")
        assert [f["type"] for f in frames].count("chunk") > 3
        assert assert_streamed_once(reader, frames) == mine


async def test_a_socket_joining_mid_answer_on_another_worker_continues_it(start_workers):
    one, two = start_workers(2)
    page, conversation, (asker,) = await Page.on_one_conversation(one)
    await asker.ask("Write me 300 words please")
    await asker.until("chunk")
    await asyncio.sleep(1.0)  # the answer runs with no listener on the other worker

    joined_at = time.monotonic()
    late = await page.open(two, conversation)
    streaming = late.history["messages"][-1]
    assert streaming["status"] == "streaming"
    first = await late.until("chunk", within=10)
    # Its worker's hub announced itself: the turn's worker publishes its chunks again.
    assert time.monotonic() - joined_at < 1.0
    assert first[-1]["offset"] <= len(streaming["content"])

    frames = first + await late.until("turn_ended", within=30)
    done = assert_streamed_once(late, frames)
    assert done == assert_streamed_once(asker, await asker.until("turn_ended"))
    assert [f["type"] for f in frames].count("chunk") > 3


async def test_a_socket_joining_mid_answer_on_the_turns_worker_continues_it(start_workers):
    (one,) = start_workers(1)
    page, conversation, (asker,) = await Page.on_one_conversation(one)
    await asker.ask("Write me 200 words please")
    await asker.until("chunk")
    await asyncio.sleep(0.5)

    late = await page.open(one, conversation)
    # The live text, newer than the checkpoint, and the chunks after it.
    assert late.history["messages"][-1]["status"] == "streaming"
    assert late.history["messages"][-1]["content"]
    frames = await late.until("turn_ended", within=30)
    assert [f["type"] for f in frames].count("chunk") > 3
    assert assert_streamed_once(late, frames) == assert_streamed_once(
        asker, await asker.until("turn_ended")
    )


async def test_a_lost_redis_connection_heals_and_the_next_answer_streams_live(
    start_workers, tmp_path
):
    redis = RedisServer(tmp_path).start()
    try:
        one, two = start_workers(2, REDIS_URL=redis.url)
        _, _, (asker, reader) = await Page.on_one_conversation(one, two)
        await asker.ask("Write me 300 words please")
        await reader.until("chunk")

        # Every worker's subscription connection is dropped mid-answer.
        client = aioredis.Redis.from_url(redis.url)
        try:
            assert await client.client_kill_filter(_type="pubsub") >= 2
        finally:
            await client.aclose()

        frames = await reader.until("turn_ended", within=40)
        done = assert_streamed_once(reader, frames)
        assert done["status"] == "complete"
        assert done == assert_streamed_once(asker, await asker.until("turn_ended"))

        await asyncio.sleep(2)  # the layers' subscriptions come back
        await asker.ask("Write me 60 words please")
        again = await reader.until("turn_ended", within=30)
        assert [f["type"] for f in again].count("chunk") > 3, "no live stream across workers"
        assert not any(f["type"] == "error" for f in again)
    finally:
        redis.kill()


async def test_the_last_socket_leaving_a_worker_ends_its_subscription(start_workers):
    one, two = start_workers(2)
    page, conversation, (asker, first, second) = await Page.on_one_conversation(one, two, two)
    assert await subscribers(one, conversation, services.REDIS_URL) == 2

    await first.close()
    await asyncio.sleep(0.5)
    assert await subscribers(one, conversation, services.REDIS_URL) == 2
    await second.close()
    deadline = time.monotonic() + 10
    while await subscribers(one, conversation, services.REDIS_URL) != 1:
        assert time.monotonic() < deadline, "the worker kept its subscription"
        await asyncio.sleep(0.1)

    # The worker subscribes again for a new socket, and it streams.
    again = await page.open(two, conversation)
    await asker.ask("Write me 40 words please")
    frames = await again.until("turn_ended")
    assert [f["type"] for f in frames].count("chunk") > 3
    assert_streamed_once(again, frames)
    assert uuid.UUID(conversation)
