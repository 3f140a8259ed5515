"""A client that reads nothing slows nobody else, and what waits for it stays bounded."""

import asyncio
import time

import pytest
import websockets

from tests.cluster.workers import Page

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

QUESTION = "Write me 3000 words please"  # about 18 KB of text in about 4500 deltas


async def timed_answer(sock) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    await sock.ask(QUESTION)
    frames = await sock.until("turn_ended", within=120)
    assert frames[-1]["status"] == "complete"
    return time.monotonic() - started


async def test_client_reading_nothing_does_not_slow_others_and_is_dropped(start_workers):
    (worker,) = start_workers(1, LLM_OFFLINE_DELAY_MS="1")
    page, conversation, (reader,) = await Page.on_one_conversation(worker)
    alone = await timed_answer(reader)
    rss_before = worker.rss_kib()

    # A client whose receive queue holds one frame: it stops reading the socket at once.
    stuck = await websockets.connect(
        f"ws://127.0.0.1:{worker.port}/ws/chat/{conversation}/",
        additional_headers={"Cookie": page.cookie_header()},
        origin=websockets.Origin(worker.http),
        max_queue=1,
        ping_interval=None,
    )
    with_stuck = [await timed_answer(reader) for _ in range(3)]
    rss_after = worker.rss_kib()

    print(
        f"\nslow client: answer alone {alone:.2f} s, with a stuck reader "
        f"{', '.join(f'{t:.2f}' for t in with_stuck)} s; worker RSS {rss_before // 1024} -> "
        f"{rss_after // 1024} MiB"
    )
    assert max(with_stuck) < alone * 1.5 + 1.0
    # What waits for the stuck client is its share of three answers, not more.
    assert rss_after - rss_before < 64 * 1024

    # The server's keep-alive pings go unanswered while the client reads nothing, so the
    # server drops it (ping interval 20 s + timeout 30 s). Reading afterwards drains what was
    # buffered before the drop, then ends.
    await asyncio.sleep(55)
    closed = False
    try:
        async with asyncio.timeout(30):
            while True:
                await stuck.recv()
    except websockets.ConnectionClosed:
        closed = True
    except TimeoutError:
        closed = False
    assert closed, "the server kept a client that never read"
