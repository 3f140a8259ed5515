"""A worker's hub: its sockets get a conversation's events once, in order, with nothing lost
between reading the history and going live; one subscription per conversation, ended by the
last socket; chunks that no other worker would hear stay in the process."""

import asyncio
import uuid
from typing import Any

import pytest
import redis.asyncio as aioredis
from channels.layers import channel_layers, get_channel_layer

from chat import broadcast, events, hub
from chat.groups import conversation_group
from chat.worker import Worker
from config.channel_layers import redis_pubsub_layer
from tests import services
from tests.chat.conftest import open_socket, rebuild, receive_until

pytestmark = pytest.mark.timeout(60)


class Socket:
    """What the hub needs of a socket: it records what it was handed."""

    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []

    async def deliver(self, event: dict[str, Any]) -> None:
        self.got.append({k: v for k, v in event.items() if k != hub.ORIGIN})


@pytest.fixture
def redis_layer(settings: Any) -> Any:
    """The Redis pub/sub layer only: what Redis itself counts."""
    services.need("redis")
    prefix = f"test{uuid.uuid4().hex[:8]}"
    settings.CHANNEL_LAYERS = {"default": redis_pubsub_layer(services.REDIS_URL, prefix=prefix)}
    channel_layers.backends.clear()
    yield get_channel_layer()
    channel_layers.backends.clear()


def chunk(text: str) -> dict[str, Any]:
    return events.chunk_event(message_id="m1", text=text)


async def settle() -> None:
    """Long enough for Redis to bring a publish back to every subscriber."""
    await asyncio.sleep(0.3)


async def subscribers(conversation_id: str) -> int:
    """How many connections Redis has subscribed to the conversation's group."""
    name = (
        get_channel_layer()
        ._get_layer()
        ._get_group_channel_name(conversation_group(conversation_id))
    )
    client = aioredis.Redis.from_url(services.REDIS_URL)
    try:
        [(_, count)] = await client.pubsub_numsub(name)
        return int(count)
    finally:
        await client.aclose()


async def test_local_sockets_get_each_event_once(channel_layer_kind):
    worker = Worker()
    a, b = Socket(), Socket()
    await worker.hub.join("c1", a)
    await worker.hub.live("c1", a)
    await worker.hub.join("c1", b)
    await worker.hub.live("c1", b)

    for text in ("Hel", "Hello", "Hello there"):
        assert await broadcast.to_conversation(worker, "c1", chunk(text))
    await settle()  # the layer's copy comes back to this worker's subscription, and is skipped

    assert a.got == b.got == [chunk("Hel"), chunk("Hello"), chunk("Hello there")]
    await worker.hub.leave("c1", a)
    await worker.hub.leave("c1", b)


async def test_another_workers_events_arrive_through_the_layer_once(channel_layer_kind):
    turn_side, reader_side = Worker(), Worker()
    here, there = Socket(), Socket()
    await turn_side.hub.join("c1", here)
    await turn_side.hub.live("c1", here)
    await reader_side.hub.join("c1", there)
    await reader_side.hub.live("c1", there)

    done = events.done_event({"id": "m1", "content": "Hello there"})
    await broadcast.to_conversation(turn_side, "c1", chunk("Hello"))
    await broadcast.to_conversation(turn_side, "c1", done)
    await settle()

    assert here.got == there.got == [chunk("Hello"), done]
    await turn_side.hub.leave("c1", here)
    await reader_side.hub.leave("c1", there)


async def test_events_before_the_history_is_sent_wait_in_order(channel_layer_kind):
    worker = Worker()
    socket = Socket()
    await worker.hub.join("c1", socket)
    await broadcast.to_conversation(worker, "c1", chunk("Hel"))
    await broadcast.to_conversation(worker, "c1", chunk("Hello"))
    assert socket.got == []  # its history frame goes first

    await worker.hub.live("c1", socket)
    await broadcast.to_conversation(worker, "c1", chunk("Hello there"))

    assert socket.got == [chunk("Hel"), chunk("Hello"), chunk("Hello there")]
    await worker.hub.leave("c1", socket)


async def test_the_last_socket_to_leave_ends_the_subscription(redis_layer):
    worker = Worker()
    conversation_id = str(uuid.uuid4())
    a, b = Socket(), Socket()
    await worker.hub.join(conversation_id, a)
    await worker.hub.join(conversation_id, b)
    assert await subscribers(conversation_id) == 1  # one per worker, not one per socket

    await worker.hub.leave(conversation_id, a)
    assert await subscribers(conversation_id) == 1
    assert worker.hub.subscribed() == [conversation_id]
    await worker.hub.leave(conversation_id, b)
    assert await subscribers(conversation_id) == 0
    assert worker.hub.subscribed() == []


async def test_chunks_nobody_else_hears_stay_in_the_process_until_a_hub_joins(
    redis_layer, monkeypatch
):
    monkeypatch.setattr(hub, "PROBE_SECONDS", 30.0)
    layer = redis_layer
    published: list[str] = []
    send = layer.group_send

    async def counting(group: str, event: dict[str, Any]) -> Any:
        if events.is_chunk(event):
            published.append(event["text"])
        return await send(group, event)

    monkeypatch.setattr(layer, "group_send", counting)
    turn_side, reader_side = Worker(), Worker()
    here, there = Socket(), Socket()
    await turn_side.hub.join("c1", here)
    await turn_side.hub.live("c1", here)

    for text in ("a", "ab", "abc"):
        await broadcast.to_conversation(turn_side, "c1", chunk(text))
    assert published == ["a"]  # Redis said nobody else received it
    assert [e["text"] for e in here.got] == ["a", "ab", "abc"]
    await settle()  # (one process: the echo of "a" would reach a hub that joins before it)

    # The other worker's hub joins: its announcement reaches the turn's worker.
    await reader_side.hub.join("c1", there)
    await reader_side.hub.live("c1", there)
    turn_side.hub.joined_elsewhere("c1")  # what the turn worker's control listener does
    await broadcast.to_conversation(turn_side, "c1", chunk("abcd"))
    await settle()

    assert published == ["a", "abcd"]
    assert [e["text"] for e in there.got] == ["abcd"]  # the whole text so far
    await turn_side.hub.leave("c1", here)
    await reader_side.hub.leave("c1", there)


async def test_a_hub_joining_is_announced_to_every_workers_control_listener(channel_layer_kind):
    turn_side, reader_side = Worker(), Worker()
    turn_side.start()
    try:
        await asyncio.sleep(0.3)  # its control listener subscribes
        turn_side.hub.published("c1", 0, turn_side.hub.publishing())
        assert not turn_side.hub.should_publish("c1", chunk("a"))

        socket = Socket()
        await reader_side.hub.join("c1", socket)
        deadline = asyncio.get_running_loop().time() + 5
        while not turn_side.hub.should_publish("c1", chunk("a")):
            assert asyncio.get_running_loop().time() < deadline, "the join was not heard"
            await asyncio.sleep(0.02)
        await reader_side.hub.leave("c1", socket)
    finally:
        await turn_side.stop_loops()


async def test_a_failing_socket_does_not_keep_the_event_from_the_others(channel_layer_kind):
    class Broken(Socket):
        async def deliver(self, event: dict[str, Any]) -> None:
            raise RuntimeError("gone")

    worker = Worker()
    broken, fine = Broken(), Socket()
    for socket in (broken, fine):
        await worker.hub.join("c1", socket)
        await worker.hub.live("c1", socket)

    await broadcast.to_conversation(worker, "c1", chunk("Hello"))

    assert fine.got == [chunk("Hello")]
    await worker.hub.leave("c1", broken)
    await worker.hub.leave("c1", fine)


@pytest.mark.django_db(transaction=True)
async def test_a_socket_on_the_turns_worker_streams_without_duplicates(
    channel_layer_kind, settings, make_visitor, connected
):
    settings.CHAT_CHUNK_COALESCE_MS = 0  # every delta its own event
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    first = await open_socket(visitor, conversation, connected)
    second = await open_socket(visitor, conversation, connected)
    await first.send_json_to({"type": "user_message", "content": "Write me 40 words please"})

    for socket in (first, second):
        frames = await receive_until(socket, "turn_ended", within=20)
        chunks = [f for f in frames if f["type"] == "chunk"]
        assert len(chunks) > 5
        done = [f["message"] for f in frames if f["type"] == "done"]
        assert len(done) == 1 and len([f for f in frames if f["type"] == "turn_ended"]) == 1
        # Each chunk continues exactly where the last one ended: nothing twice, no gap.
        offsets = [c["offset"] for c in chunks]
        ends = [c["offset"] + len(c["delta"]) for c in chunks]
        assert offsets == [0, *ends[:-1]]
        assert rebuild(frames)[done[0]["id"]] == done[0]["content"]
    await asyncio.sleep(0.3)
    assert await first.receive_nothing(timeout=0.2)
