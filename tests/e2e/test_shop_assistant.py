"""The assistant as part of the shop, in a real browser against a real worker: cards the customer
acts on, the live cart count, the panel on every page, checkout."""

import json
import re

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.browser import PASSWORD, assert_accessible
from tests.e2e.chat import (
    FULL,
    PANEL,
    answer_text,
    ask,
    header_count,
    open_chat,
    wait_answered,
    wait_growing,
    wait_state,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOE_PAGE = "/products/cloudstride-road-running-shoe/"
NOTEBOOK_PAGE = "/products/dotted-a5-notebook/"


def test_a_product_cards_add_to_cart_updates_the_header_count(page: Page) -> None:
    open_chat(page)
    ask(page, "find running shoes")
    wait_answered(page)

    cards = page.locator(f"{FULL.log} .chat-card--product")
    assert cards.count() >= 2
    # Out of stock: the badge says so and there is nothing to add.
    expect(cards.filter(has=page.locator(".badge--out")).locator(".chat-card__add")).to_have_count(
        0
    )
    card = cards.filter(has=page.locator(".chat-card__add")).first
    name = card.locator(".chat-card__title").inner_text()
    expect(card.locator(".chat-card__price")).to_have_text(re.compile(r"^€\d+\.\d\d$"))
    expect(card.locator(".chat-card__title a")).to_have_attribute(
        "href", re.compile(r"^/products/[\w-]+/$")
    )
    expect(card.locator(".badge--in")).to_have_text("In stock")
    expect(header_count(page)).to_have_text("0")

    card.get_by_role("button", name=f"Add to cart: {name}").click()
    expect(header_count(page)).to_have_text("1")
    expect(header_count(page)).to_have_attribute("aria-label", "1 item in the cart")
    expect(card.locator(".chat-card__note")).to_have_text("Added to your cart")
    card.locator(".chat-card__add").click()
    expect(header_count(page)).to_have_text("2")
    expect(header_count(page)).to_have_attribute("aria-label", "2 items in the cart")
    assert_accessible(page, what="/chat/ with product cards")

    page.goto("/cart/")
    expect(page.locator(".cart-line")).to_contain_text(name)
    expect(page.locator('.cart-line input[type="number"]')).to_have_value("2")
    expect(header_count(page)).to_have_text("2")


def test_the_panel_on_a_product_page_asks_about_it_and_survives_navigation(page: Page) -> None:
    page.goto(SHOE_PAGE)
    name = page.locator("h1").inner_text()
    panel = page.locator(PANEL.root)
    launcher = page.locator("#chat-launcher")
    expect(panel).to_be_hidden()

    launcher.focus()  # reachable from the keyboard, opened with it
    page.keyboard.press("Enter")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("role", "dialog")
    expect(panel).to_have_accessible_name("Shopping assistant")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.locator(PANEL.input)).to_be_focused()
    expect(page.locator("#chat-panel-context")).to_contain_text(name)
    assert_accessible(page, what="the panel open on a product page")

    ask(page, "Is it good for marathons?", PANEL)
    wait_answered(page, PANEL)
    question = page.locator(f"{PANEL.log} .msg[data-role=user]").last
    chip = question.locator(".msg-context")
    expect(chip).to_contain_text(name)
    expect(chip.locator("a")).to_have_attribute("href", SHOE_PAGE)
    question_id = question.get_attribute("data-message-id")
    assert question_id
    assert_accessible(page, what="the panel with a question about the product")

    # An answer left mid-stream for another page goes on there.
    ask(page, "Write me 150 words please", PANEL)
    wait_growing(page, at_least=60, chat=PANEL)
    page.locator(".site-header nav").get_by_role("link", name="Products").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(panel).to_be_visible()
    expect(
        page.locator(f'{PANEL.log} .msg[data-message-id="{question_id}"] .msg-context')
    ).to_contain_text(name)
    expect(page.locator("#chat-panel-context")).to_be_hidden()  # this page is about no product
    wait_answered(page, PANEL)
    assert len(answer_text(page, PANEL).split()) == 150

    # Escape closes it and gives the focus back; the next page remembers it closed.
    page.locator(PANEL.input).focus()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    page.goto(NOTEBOOK_PAGE)
    expect(panel).to_be_hidden()
    page.get_by_role("link", name="Ask the assistant about this product").click()
    expect(panel).to_be_visible()
    expect(page.locator(f'{PANEL.log} .msg[data-message-id="{question_id}"]')).to_have_count(1)
    expect(page.locator("#chat-panel-context")).to_contain_text("Dotted A5 Notebook")

    page.goto("/chat/")  # the full page is the chat itself: no panel there
    expect(page.locator("#chat-launcher")).to_have_count(0)


def test_the_panel_opens_the_customers_latest_conversation(page: Page) -> None:
    open_chat(page)
    ask(page, "Repeat after me: from the chat page")
    wait_answered(page)

    page.goto("/")
    page.click("#chat-launcher")
    wait_state(page, "idle", PANEL)
    expect(page.locator(f"{PANEL.log} .msg[data-role=user] .msg-body")).to_have_text(
        ["Repeat after me: from the chat page"]
    )
    expect(page.locator("#chat-panel-full")).to_have_attribute(
        "href", re.compile(r"^/chat/[0-9a-f-]{36}/$")
    )

    page.click("#chat-panel-new")
    expect(page.locator(f"{PANEL.log} .msg")).to_have_count(0)
    ask(page, "Repeat after me: a new one", PANEL)
    wait_answered(page, PANEL)
    page.goto("/")  # the panel stayed open, on the new conversation
    expect(page.locator(PANEL.root)).to_be_visible()
    expect(page.locator(f"{PANEL.log} .msg[data-role=user] .msg-body")).to_have_text(
        ["Repeat after me: a new one"]
    )


def test_the_panel_on_a_phone_covers_the_page_and_gives_it_back(page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/")
    launcher = page.locator("#chat-launcher")
    box = launcher.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 740
    expect(launcher).to_have_accessible_name("Ask the assistant")

    launcher.click()
    panel = page.locator(PANEL.root)
    assert panel.bounding_box() == {"x": 0, "y": 0, "width": 375, "height": 740}
    expect(panel).to_have_attribute("aria-modal", "true")
    assert page.evaluate("document.getElementById('main').inert")  # out of reach meanwhile

    ask(page, "find running shoes", PANEL)
    wait_answered(page, PANEL)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page, what="the panel on a phone, with product cards")
    for card in page.locator(f"{PANEL.log} .chat-card").all():
        card.scroll_into_view_if_needed()
        card_box = card.bounding_box()
        assert (
            card_box is not None and 0 <= card_box["x"] <= card_box["x"] + card_box["width"] <= 375
        )
    for hook in (PANEL.input, "#chat-panel-send", "#chat-panel-close"):
        hook_box = page.locator(hook).bounding_box()
        assert hook_box is not None
        assert hook_box["x"] >= 0 and hook_box["x"] + hook_box["width"] <= 375, hook
        assert hook_box["y"] >= 0 and hook_box["y"] + hook_box["height"] <= 740, hook

    page.click("#chat-panel-close")
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()
    assert not page.evaluate("document.getElementById('main').inert")


def test_checkout_from_the_cart_page(page: Page, shopper: str) -> None:
    page.goto(NOTEBOOK_PAGE)
    page.fill("#quantity", "2")
    page.locator(".add-to-cart").get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(header_count(page)).to_have_text("2")

    # A visitor is sent to log in and back; the cart survives the login.
    page.get_by_role("button", name="Log in to check out").click()
    page.fill("#id_username", shopper)
    page.fill("#id_password", PASSWORD)
    page.locator("form").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(page.locator(".cart-line")).to_contain_text("Dotted A5 Notebook")

    page.get_by_role("button", name="Place the order").click()
    expect(page).to_have_url(re.compile(r"/orders/ORD-\d+/$"))
    expect(page.locator("h1")).to_have_text(re.compile(r"^Order ORD-\d+$"))
    expect(page.locator(".order-status")).to_contain_text("Pending")
    expect(page.locator(".cart-table")).to_contain_text("Dotted A5 Notebook")
    expect(header_count(page)).to_have_text("0")
    page.goto("/cart/")
    expect(page.locator(".empty-state")).to_contain_text("Your cart is empty.")


def test_card_text_from_the_server_is_shown_as_text(page: Page) -> None:
    """Cards are built from the server's data with DOM calls: markup in a name stays text, and
    a link that does not point into the shop is not a link."""
    conversation = "11111111-1111-4111-8111-111111111111"
    hostile = '<img src=x onerror="window.__xss=1">'
    card = {
        "kind": "product",
        "product_id": 1,
        "name": f"Shoe {hostile}",
        "price": "1.00",
        "currency": "EUR",
        "in_stock": True,
        "url": "javascript:window.__xss=2",
        "category": f"<b>{hostile}</b>",
    }
    action = {
        "id": "act-1",
        "message_id": "a1",
        "tool": "add_to_cart",
        "args": {},
        "summary": f"Add {hostile}",
        "status": "pending",
        "result": None,
        "created_at": "2026-01-01T00:00:00Z",
        "expires_at": "2026-01-01T00:10:00Z",
        "decided_at": None,
    }
    base = {
        "status": "complete",
        "created_at": "2026-01-01T00:00:00Z",
        "client_message_id": None,
        "tool_name": None,
        "tool_calls": [],
        "cards": [],
        "context": None,
    }
    messages = [
        {
            **base,
            "id": "q",
            "role": "user",
            "content": "Hi",
            "context": {"product_id": 1, "name": hostile, "url": "//evil.example/"},
        },
        {**base, "id": "a1", "role": "assistant", "content": ""},
        {
            **base,
            "id": "t",
            "role": "tool",
            "content": "{}",
            "tool_name": "search_products",
            "cards": [card],
        },
    ]

    def server(ws: WebSocketRoute) -> None:  # stands in for the worker: no socket reaches it
        ws.send(
            json.dumps(
                {
                    "type": "history",
                    "conversation": {"id": conversation, "title": "x"},
                    "messages": messages,
                    "running": False,
                    "truncated": False,
                    "actions": [action],
                }
            )
        )

    page.route_web_socket(re.compile(r"/ws/chat/"), server)
    page.goto("/")
    page.evaluate(
        "id => sessionStorage.setItem('corner-shop.chat-panel',"
        " JSON.stringify({open: true, conversationId: id}))",
        conversation,
    )
    page.reload()
    log = page.locator(PANEL.log)
    expect(log.locator(".chat-card--action")).to_contain_text(hostile)
    expect(log.locator(".chat-card--product .chat-card__title")).to_have_text(f"Shoe {hostile}")
    expect(log.locator(".msg-context")).to_contain_text(hostile)
    page.wait_for_timeout(300)  # time for a broken image's onerror, had one been made
    assert page.evaluate("typeof window.__xss") == "undefined"
    expect(log.locator("img, b")).to_have_count(0)
    hrefs = log.locator("a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
    assert all(h.startswith("/") and not h.startswith("//") for h in hrefs), hrefs
