"""Actions the customer approves, through the real ChatBedrockConverse path (Bedrock replaced
at its wire boundary): a write the model calls is stored and asked for, never run, and runs
exactly once when the owner approves it; the answer then continues."""

import asyncio
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.utils import timezone

from chat import action_services, reaper, turns
from chat.models import Action, Conversation
from chat.services import message_append
from devkit.bedrock_emulator import text_response, tool_use_response, tool_uses_response
from shop.models import CartItem, Order, OrderItem, Product
from shop.owners import Owner
from tests.chat.conftest import of_type, open_socket, receive_until, stored_messages
from tests.llm.test_agent_bedrock import assert_valid_converse

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def product(name: str) -> Product:
    return Product.objects.get(name=name)


async def product_id(name: str) -> int:
    return (await sync_to_async(product)(name)).pk


async def cart_lines() -> dict[str, int]:
    return await sync_to_async(
        lambda: {i.product.name: i.quantity for i in CartItem.objects.select_related("product")}
    )()


async def actions_of(conversation: Conversation) -> list[Action]:
    return await sync_to_async(
        lambda: list(Action.objects.filter(conversation=conversation).order_by("created_at"))
    )()


async def ask_for_add(bedrock, socket, pid: int, quantity: int = 2) -> list[dict]:
    bedrock.push(tool_use_response("add_to_cart", {"product_id": pid, "quantity": quantity}))
    await socket.send_json_to({"type": "user_message", "content": "Put two in my cart"})
    return await receive_until(socket, "turn_ended")


async def test_a_proposed_add_waits_for_approval_then_runs_once_and_the_answer_continues(
    channel_layer_kind, bedrock, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    pid = await product_id("Trail Runner 2")

    frames = await ask_for_add(bedrock, socket, pid)

    question_id = of_type(frames, "message")[0]["message"]["id"]
    assert frames[-1] == {"type": "turn_ended", "status": "action_required"}
    (proposed,) = [f["action"] for f in of_type(frames, "action")]
    assert proposed["status"] == "pending" and proposed["tool"] == "add_to_cart"
    assert proposed["summary"] == "Add 2 × Trail Runner 2 (€89.00 each) to your cart"
    assert proposed["args"] == {"product_id": pid, "quantity": 2}
    assert proposed["result"] is None
    asking = of_type(frames, "done")[-1]["message"]
    assert proposed["message_id"] == asking["id"] and asking["tool_calls"]
    assert await cart_lines() == {}, "nothing runs before the customer decides"
    assert not of_type(frames, "info"), "a proposal is shown as an action, not a tool line"

    bedrock.push(text_response("Done: two pairs are in your cart.", chunks=4))
    await socket.send_json_to(
        {"type": "action_decision", "action_id": proposed["id"], "decision": "approve"}
    )
    frames = await receive_until(socket, "turn_ended")

    statuses = [f["action"]["status"] for f in of_type(frames, "action")]
    assert statuses == ["approved", "done"]
    done_action = of_type(frames, "action")[-1]["action"]
    assert done_action["result"]["cart"]["count"] == 2
    assert done_action["decided_at"] is not None
    (cart,) = of_type(frames, "cart")
    assert cart["cart"]["count"] == 2 and cart["cart"]["items"][0]["product_id"] == pid
    assert of_type(frames, "turn_started") == [{"type": "turn_started", "question_id": question_id}]
    answer = of_type(frames, "done")[-1]["message"]
    assert answer["content"] == "Done: two pairs are in your cart."
    assert frames[-1] == {"type": "turn_ended", "status": "complete"}
    assert await cart_lines() == {"Trail Runner 2": 2}

    (shown,) = [f["message"] for f in of_type(frames, "message")]
    assert shown["role"] == "tool" and shown["cards"] == [
        {"kind": "cart", "cart": done_action["result"]["cart"]}
    ]
    rows = await stored_messages(conversation)
    assert [m.role for m in rows] == ["user", "assistant", "tool", "assistant"]
    tool = rows[2]
    assert tool.tool_call_id == asking["tool_calls"][0]["id"] and tool.status == "complete"
    assert tool.cards == [{"kind": "cart", "cart": done_action["result"]["cart"]}]
    continuation = bedrock.requests[-1]["body"]["messages"]
    assert_valid_converse(continuation)
    (result,) = [b["toolResult"] for b in continuation[-1]["content"] if "toolResult" in b]
    assert json.loads(result["content"][0]["text"])["cart"]["count"] == 2

    # The same decision again (a resend, another tab): refused, nothing runs twice.
    await socket.send_json_to(
        {"type": "action_decision", "action_id": proposed["id"], "decision": "approve"}
    )
    error = await socket.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == "action_decided"
    state = await socket.receive_json_from(timeout=5)
    assert state["type"] == "action" and state["action"]["status"] == "done"
    assert await cart_lines() == {"Trail Runner 2": 2}
    assert len(bedrock.requests) == 2


async def test_a_rejected_action_changes_nothing_and_the_model_hears_it_was_declined(
    bedrock, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    frames = await ask_for_add(bedrock, socket, await product_id("Trail Runner 2"))
    (proposed,) = [f["action"] for f in of_type(frames, "action")]

    bedrock.push(text_response("No problem, I left your cart as it is."))
    await socket.send_json_to(
        {"type": "action_decision", "action_id": proposed["id"], "decision": "reject"}
    )
    frames = await receive_until(socket, "turn_ended")

    assert [f["action"]["status"] for f in of_type(frames, "action")] == ["rejected"]
    assert of_type(frames, "action")[0]["action"]["result"]["declined"]
    assert not of_type(frames, "cart")
    assert frames[-1]["status"] == "complete"
    assert await cart_lines() == {}
    last = bedrock.requests[-1]["body"]["messages"][-1]
    (result,) = [b["toolResult"] for b in last["content"] if "toolResult" in b]
    assert "declined" in result["content"][0]["text"]


async def test_two_actions_and_a_read_in_one_round(bedrock, make_visitor, catalogue, connected):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    shoes, jacket = await product_id("Trail Runner 2"), await product_id("Storm Rain Jacket")
    bedrock.push(
        tool_uses_response(
            [
                ("search_products", {"query": "running shoes"}),
                ("add_to_cart", {"product_id": shoes, "quantity": 1}),
                ("add_to_cart", {"product_id": jacket, "quantity": 1}),
            ]
        )
    )
    await socket.send_json_to({"type": "user_message", "content": "Shoes and the jacket, please"})
    frames = await receive_until(socket, "turn_ended")

    assert frames[-1]["status"] == "action_required"
    # The read ran at once; each write is an action of its own.
    assert [f["status"] for f in of_type(frames, "info")] == ["started", "finished"]
    first, second = [f["action"] for f in of_type(frames, "action")]
    assert first["summary"] == "Add 1 × Trail Runner 2 (€89.00) to your cart"
    assert second["summary"] == "Add 1 × Storm Rain Jacket (€149.00) to your cart"
    search = [m for m in of_type(frames, "message") if m["message"]["role"] == "tool"]
    cards = search[0]["message"]["cards"]
    assert {c["name"] for c in cards} == {"Trail Runner 2", "Road Racer"}
    assert all(c["kind"] == "product" and c["url"].startswith("/products/") for c in cards)

    await socket.send_json_to(
        {"type": "action_decision", "action_id": first["id"], "decision": "approve"}
    )
    seen = [await socket.receive_json_from(timeout=5) for _ in range(4)]
    assert sorted(f["type"] for f in seen) == ["action", "action", "cart", "message"]
    (result,) = of_type(seen, "message")
    assert result["message"]["role"] == "tool" and result["message"]["cards"][0]["kind"] == "cart"
    assert await socket.receive_nothing(timeout=1)  # the answer waits for the second decision
    assert await cart_lines() == {"Trail Runner 2": 1}
    assert len(bedrock.requests) == 1

    bedrock.push(text_response("I added the shoes; you declined the jacket."))
    await socket.send_json_to(
        {"type": "action_decision", "action_id": second["id"], "decision": "reject"}
    )
    frames = await receive_until(socket, "turn_ended")
    assert frames[-1]["status"] == "complete"
    continuation = bedrock.requests[-1]["body"]["messages"]
    assert_valid_converse(continuation)
    results = [b["toolResult"] for b in continuation[-1]["content"] if "toolResult" in b]
    assert len(results) == 3  # the search, the approved add and the declined one


async def test_a_new_question_while_an_action_is_pending_declines_it_first(
    bedrock, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    frames = await ask_for_add(bedrock, socket, await product_id("Trail Runner 2"))
    (proposed,) = [f["action"] for f in of_type(frames, "action")]

    bedrock.push(text_response("Our jackets are waterproof."))
    await socket.send_json_to({"type": "user_message", "content": "Actually, tell me about rain"})
    frames = await receive_until(socket, "turn_ended")

    (declined,) = [f["action"] for f in of_type(frames, "action")]
    assert declined["id"] == proposed["id"] and declined["status"] == "rejected"
    assert frames[-1]["status"] == "complete"
    assert await cart_lines() == {}
    request = bedrock.requests[-1]["body"]["messages"]
    assert_valid_converse(request)  # every tool use is answered
    roles = [m.role for m in await stored_messages(conversation)]
    assert roles == ["user", "assistant", "tool", "user", "assistant"]

    # Deciding it now is too late.
    await socket.send_json_to(
        {"type": "action_decision", "action_id": proposed["id"], "decision": "approve"}
    )
    assert (await socket.receive_json_from(timeout=5))["code"] == "action_decided"
    assert await cart_lines() == {}


async def test_an_action_expires_and_the_next_answer_is_told(
    bedrock, make_visitor, catalogue, connected, settings
):
    settings.CHAT_ACTION_TIMEOUT_SECONDS = 0.2
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    frames = await ask_for_add(bedrock, socket, await product_id("Trail Runner 2"))
    (proposed,) = [f["action"] for f in of_type(frames, "action")]
    await asyncio.sleep(0.3)

    await reaper.reap_once()  # every worker's reaper loop does this

    expired = await socket.receive_json_from(timeout=5)
    assert expired["type"] == "action" and expired["action"]["status"] == "expired"
    await socket.send_json_to(
        {"type": "action_decision", "action_id": proposed["id"], "decision": "approve"}
    )
    # The expiry's tool result may arrive before or after the refusal.
    assert (await receive_until(socket, "error", within=5))[-1]["code"] == "action_decided"
    assert await cart_lines() == {}

    bedrock.push(text_response("Shall I try again?"))
    await socket.send_json_to({"type": "user_message", "content": "Did you add them?"})
    await receive_until(socket, "turn_ended")
    last_results = [
        b["toolResult"]
        for m in bedrock.requests[-1]["body"]["messages"]
        for b in m["content"]
        if "toolResult" in b
    ]
    assert "did not decide in time" in last_results[-1]["content"][0]["text"]


async def test_a_decision_past_the_deadline_expires_the_action_even_before_the_reaper(
    bedrock, make_visitor, catalogue, connected, settings
):
    settings.CHAT_ACTION_TIMEOUT_SECONDS = 0.2
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    frames = await ask_for_add(bedrock, socket, await product_id("Trail Runner 2"))
    (proposed,) = [f["action"] for f in of_type(frames, "action")]
    await asyncio.sleep(0.3)
    await socket.send_json_to(
        {"type": "action_decision", "action_id": proposed["id"], "decision": "approve"}
    )
    frames = [await socket.receive_json_from(timeout=5) for _ in range(2)]
    assert {f["type"] for f in frames} == {"error", "action"}
    assert of_type(frames, "error")[0]["code"] == "action_decided"
    assert of_type(frames, "action")[0]["action"]["status"] == "expired"
    assert await cart_lines() == {}


async def test_decided_after_a_reconnect_from_the_history(
    bedrock, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    frames = await ask_for_add(bedrock, socket, await product_id("Trail Runner 2"))
    await socket.disconnect()
    connected.remove(socket)

    again = await open_socket(visitor, conversation, connected)
    (pending,) = again.history["actions"]
    assert pending == of_type(frames, "action")[0]["action"]
    assert again.history["running"] is False

    bedrock.push(text_response("Added."))
    await again.send_json_to(
        {"type": "action_decision", "action_id": pending["id"], "decision": "approve"}
    )
    frames = await receive_until(again, "turn_ended")
    assert frames[-1]["status"] == "complete"
    assert await cart_lines() == {"Trail Runner 2": 2}


async def test_every_tab_sees_the_decision_and_a_raced_decision_runs_once(
    channel_layer_kind, bedrock, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    one = await open_socket(visitor, conversation, connected)
    two = await open_socket(visitor, conversation, connected)
    frames = await ask_for_add(bedrock, one, await product_id("Trail Runner 2"))
    (proposed,) = [f["action"] for f in of_type(frames, "action")]
    await receive_until(two, "turn_ended")

    bedrock.push(text_response("Added."))
    decision = {"type": "action_decision", "action_id": proposed["id"], "decision": "approve"}
    await asyncio.gather(one.send_json_to(decision), two.send_json_to(decision))
    seen = [await receive_until(s, "turn_ended") for s in (one, two)]

    for frames in seen:
        assert [f["action"]["status"] for f in of_type(frames, "action")][-1] == "done"
    errors = [f for frames in seen for f in of_type(frames, "error")]
    assert [e["code"] for e in errors] == ["action_decided"]
    assert await cart_lines() == {"Trail Runner 2": 2}
    assert len(bedrock.requests) == 2  # one continuation


async def test_bad_decisions_get_clear_errors_and_change_nothing(
    bedrock, make_visitor, catalogue, connected
):
    owner = await make_visitor()
    stranger = await make_visitor()
    conversation = await owner.conversation()
    theirs = await stranger.conversation()
    socket = await open_socket(owner, conversation, connected)
    other = await open_socket(stranger, theirs, connected)
    frames = await ask_for_add(bedrock, socket, await product_id("Trail Runner 2"))
    (proposed,) = [f["action"] for f in of_type(frames, "action")]

    cases = [
        ({"action_id": proposed["id"], "decision": "approve"}, other, "not_found"),
        (
            {"action_id": "0b8a4ad6-9c53-4f51-9a36-1f7f4c4e1f00", "decision": "approve"},
            socket,
            "not_found",
        ),
        ({"action_id": "not-a-uuid", "decision": "approve"}, socket, "not_found"),
        ({"action_id": proposed["id"], "decision": "maybe"}, socket, "invalid_message"),
        ({"action_id": proposed["id"]}, socket, "invalid_message"),
        ({"action_id": 7, "decision": "approve"}, socket, "invalid_message"),
    ]
    for body, sender, code in cases:
        await sender.send_json_to({"type": "action_decision", **body})
        error = await sender.receive_json_from(timeout=5)
        assert (error["type"], error["code"]) == ("error", code), body
    assert [a.status for a in await actions_of(conversation)] == ["pending"]
    assert await cart_lines() == {}


async def test_a_proposal_the_shop_cannot_do_is_a_failed_tool_call_not_an_action(
    bedrock, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    bedrock.push(
        tool_uses_response(
            [
                ("add_to_cart", {"product_id": await product_id("Road Racer"), "quantity": 1}),
                ("add_to_cart", {"product_id": 99999, "quantity": 1}),
                ("add_to_cart", {"product_id": "one", "quantity": 500}),
            ]
        )
    )
    bedrock.push(text_response("Sorry, none of those can be added."))
    await socket.send_json_to({"type": "user_message", "content": "Add the racer"})
    frames = await receive_until(socket, "turn_ended")

    assert frames[-1]["status"] == "complete"
    assert not of_type(frames, "action")
    failures = [f["content"] for f in of_type(frames, "info") if f["status"] == "failed"]
    assert failures[0] == "Road Racer is out of stock."
    assert failures[1] == "No product with id 99999."
    assert failures[2].startswith("Invalid arguments")
    assert await actions_of(conversation) == []


async def test_cancel_order_is_proposed_for_the_customers_own_order_and_restocks(
    bedrock, make_visitor, catalogue, connected
):
    visitor = await make_visitor("ana")
    stranger = await sync_to_async(get_user_model().objects.create_user)("ben", password="x")

    def orders() -> tuple[Order, Order]:
        shoes = product("Trail Runner 2")
        mine = Order.objects.create(user=visitor.user, number="ORD-20001")
        OrderItem.objects.create(order=mine, product=shoes, quantity=2, unit_price=Decimal("89"))
        theirs = Order.objects.create(user=stranger, number="ORD-20002")
        return mine, theirs

    mine, theirs = await sync_to_async(orders)()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    bedrock.push(
        tool_uses_response(
            [
                ("cancel_order", {"order_number": "ORD-20001"}),
                ("cancel_order", {"order_number": "ORD-20002"}),
            ]
        )
    )
    await socket.send_json_to({"type": "user_message", "content": "Cancel my orders"})
    frames = await receive_until(socket, "turn_ended")

    (proposed,) = [f["action"] for f in of_type(frames, "action")]
    assert proposed["summary"] == "Cancel order ORD-20001 (2 items, €178.00)"
    (failed,) = [f for f in of_type(frames, "info") if f["status"] == "failed"]
    assert failed["content"] == "No order ORD-20002 found for this customer."

    bedrock.push(text_response("Cancelled."))
    await socket.send_json_to(
        {"type": "action_decision", "action_id": proposed["id"], "decision": "approve"}
    )
    frames = await receive_until(socket, "turn_ended")
    done = of_type(frames, "action")[-1]["action"]
    assert done["status"] == "done" and done["result"]["order"]["status"] == "cancelled"
    await sync_to_async(mine.refresh_from_db)()
    await sync_to_async(theirs.refresh_from_db)()
    assert (mine.status, theirs.status) == ("cancelled", "pending")
    assert (await sync_to_async(product)("Trail Runner 2")).stock == 14
    tool = [m for m in await stored_messages(conversation) if m.role == "tool"][-1]
    assert tool.cards[0]["kind"] == "order" and tool.cards[0]["status"] == "cancelled"


async def test_an_approved_action_that_fails_is_failed_with_the_reason(
    bedrock, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    frames = await ask_for_add(bedrock, socket, await product_id("Storm Rain Jacket"), 3)
    (proposed,) = [f["action"] for f in of_type(frames, "action")]
    # Sold meanwhile: the stock no longer covers it.
    await sync_to_async(Product.objects.filter(name="Storm Rain Jacket").update)(stock=1)

    bedrock.push(text_response("Sorry, only one is left."))
    await socket.send_json_to(
        {"type": "action_decision", "action_id": proposed["id"], "decision": "approve"}
    )
    frames = await receive_until(socket, "turn_ended")
    failed = of_type(frames, "action")[-1]["action"]
    assert failed["status"] == "failed"
    assert failed["result"] == {
        "error": "Only 1 of Storm Rain Jacket in stock.",
        "code": "insufficient_stock",
    }
    assert await cart_lines() == {}
    assert not of_type(frames, "cart")


async def test_the_decision_reaching_the_proposing_turn_before_it_let_go_continues_it(
    make_visitor, catalogue
):
    """The deciding worker cannot claim a turn the proposing one still holds: the proposing
    turn then sees the round decided when it lets go, and continues it itself."""
    visitor = await make_visitor()
    conversation = await visitor.conversation()

    def scenario() -> tuple[bool, action_services.Decided, bool]:
        from chat import services

        proposing = turns.new_token()
        assert services.turn_claim(conversation_id=conversation.id, token=proposing)
        message_append(conversation=conversation, role="user", content="add it")
        asking = message_append(
            conversation=conversation,
            role="assistant",
            tool_calls=[{"id": "t1", "name": "add_to_cart", "args": {}}],
        )
        action = action_services.action_propose(
            conversation_id=conversation.id,
            message_id=asking.id,
            tool_call_id="t1",
            tool="add_to_cart",
            args={"product_id": product("Trail Runner 2").pk, "quantity": 1},
            summary="Add 1 × Trail Runner 2",
        )
        owner = Owner(user_id=None, anonymous_key=conversation.anonymous_key)
        decided = action_services.action_decide(
            owner=owner,
            conversation_id=conversation.id,
            action_id=str(action.id),
            approve=True,
            token=turns.new_token(),
        )
        keeps = action_services.turn_release_unless_decided(
            conversation_id=conversation.id, token=proposing, message_id=asking.id
        )
        conversation.refresh_from_db()
        return keeps, decided, conversation.turn_owner == proposing

    keeps, decided, still_claimed = await sync_to_async(scenario)()
    assert decided.resume is None  # the claim was held
    assert decided.action["status"] == "done"
    assert keeps and still_claimed


async def test_without_a_decision_the_proposing_turn_lets_go(make_visitor, catalogue):
    visitor = await make_visitor()
    conversation = await visitor.conversation()

    def scenario() -> tuple[bool, str]:
        from chat import services

        token = turns.new_token()
        services.turn_claim(conversation_id=conversation.id, token=token)
        asking = message_append(conversation=conversation, role="assistant")
        action_services.action_propose(
            conversation_id=conversation.id,
            message_id=asking.id,
            tool_call_id="t1",
            tool="add_to_cart",
            args={},
            summary="s",
        )
        keeps = action_services.turn_release_unless_decided(
            conversation_id=conversation.id, token=token, message_id=asking.id
        )
        conversation.refresh_from_db()
        return keeps, conversation.turn_owner

    assert await sync_to_async(scenario)() == (False, "")


async def test_expiry_settles_only_what_is_due(make_visitor, catalogue):
    visitor = await make_visitor()
    conversation = await visitor.conversation()

    def scenario() -> list[tuple[str, list[str]]]:
        asking = message_append(conversation=conversation, role="assistant")
        for call, age in (("due", 700), ("fresh", 10)):
            action = action_services.action_propose(
                conversation_id=conversation.id,
                message_id=asking.id,
                tool_call_id=call,
                tool="add_to_cart",
                args={},
                summary=call,
            )
            Action.objects.filter(pk=action.pk).update(
                expires_at=timezone.now() + timedelta(seconds=600 - age)
            )
        return [
            (cid, [e["action"]["summary"] for e in announced if e["type"] == "chat.action"])
            for cid, announced in action_services.actions_expire_due()
        ]

    assert await sync_to_async(scenario)() == [(str(conversation.id), ["due"])]
    assert sorted(a.status for a in await actions_of(conversation)) == ["expired", "pending"]
