"""Doors of a real worker: logout everywhere, frame size limit, foreign origins."""

import asyncio
import itertools

import httpx
import pytest
import websockets
from django.contrib.auth import get_user_model

from tests.cluster.workers import Page

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def log_in(page: Page, worker, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.visit(worker)
    response = httpx.post(
        f"{worker.http}/accounts/login/",
        data={"username": username, "password": password, "next": "/chat/"},
        cookies=page.cookies,
        headers={
            "X-CSRFToken": page.cookies["csrftoken"],
            "Referer": f"{worker.http}/accounts/login/",
        },
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    page.cookies.update(response.cookies)


async def test_logout_closes_the_users_sockets_on_every_worker(start_workers):
    one, two = start_workers(2)
    await get_user_model().objects.acreate_user("erin", password="erin-pass-123456")
    page = Page()
    await asyncio.to_thread(log_in, page, one, "erin", "erin-pass-123456")
    conversation = page.create_conversation(one)
    on_one = await page.open(one, conversation)
    on_two = await page.open(two, conversation)

    async with httpx.AsyncClient(cookies=page.cookies, timeout=10) as client:
        response = await client.post(
            f"{one.http}/accounts/logout/",
            headers={"X-CSRFToken": page.cookies["csrftoken"], "Referer": f"{one.http}/chat/"},
        )
    assert response.status_code == 302
    for sock in (on_one, on_two):
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(sock.ws.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_oversized_frame_closes_the_socket_and_the_worker_carries_on(start_workers):
    (worker,) = start_workers(1)
    page, conversation, (sock,) = await Page.on_one_conversation(worker)
    await sock.ws.send('{"type":"user_message","content":"' + "x" * 70_000 + '"}')
    # The server's WebSocket layer drops a frame over WS_MAX_MESSAGE_BYTES before reading it.
    with pytest.raises(websockets.ConnectionClosed):
        await asyncio.wait_for(sock.ws.recv(), 10)
    again = await page.open(worker, conversation)
    assert again.history["messages"] == []
    await again.ask("hello")
    assert (await again.until("turn_ended"))[-1]["status"] == "complete"


async def test_foreign_origin_is_refused_by_a_real_worker(start_workers):
    (worker,) = start_workers(1)
    page = Page().visit(worker)
    conversation = page.create_conversation(worker)
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(
            f"ws://127.0.0.1:{worker.port}/ws/chat/{conversation}/",
            additional_headers={"Cookie": page.cookie_header()},
            origin=websockets.Origin("http://evil.example"),
        )
    assert refused.value.response.status_code == 403


async def test_long_conversation_still_opens_and_answers_on_a_real_worker(start_workers):
    """daphne's message limit also applies to what it sends: history must stay under it."""
    from datetime import timedelta

    from django.utils import timezone

    from chat.models import Conversation, Message

    (worker,) = start_workers(1)
    page = Page().visit(worker)
    conversation = page.create_conversation(worker)
    long_text = "All about our running shoes. " * 100  # about 3 KB
    # Last week's messages (recent ones would count against the question rate limit).
    start = timezone.now() - timedelta(days=7)
    rows = [
        Message(
            conversation_id=conversation,
            role=role,
            content=f"{i} {long_text}",
            created_at=start + timedelta(seconds=2 * i + (role == "assistant")),
        )
        for i in range(300)
        for role in ("user", "assistant")
    ]
    for parent, message in itertools.pairwise(rows):  # one path of 600 messages
        message.parent_id = parent.id
    await Message.objects.abulk_create(rows)
    await Conversation.objects.filter(pk=conversation).aupdate(active_leaf_id=rows[-1].id)
    sock = await page.open(worker, conversation)
    assert sock.history["truncated"] is True
    assert len(sock.history["messages"]) == 200
    assert sock.history["messages"][-1]["content"].startswith("299 ")
    await sock.ask("hello")
    assert (await sock.until("turn_ended"))[-1]["status"] == "complete"
