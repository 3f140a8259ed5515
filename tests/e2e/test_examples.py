"""The chat page's example buttons, clicked as a new visitor would on the first run: each gets
a correct answer from the offline demo model on the seeded catalogue, in euros."""

import pytest
from playwright.sync_api import Page, expect

from shop import demo_data
from tests.browser import assert_accessible
from tests.chat_examples import EXPECTED, EXPECTED_FOR_DEMO_CUSTOMER, example_questions, problems
from tests.e2e.chat import FULL, answer_text, open_chat, wait_answered
from tests.e2e.test_accessibility import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def click_example(page: Page, question: str) -> str:
    """Click the example button, send what it put in the box, and return the answer."""
    page.get_by_role("button", name=question, exact=True).click()
    expect(page.locator("#chat-input")).to_have_value(question)
    page.click("#chat-send")
    wait_answered(page)
    expect(page.locator("#chat-log .msg[data-role=user] .msg-body")).to_have_text([question])
    return answer_text(page)


@pytest.mark.parametrize("question", example_questions())
def test_each_example_button_gets_a_correct_answer(page: Page, question: str) -> None:
    open_chat(page)
    answer = click_example(page, question)
    assert problems(answer, EXPECTED[question]) == [], answer
    # Products are links to their pages, not just names.
    links = page.locator(f'{FULL.last_answer} .msg-body a[href^="/products/"]')
    assert links.count() >= len(EXPECTED[question].names)
    assert_accessible(page, what=f"/chat/ answering “{question}”")


def test_the_comparison_is_a_table(page: Page) -> None:
    open_chat(page)
    click_example(page, "Compare your yoga mats")
    table = page.locator(f"{FULL.last_answer} .msg-body table")
    expect(table).to_have_count(1)
    expect(table.locator("tr", has_text="Price")).to_contain_text("€79.00")


def test_a_visitor_asking_for_an_order_is_asked_to_log_in(page: Page) -> None:
    open_chat(page)
    click_example(page, "Where is my order ORD-10042?")
    login = page.locator(f'{FULL.last_answer} .msg-body a[href="/accounts/login/"]')
    expect(login).to_have_text("log in")


@pytest.mark.parametrize("question", sorted(EXPECTED_FOR_DEMO_CUSTOMER))
def test_the_demo_customer_gets_their_order(page: Page, question: str) -> None:
    log_in(page, demo_data.DEMO_USERNAME, demo_data.DEMO_PASSWORD_DEFAULT)
    open_chat(page)
    answer = click_example(page, question)
    assert problems(answer, EXPECTED_FOR_DEMO_CUSTOMER[question]) == [], answer
