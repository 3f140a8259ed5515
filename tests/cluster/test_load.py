"""Load on two workers: nothing lost, nothing duplicated, every turn ends, offsets always hold.

Sized to fit CI on 2 cores; the figures it prints are for trend-watching, not targets
(benchmarks/ measures speed).
"""

import asyncio
import itertools
import statistics
import time
import uuid

import pytest

from chat.models import Message
from tests.cluster.workers import Page, Socket, Worker

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CLIENTS = 200
TURNS = 3
ROOMY = {"CHAT_RATE_LIMIT_PER_MINUTE": "100000", "CHAT_MAX_SOCKETS_PER_SESSION": "100000"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def converse(sock: Socket, turns: int, stats: dict[str, list[float]]) -> list[str]:
    """Ask `turns` questions in a row; check each turn's frames as they arrive."""
    asked_ids = []
    for n in range(turns):
        client_message_id = uuid.uuid4().hex
        asked_ids.append(client_message_id)
        start = len(sock.frames)
        sent = time.monotonic()
        await sock.ws.send(
            f'{{"type":"user_message","content":"Write me {20 + n * 5} words please",'
            f'"client_message_id":"{client_message_id}"}}'
        )
        first_chunk = last_chunk = None
        while True:
            frame = await sock.next(within=60)
            now = time.monotonic()
            if frame["type"] == "chunk":
                if first_chunk is None:
                    first_chunk = now
                    stats["ttfc"].append(now - sent)
                elif last_chunk is not None:
                    stats["gap"].append(now - last_chunk)
                last_chunk = now
            if frame["type"] in {"turn_ended", "error"}:
                break
        frames = sock.frames[start:]
        assert frames[-1] == {"type": "turn_ended", "status": "complete"}, frames[-3:]
        assert frames[0]["type"] == "message"
        assert frames[0]["message"]["client_message_id"] == client_message_id
        done = [f["message"] for f in frames if f["type"] == "done"]
        assert len(done) == 1
        assert sock.texts()[done[0]["id"]] == done[0]["content"], "offsets did not rebuild the text"
        stats["turns"].append(1)
    return asked_ids


async def test_two_hundred_clients_on_two_workers_lose_nothing(start_workers):
    workers: list[Worker] = start_workers(2, LLM_OFFLINE_DELAY_MS="100", **ROOMY)
    page = Page().visit(workers[0])
    conversations = [page.create_conversation(workers[i % 2]) for i in range(CLIENTS)]
    sockets = await asyncio.gather(
        *(page.open(workers[i % 2], c) for i, c in enumerate(conversations))
    )
    # Every fourth conversation is also watched from the other worker.
    watchers = {
        i: await page.open(workers[(i + 1) % 2], conversations[i]) for i in range(0, CLIENTS, 4)
    }
    stats: dict[str, list[float]] = {"ttfc": [], "gap": [], "turns": []}
    started = time.monotonic()
    asked = await asyncio.gather(*(converse(s, TURNS, stats) for s in sockets))
    elapsed = time.monotonic() - started

    for i, watcher in watchers.items():
        while sum(f["type"] == "turn_ended" for f in watcher.frames) < TURNS:
            await watcher.next(within=30)
        assert watcher.texts() == {k: v for k, v in sockets[i].texts().items()}

    rows = [
        m
        async for m in Message.objects.filter(conversation_id__in=conversations).values(
            "role", "status", "client_message_id"
        )
    ]
    users = [r for r in rows if r["role"] == "user"]
    assert len(users) == CLIENTS * TURNS
    assert sorted(r["client_message_id"] for r in users) == sorted(
        itertools.chain.from_iterable(asked)
    )
    assert sum(r["role"] == "assistant" for r in rows) == CLIENTS * TURNS
    assert all(r["status"] == "complete" for r in rows)

    print(
        f"\nload: {CLIENTS} clients x {TURNS} turns on 2 workers in {elapsed:.1f} s = "
        f"{len(stats['turns']) / elapsed:.1f} turns/s; time to first chunk "
        f"p50 {statistics.median(stats['ttfc']) * 1000:.0f} ms, "
        f"p99 {percentile(stats['ttfc'], 0.99) * 1000:.0f} ms; gap between chunks "
        f"p99 {percentile(stats['gap'], 0.99) * 1000:.0f} ms (model: 100 ms)"
    )
    for sock in [*sockets, *watchers.values()]:
        await sock.close()


async def test_hundred_streams_on_one_worker_all_connect_and_receive(start_workers):
    (worker,) = start_workers(1, LLM_OFFLINE_DELAY_MS="50", **ROOMY)
    page = Page().visit(worker)
    conversations = [page.create_conversation(worker) for _ in range(100)]
    sockets = await asyncio.gather(*(page.open(worker, c) for c in conversations))
    stats: dict[str, list[float]] = {"ttfc": [], "gap": [], "turns": []}
    await asyncio.gather(*(converse(s, 1, stats) for s in sockets))
    assert len(stats["turns"]) == 100


async def test_socket_idle_for_twelve_seconds_still_receives_its_group(start_workers):
    one, two = start_workers(2)
    page = Page().visit(one)
    conversation = page.create_conversation(one)
    idle = await page.open(two, conversation)
    await asyncio.sleep(12)
    asker = await page.open(one, conversation)
    await asker.ask("hello")
    frames = await idle.until("turn_ended", within=15)
    assert frames[0]["type"] == "message"
    assert frames[-1] == {"type": "turn_ended", "status": "complete"}
    assert not any(f["type"] == "error" for f in frames)
