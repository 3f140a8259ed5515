"""Actions the assistant proposes and the customer decides, in a real browser against a real
worker and the offline model: the approval cards, their outcome on every tab, the header's
cart count, and the paused answer going on."""

import re

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser import assert_accessible
from tests.e2e.chat import (
    FULL,
    HeldSocket,
    answer_text,
    ask,
    header_count,
    open_chat,
    wait_answered,
    wait_state,
)
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SUMMARY = re.compile(r"^Add 1 × .+ \(€\d+\.\d\d\) to your cart$")


def cards(page: Page) -> Locator:
    return page.locator(f"{FULL.log} .chat-card--action")


def propose(page: Page) -> None:
    """Ask for two of the shoes found: the offline model proposes one action each."""
    ask(page, "find running shoes")
    wait_answered(page)
    ask(page, "add two of those to my cart")
    expect(cards(page)).to_have_count(2)
    wait_state(page, "idle")  # the answer paused for the decisions: the page is not busy


def conversation_path(page: Page) -> str:
    return "/chat/" + page.url.rstrip("/").rsplit("/", 1)[1] + "/"


def test_approving_from_the_card_fills_the_cart_on_every_tab(
    context: BrowserContext, page: Page
) -> None:
    open_chat(page)
    propose(page)
    other = context.new_page()
    open_chat(other, conversation_path(page))
    expect(cards(other)).to_have_count(2)

    for card in cards(page).all():
        expect(card).to_have_attribute("data-status", "pending")
        expect(card.locator(".chat-card__state")).to_have_text("Needs your approval")
        expect(card.locator(".chat-card__summary")).to_have_text(SUMMARY)
    expect(page.locator(FULL.stop)).to_be_hidden()
    expect(page.locator("#chat-send")).to_be_enabled()
    expect(header_count(page)).to_have_text("0")
    assert_accessible(page, what="/chat/ with two approval cards")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".chat-main").screenshot(path=str(ARTIFACTS / "approval-card.png"))

    first, second = cards(page).all()
    first.get_by_role("button", name="Approve").click()
    expect(first).to_have_attribute("data-status", "done")
    expect(first).to_be_focused()  # the button is gone; the keyboard stays on its card
    expect(first.locator(".chat-card__detail")).to_have_text(re.compile(r"^Your cart: 1 item, €"))
    expect(header_count(page)).to_have_text("1")
    expect(second).to_have_attribute("data-status", "pending")
    wait_state(page, "idle")  # one action still waits: nothing runs

    second.get_by_role("button", name="Approve").click()
    expect(second).to_have_attribute("data-status", "done")
    expect(header_count(page)).to_have_text("2")
    expect(header_count(page)).to_have_attribute("aria-label", "2 items in the cart")
    wait_answered(page)  # the answer went on with the outcomes
    assert answer_text(page).count("Added 1 ×") == 2

    # The other tab saw the outcomes and the cart without doing anything.
    for card in cards(other).all():
        expect(card).to_have_attribute("data-status", "done")
    expect(header_count(other)).to_have_text("2")
    expect(other.locator(f"{FULL.last_answer} .msg-body")).to_contain_text("Added 1 ×")
    assert_accessible(page, what="/chat/ with the approved cards")

    page.goto("/cart/")
    expect(page.locator(".cart-line")).to_have_count(2)


def test_declining_changes_nothing_and_the_answer_goes_on(page: Page) -> None:
    open_chat(page)
    propose(page)
    for card in cards(page).all():
        card.get_by_role("button", name="Decline").click()
        expect(card).to_have_attribute("data-status", "rejected")
        expect(card.locator(".chat-card__state")).to_have_text("Declined: nothing was changed")
        expect(card.get_by_role("button")).to_have_count(0)
    wait_answered(page)
    assert_accessible(page, what="/chat/ with the declined cards")
    assert answer_text(page)
    expect(header_count(page)).to_have_text("0")
    assert page.request.get("/api/cart/").json()["count"] == 0


def test_a_decision_another_tab_made_first_is_explained(
    context: BrowserContext, page: Page
) -> None:
    open_chat(page)
    propose(page)
    # A second tab on a slow network: it has not heard of the first tab's decision yet.
    other = context.new_page()
    slow = HeldSocket()
    other.route_web_socket(re.compile(r"/ws/chat/"), slow.route)
    open_chat(other, conversation_path(page))
    expect(cards(other)).to_have_count(2)
    slow.holding = True

    cards(page).first.get_by_role("button", name="Approve").click()
    expect(cards(page).first).to_have_attribute("data-status", "done")
    expect(cards(other).first).to_have_attribute("data-status", "pending")

    cards(other).first.get_by_role("button", name="Approve").click()
    expect(other.locator("#chat-alert")).to_contain_text("already decided")
    expect(cards(other).first).to_have_attribute("data-status", "done")
    expect(header_count(other)).to_have_text("1")  # added once, not twice
    wait_state(other, "idle")  # the second action still waits for a decision
    expect(cards(other).nth(1).get_by_role("button", name="Approve")).to_be_visible()


def test_a_new_question_declines_what_is_pending(page: Page) -> None:
    open_chat(page)
    propose(page)
    ask(page, "Repeat after me: never mind")
    wait_answered(page)
    assert answer_text(page) == "never mind"
    for card in cards(page).all():
        expect(card).to_have_attribute("data-status", "rejected")
    expect(header_count(page)).to_have_text("0")
