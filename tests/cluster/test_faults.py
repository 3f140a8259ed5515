"""Workers survive their services failing: Redis restarted, PostgreSQL unreachable."""

import asyncio
import time

import httpx
import pytest
from django.db import connection

from tests.cluster.faults import RedisServer, TcpLink
from tests.cluster.workers import Page, Worker, database_url

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


async def health(worker: Worker) -> int:
    async with httpx.AsyncClient(timeout=10) as client:
        return (await client.get(f"{worker.http}/healthz")).status_code


async def test_redis_restart_workers_recover_and_outage_is_not_silent(start_workers, tmp_path):
    redis = RedisServer(tmp_path).start()
    try:
        one, two = start_workers(2, REDIS_URL=redis.url)
        _, _, (asker, watcher) = await Page.on_one_conversation(one, two)
        await asker.ask("hello")
        await watcher.until("turn_ended")

        redis.kill()
        await asyncio.sleep(0.5)
        started = time.monotonic()
        await asker.ask("Write me 60 words please")
        # The asking page, on the worker running the answer, still streams it.
        mine = await asker.until("turn_ended", within=20)
        assert [f["type"] for f in mine].count("chunk") > 3
        assert mine[-1]["status"] == "complete"
        # The page on the other worker is told, and ends with the stored answer.
        theirs = await watcher.until("turn_ended", within=20)
        assert time.monotonic() - started < 20
        assert any(f["type"] == "error" and f["code"] == "unavailable" for f in theirs)
        final = [f["message"] for f in mine if f["type"] == "done"][-1]
        assert watcher.texts()[final["id"]] == final["content"]
        assert await health(two) == 503

        redis.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if await health(one) == 200 and await health(two) == 200:
                break
            await asyncio.sleep(0.5)
        assert await health(one) == 200
        await asyncio.sleep(2)  # let the layers' subscriptions come back

        await asker.ask("Write me 40 words please")
        again = await watcher.until("turn_ended", within=30)
        assert [f["type"] for f in again].count("chunk") > 3, "no live stream across workers"
        assert not any(f["type"] == "error" for f in again)
        assert again[-1]["status"] == "complete"
    finally:
        redis.kill()


async def test_database_unreachable_gives_clear_error_and_service_resumes(start_workers):
    direct = connection.settings_dict
    link = TcpLink(int(direct.get("PORT") or 5432))
    try:
        proxied = database_url({**direct, "PORT": link.port})
        (one,) = start_workers(1, DATABASE_URL=proxied, DB_POOL_TIMEOUT="3", DB_CONNECT_TIMEOUT="2")
        _, _, (sock,) = await Page.on_one_conversation(one)
        await sock.ask("hello")
        assert (await sock.until("turn_ended"))[-1]["status"] == "complete"

        link.cut()
        asked = time.monotonic()
        client_message_id = await sock.ask("are you there?")
        error = (await sock.until("error", within=15))[-1]
        assert error["code"] == "unavailable" and error["client_message_id"] == client_message_id
        assert "Traceback" not in error["detail"] and "postgres" not in error["detail"].lower()
        assert time.monotonic() - asked < 15
        await sock.send({"type": "ping"})
        assert (await sock.until("pong"))[-1] == {"type": "pong"}
        assert await health(one) == 503

        link.open()
        deadline = time.monotonic() + 20
        while await health(one) != 200:
            assert time.monotonic() < deadline, "worker did not recover"
            await asyncio.sleep(0.5)
        await sock.ask("hello again")
        frames = await sock.until("turn_ended", within=30)
        assert frames[-1]["status"] == "complete"
        assert one.process is not None and one.process.poll() is None
    finally:
        link.close()
