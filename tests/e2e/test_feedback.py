"""Rating answers and searching the conversation list, in a real browser against a real worker."""

import json

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import assert_accessible
from tests.cluster.workers import Worker
from tests.e2e.chat import FULL, ask, open_chat, wait_answered, wait_state
from tests.e2e.conftest import shop_shell

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANSWER = FULL.last_answer


def stored_feedback(shop: Worker, message_id: str) -> dict | None:
    code = (
        "import json; from chat.models import Feedback; "
        f"f = Feedback.objects.filter(message_id={message_id!r}).first(); "
        "print(json.dumps(f and {'rating': f.rating, 'reasons': f.reasons, "
        "'comment': f.comment, 'question': f.question}))"
    )
    return json.loads(shop_shell(shop, code).strip().splitlines()[-1])


def test_a_thumbs_down_with_a_reason_is_stored_and_every_tab_shows_it(
    context: BrowserContext, live_shop: Worker
) -> None:
    page = context.new_page()
    open_chat(page)
    ask(page, "Which categories do you have?")
    wait_answered(page)
    answer = page.locator(ANSWER)
    message_id = answer.get_attribute("data-message-id")
    assert message_id

    other = context.new_page()  # the same visitor in a second tab
    other.goto(page.url)
    wait_state(other, "idle")
    other_down = other.locator(f"{ANSWER} button[data-rate=down]")
    expect(other_down).to_have_attribute("aria-pressed", "false")

    up = answer.get_by_role("button", name="Good answer")
    down = answer.get_by_role("button", name="Bad answer")
    expect(up).to_have_attribute("aria-pressed", "false")
    down.click()
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(other_down).to_have_attribute("aria-pressed", "true")

    form = answer.locator("form.feedback-form")
    expect(form.get_by_role("group", name="What went wrong?")).to_be_visible()
    expect(form.get_by_role("checkbox").first).to_be_focused()
    assert_accessible(page, what="/chat/ with the feedback form open")

    form.get_by_role("checkbox", name="Not helpful").check()
    form.get_by_label("Anything else? (optional)").fill("I wanted prices too")
    form.get_by_role("button", name="Send feedback").click()
    expect(answer.get_by_role("status")).to_have_text("Thank you: your feedback was sent.")

    stored = stored_feedback(live_shop, message_id)
    assert stored == {
        "rating": "down",
        "reasons": ["not helpful"],
        "comment": "I wanted prices too",
        "question": "Which categories do you have?",
    }

    # A new tab reads it from the history; the pressed thumb again takes it back.
    third = context.new_page()
    third.goto(page.url)
    wait_state(third, "idle")
    expect(third.locator(f"{ANSWER} button[data-rate=down]")).to_have_attribute(
        "aria-pressed", "true"
    )
    down.click()
    expect(down).to_have_attribute("aria-pressed", "false")
    expect(other_down).to_have_attribute("aria-pressed", "false")
    expect(form).to_have_count(0)
    assert stored_feedback(live_shop, message_id) is None


def test_copy_puts_the_answer_on_the_clipboard(context: BrowserContext, live_shop: Worker) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_shop.http)
    page = context.new_page()
    open_chat(page)
    ask(page, "Which categories do you have?")
    wait_answered(page)
    copy = page.locator(f"{ANSWER} button[data-copy]")
    copy.click()
    expect(copy).to_have_text("Copied")
    shown = page.locator(f"{ANSWER} .msg-body").inner_text().strip()
    assert page.evaluate("() => navigator.clipboard.readText()") == shown
    expect(copy).to_have_text("Copy", timeout=5_000)


def test_the_sidebar_search_finds_a_conversation_by_a_word_of_its_question(page: Page) -> None:
    open_chat(page)
    ask(page, "Do you have a coffee grinder?")
    wait_answered(page)
    page.click("#new-chat-btn")
    ask(page, "Which categories do you have?")
    wait_answered(page)
    items = page.locator("#conversation-list .conversation-item")
    expect(items).to_have_count(2)

    search = page.get_by_role("searchbox", name="Search conversations")
    search.fill("grinder")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("coffee grinder")

    search.fill("kayak")
    expect(page.locator("#conversation-list")).to_contain_text("No conversations match")
    expect(items).to_have_count(0)

    search.fill("")
    expect(items).to_have_count(2)

    search.fill("grinder")
    expect(items).to_have_count(1)
    items.first.locator(".conversation-link").click()
    expect(page.locator(f"{FULL.log} .msg[data-role=user] .msg-body").first).to_have_text(
        "Do you have a coffee grinder?"
    )
