"""Actions across real daphne workers: proposed on one, decided on another, after the
proposing worker was killed, and raced on both; the write runs exactly once."""

import asyncio
import signal
from collections.abc import Iterator
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from devkit.bedrock_emulator import BedrockEmulator, text_response, tool_use_response
from shop.models import CartItem, Category, Product
from tests.cluster.workers import Page

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


@pytest.fixture
def emulator() -> Iterator[BedrockEmulator]:
    with BedrockEmulator() as emu:
        yield emu


def bedrock_env(emu: BedrockEmulator) -> dict[str, str]:
    return {
        "LLM_PROVIDER": "bedrock",
        "BEDROCK_ENDPOINT_URL": emu.url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": "us-east-1",
    }


@pytest.fixture
def shoes(transactional_db) -> int:
    category = Category.objects.create(name="Footwear", slug="footwear")
    return Product.objects.create(
        name="Trail Runner 2",
        slug="trail-runner-2",
        price=Decimal("89.00"),
        stock=12,
        category=category,
    ).pk


async def cart_quantities() -> list[int]:
    return await sync_to_async(lambda: list(CartItem.objects.values_list("quantity", flat=True)))()


async def propose(emulator: BedrockEmulator, asker, shoes: int) -> dict:  # type: ignore[no-untyped-def]
    emulator.push(tool_use_response("add_to_cart", {"product_id": shoes, "quantity": 2}))
    await asker.ask("Two pairs of the trail shoes, please")
    frames = await asker.until("turn_ended")
    assert frames[-1] == {"type": "turn_ended", "status": "action_required"}
    (action,) = [f["action"] for f in frames if f["type"] == "action"]
    assert action["status"] == "pending"
    return action


def decision(action: dict, verdict: str = "approve") -> dict:
    return {"type": "action_decision", "action_id": action["id"], "decision": verdict}


async def test_proposed_on_one_worker_approved_on_another_runs_once_and_continues(
    start_workers, emulator, shoes
):
    one, two = start_workers(2, **bedrock_env(emulator))
    _, _, (asker, other) = await Page.on_one_conversation(one, two)
    action = await propose(emulator, asker, shoes)
    await other.until("turn_ended")

    emulator.push(text_response("Two pairs are in your cart.", chunks=4))
    await other.send(decision(action))
    on_other = await other.until("turn_ended")
    on_asker = await asker.until("turn_ended")

    for frames in (on_other, on_asker):
        assert [f["action"]["status"] for f in frames if f["type"] == "action"] == [
            "approved",
            "done",
        ]
        assert frames[-1] == {"type": "turn_ended", "status": "complete"}
        done = [f["message"] for f in frames if f["type"] == "done"][-1]
        assert done["content"] == "Two pairs are in your cart."
    # The cart frame reaches the asker's socket on the other worker too.
    carts = [f for f in asker.frames if f["type"] == "cart"]
    assert carts and carts[-1]["cart"]["count"] == 2
    assert await cart_quantities() == [2]
    assert len(emulator.requests) == 2


async def test_a_decision_after_the_proposing_worker_was_killed(start_workers, emulator, shoes):
    one, two = start_workers(2, **bedrock_env(emulator))
    page, conversation, (asker,) = await Page.on_one_conversation(one)
    action = await propose(emulator, asker, shoes)
    one.signal(signal.SIGKILL)
    one.wait(10)

    survivor = await page.open(two, conversation)
    assert [a["status"] for a in survivor.history["actions"]] == ["pending"]
    emulator.push(text_response("Added."))
    await survivor.send(decision(action))
    frames = await survivor.until("turn_ended")
    assert frames[-1]["status"] == "complete"
    assert await cart_quantities() == [2]


async def test_the_same_decision_raced_on_two_workers_runs_the_tool_once(
    start_workers, emulator, shoes
):
    one, two = start_workers(2, **bedrock_env(emulator))
    _, _, (asker, other) = await Page.on_one_conversation(one, two)
    action = await propose(emulator, asker, shoes)
    await other.until("turn_ended")

    emulator.push(text_response("Added."))
    await asyncio.gather(asker.send(decision(action)), other.send(decision(action)))
    frames = [await s.until("turn_ended") for s in (asker, other)]

    refused = [f for fs in frames for f in fs if f["type"] == "error"]
    assert [f["code"] for f in refused] == ["action_decided"]
    assert await cart_quantities() == [2]
    assert len(emulator.requests) == 2  # one continuation, on one worker


async def test_the_offline_model_proposes_and_another_worker_approves(start_workers, shoes):
    one, two = start_workers(2)  # the offline demo model, as `make run` has it
    _, _, (asker, other) = await Page.on_one_conversation(one, two)
    await asker.ask("Do you have trail running shoes?")
    await asker.until("turn_ended")
    await other.until("turn_ended")

    await asker.ask("Add two of those to my cart")
    frames = await asker.until("turn_ended")
    assert frames[-1] == {"type": "turn_ended", "status": "action_required"}
    (action,) = [f["action"] for f in frames if f["type"] == "action"]
    assert action["summary"] == "Add 2 × Trail Runner 2 (€89.00 each) to your cart"
    await other.until("turn_ended")

    await other.send(decision(action))
    frames = await other.until("turn_ended")
    assert frames[-1] == {"type": "turn_ended", "status": "complete"}
    answer = [f["message"] for f in frames if f["type"] == "done"][-1]["content"]
    assert "Trail Runner 2" in answer and "€" in answer
    assert await cart_quantities() == [2]
    (tool,) = [f["message"] for f in frames if f["type"] == "message"]
    assert tool["role"] == "tool" and tool["cards"][0]["kind"] == "cart"
