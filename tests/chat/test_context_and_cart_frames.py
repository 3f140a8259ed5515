"""A question asked on a product page carries that product; every chat socket of a cart's
owner hears when the cart changes, whoever changed it."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from devkit.bedrock_emulator import text_response, tool_use_response
from shop.models import Product
from tests.chat.conftest import open_socket, receive_until, stored_messages

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


async def product_id(name: str) -> int:
    return await sync_to_async(lambda: Product.objects.get(name=name).pk)()


async def test_a_question_with_a_product_context_tells_the_model_about_that_product(
    bedrock, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    pid = await product_id("Storm Rain Jacket")
    bedrock.push(text_response("Yes, it is waterproof."))

    await socket.send_json_to(
        {"type": "user_message", "content": "Is this waterproof?", "context": {"product_id": pid}}
    )
    frames = await receive_until(socket, "turn_ended")

    question = next(f["message"] for f in frames if f["type"] == "message")
    assert question["context"] == {
        "product_id": pid,
        "name": "Storm Rain Jacket",
        "url": "/products/storm-rain-jacket/",
    }
    sent = bedrock.requests[-1]["body"]["messages"][-1]["content"][0]["text"]
    assert "Storm Rain Jacket" in sent and f"product id {pid}" in sent and "149.00" in sent
    assert sent.endswith("Is this waterproof?")
    (row,) = [m for m in await stored_messages(conversation) if m.role == "user"]
    assert row.content == "Is this waterproof?" and row.context["product_id"] == pid

    # The next question's history still says which product the first one was about.
    bedrock.push(text_response("It costs €149."))
    await socket.send_json_to({"type": "user_message", "content": "And the price?"})
    await receive_until(socket, "turn_ended")
    first = bedrock.requests[-1]["body"]["messages"][0]["content"][0]["text"]
    assert "Storm Rain Jacket" in first


@pytest.mark.parametrize(
    "context, code",
    [
        ({"product_id": 99999}, "not_found"),
        ({"product_id": "1"}, "invalid_message"),
        ({"product_id": True}, "invalid_message"),
        ({}, "invalid_message"),
        ("jacket", "invalid_message"),
    ],
)
async def test_a_bad_context_is_refused_and_nothing_is_stored(
    bedrock, make_visitor, catalogue, connected, context, code
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    await socket.send_json_to(
        {
            "type": "user_message",
            "content": "Is it good?",
            "context": context,
            "client_message_id": "c1",
        }
    )
    error = await socket.receive_json_from(timeout=5)
    assert (error["type"], error["code"], error["client_message_id"]) == ("error", code, "c1")
    assert await stored_messages(conversation) == []
    assert bedrock.requests == []


def _add_over_http(client: Client, pid: int) -> dict:
    # The cart API's own tests cover CSRF; here only who hears of the change matters.
    response = client.post(
        "/api/cart/items/",
        data=json.dumps({"product_id": pid, "quantity": 3}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


async def test_a_cart_change_over_http_reaches_every_chat_socket_of_the_owner(
    channel_layer_kind, make_visitor, catalogue, connected
):
    visitor = await make_visitor("ana")
    stranger = await make_visitor("ben")
    one = await open_socket(visitor, await visitor.conversation(), connected)
    two = await open_socket(visitor, await visitor.conversation(), connected)
    other = await open_socket(stranger, await stranger.conversation(), connected)
    pid = await product_id("Trail Runner 2")

    def change() -> dict:
        client = Client()
        client.force_login(visitor.user)
        return _add_over_http(client, pid)

    cart = await sync_to_async(change)()

    for socket in (one, two):
        frame = await socket.receive_json_from(timeout=5)
        assert frame == {"type": "cart", "cart": cart}
        assert frame["cart"]["count"] == 3
    assert await other.receive_nothing(timeout=0.5)


async def test_an_anonymous_visitors_cart_change_reaches_their_sockets(
    make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    socket = await open_socket(visitor, await visitor.conversation(), connected)
    pid = await product_id("Trail Runner 2")

    def change() -> dict:
        client = Client()
        name, value = visitor.cookie.split("=", 1)
        client.cookies[name] = value
        return _add_over_http(client, pid)

    cart = await sync_to_async(change)()
    assert (await socket.receive_json_from(timeout=5)) == {"type": "cart", "cart": cart}


async def test_the_http_query_api_cannot_make_a_change(bedrock, catalogue, client):
    pid = await product_id("Trail Runner 2")
    bedrock.push(tool_use_response("add_to_cart", {"product_id": pid, "quantity": 1}))
    bedrock.push(text_response("I cannot change your cart from here."))

    response = await sync_to_async(client.post)(
        "/api/llm/query", data=json.dumps({"query": "add it"}), content_type="application/json"
    )

    assert response.status_code == 200
    last = bedrock.requests[-1]["body"]["messages"][-1]
    (result,) = [b["toolResult"] for b in last["content"] if "toolResult" in b]
    assert "approval" in result["content"][0]["text"]
    from shop.models import CartItem

    assert await sync_to_async(CartItem.objects.count)() == 0
