"""A dead worker's answer reads `interrupted` over HTTP, even when no socket is open anywhere."""

import asyncio
import signal
import time

import httpx
import pytest

from chat.models import Message
from tests.chat.conftest import stored_messages
from tests.cluster.workers import Page, Worker

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

# Short claims so the tests wait seconds, not the default quarter of a minute.
TTL = 4.0
FAST_CLAIMS = {"CHAT_CLAIM_TTL_SECONDS": str(TTL), "CHAT_HEARTBEAT_SECONDS": "1"}


async def answer_streaming_then_no_socket(worker: Worker) -> tuple[Page, str]:
    """A long answer under way on `worker`, checkpointed, with its only socket closed;
    then `worker` is killed."""
    page, conversation, (sock,) = await Page.on_one_conversation(worker)
    await sock.ask("Write me 3000 words please")
    await sock.until("chunk")
    await sock.close()
    await asyncio.sleep(1.5)  # past a checkpoint
    assert (await stored_messages(conversation))[-1].status == Message.Status.STREAMING
    worker.signal(signal.SIGKILL)
    worker.wait(10)
    return page, conversation


async def is_settled(conversation: str) -> bool:
    return (await stored_messages(conversation))[-1].status == Message.Status.INTERRUPTED


def status_over_http(page: Page, worker: Worker, conversation: str) -> str:
    response = httpx.get(
        f"{worker.http}/api/conversations/{conversation}/", cookies=page.cookies, timeout=10
    )
    response.raise_for_status()
    return response.json()["messages"][-1]["status"]


async def wait_for(check, within: float) -> float:  # type: ignore[no-untyped-def]
    """Seconds until `check()` is true; fails after `within`."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < within, "still not settled"
        await asyncio.sleep(0.25)
    return time.monotonic() - started


async def test_reaper_runs_on_a_worker_that_never_had_a_socket(start_workers):
    # Reads go to the database directly: only the idle worker's reaper can settle the answer.
    one, _idle = start_workers(2, **FAST_CLAIMS, CHAT_REAPER_SECONDS="1")
    _, conversation = await answer_streaming_then_no_socket(one)

    await wait_for(lambda: is_settled(conversation), within=TTL + 1 + 5)


async def test_http_reads_on_another_worker_never_see_a_dead_answer_streaming(start_workers):
    # A reaper too slow to matter: what settles the answer is the read itself.
    one, two = start_workers(2, **FAST_CLAIMS, CHAT_REAPER_SECONDS="600")
    page, conversation = await answer_streaming_then_no_socket(one)

    async def reads_interrupted() -> bool:
        status = await asyncio.to_thread(status_over_http, page, two, conversation)
        assert status in {"streaming", "interrupted"}
        return status == "interrupted"

    await wait_for(reads_interrupted, within=TTL + 3)
    rows = await stored_messages(conversation)
    assert rows[-1].status == Message.Status.INTERRUPTED and rows[-1].content


async def test_after_every_worker_restarts_the_dead_answer_is_settled(start_workers):
    one, two = start_workers(2, **FAST_CLAIMS, CHAT_REAPER_SECONDS="1")
    page, conversation = await answer_streaming_then_no_socket(one)
    two.signal(signal.SIGTERM)
    assert two.wait(15) == 0
    (three, _four) = start_workers(2, **FAST_CLAIMS, CHAT_REAPER_SECONDS="1")

    await wait_for(lambda: is_settled(conversation), within=TTL + 1 + 5)
    assert status_over_http(page, three, conversation) == "interrupted"
