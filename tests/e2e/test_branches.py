"""Versions of answers and questions in a real browser against a real worker: Regenerate, Edit,
the switcher under each, and the active path the server keeps across reloads.

The offline model answers a question the same way every time, so a regenerated answer is told
from the first one by its message id; an edited question gets an answer of its own.
"""

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser import assert_accessible
from tests.e2e.chat import (
    FULL,
    PANEL,
    ChatView,
    answer_text,
    ask,
    open_chat,
    tab_behind_a_running_answer,
    wait_answered,
    wait_state,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def last_question(page: Page, chat: ChatView = FULL) -> Locator:
    return page.locator(f"{chat.log} .msg[data-role=user]").last


def switcher(message: Locator, what: str) -> Locator:
    return message.get_by_role("group", name=f"Versions of this {what}")


def expect_version(message: Locator, what: str, shown: str) -> None:
    versions = switcher(message, what)
    expect(versions.locator(".versions__count")).to_have_text(shown)
    at, count = shown.split(" / ")
    expect(versions).to_contain_text(f"Version {at} of {count}")


def wait_new_answer(page: Page, old_id: str, chat: ChatView = FULL) -> None:
    page.wait_for_function(
        f"""() => {{
          const all = document.querySelectorAll("{chat.log} .msg[data-role=assistant]");
          const last = all[all.length - 1];
          return last && last.dataset.messageId && last.dataset.messageId !== {old_id!r};
        }}"""
    )
    wait_answered(page, chat)


def test_regenerate_makes_a_second_version_and_the_switcher_goes_back_to_the_first(
    page: Page,
) -> None:
    open_chat(page)
    ask(page, "Which categories do you have?")
    wait_answered(page)
    answer = page.locator(FULL.last_answer)
    first_id = answer.get_attribute("data-message-id")
    assert first_id
    first_text = answer_text(page)
    expect(switcher(answer, "answer")).to_be_hidden()  # one version: no switcher

    answer.get_by_role("button", name="Regenerate answer").click()
    wait_new_answer(page, first_id)
    second_id = answer.get_attribute("data-message-id")
    assert answer_text(page) == first_text  # the same question, the same offline answer
    expect_version(answer, "answer", "2 / 2")
    previous = switcher(answer, "answer").get_by_role("button", name="Previous version")
    following = switcher(answer, "answer").get_by_role("button", name="Next version")
    expect(following).to_be_disabled()
    expect(previous).to_be_enabled()
    expect(page.locator(f"{FULL.log} .msg[data-role=user]")).to_have_count(1)
    assert_accessible(page, what="/chat/ with two versions of an answer")

    previous.click()
    expect(answer).to_have_attribute("data-message-id", first_id)
    expect_version(answer, "answer", "1 / 2")
    assert answer_text(page) == first_text
    expect(previous).to_be_disabled()
    expect(following).to_be_focused()  # the keyboard stays on the switcher

    page.reload()  # the server keeps the version last shown
    wait_state(page, "idle")
    expect(answer).to_have_attribute("data-message-id", first_id)
    expect_version(answer, "answer", "1 / 2")

    following.click()
    expect(answer).to_have_attribute("data-message-id", second_id or "")
    expect_version(answer, "answer", "2 / 2")


def test_editing_a_question_asks_it_anew_and_its_versions_switch_back(page: Page) -> None:
    open_chat(page)
    ask(page, "Repeat after me: hello")
    wait_answered(page)
    question = last_question(page)
    edit = question.get_by_role("button", name="Edit question")
    box = question.get_by_role("textbox", name="Edit your question")

    # Escape cancels: the question is as it was, and the keyboard is back on Edit.
    edit.click()
    expect(box).to_be_focused()
    expect(box).to_have_value("Repeat after me: hello")
    box.fill("Repeat after me: never sent")
    box.press("Escape")
    expect(box).to_have_count(0)
    expect(question.locator(".msg-body")).to_have_text("Repeat after me: hello")
    expect(edit).to_be_focused()

    # An empty text sends nothing; Shift+Enter is a new line.
    edit.click()
    box.fill("   ")
    box.press("Enter")
    expect(box).to_be_visible()
    box.fill("Repeat after me: goodbye")
    box.press("Shift+Enter")
    expect(box).to_have_value("Repeat after me: goodbye\n")
    assert_accessible(page, what="/chat/ with a question being edited")

    box.press("Enter")
    expect(question.locator(".msg-body")).to_have_text("Repeat after me: goodbye")
    wait_answered(page)
    assert answer_text(page) == "goodbye"
    expect_version(question, "question", "2 / 2")
    expect(switcher(page.locator(FULL.last_answer), "answer")).to_be_hidden()
    expect(page.locator(f"{FULL.log} .msg[data-role=user]")).to_have_count(1)
    assert_accessible(page, what="/chat/ with two versions of a question")

    switcher(question, "question").get_by_role("button", name="Previous version").click()
    expect(question.locator(".msg-body")).to_have_text("Repeat after me: hello")
    expect_version(question, "question", "1 / 2")
    expect(page.locator(f"{FULL.last_answer} .msg-body")).to_have_text("hello")

    page.reload()
    wait_state(page, "idle")
    expect(question.locator(".msg-body")).to_have_text("Repeat after me: hello")
    expect_version(question, "question", "1 / 2")
    assert answer_text(page) == "hello"


def test_the_panel_edits_and_regenerates_too(page: Page) -> None:
    page.emulate_media(color_scheme="dark")
    page.goto("/")
    page.click("#chat-launcher")
    panel = page.locator(PANEL.root)
    ask(page, "Repeat after me: one", PANEL)
    wait_answered(page, PANEL)
    question = last_question(page, PANEL)
    box = question.get_by_role("textbox", name="Edit your question")

    question.get_by_role("button", name="Edit question").click()
    box.press("Escape")  # closes the edit box, not the panel
    expect(box).to_have_count(0)
    expect(panel).to_be_visible()

    question.get_by_role("button", name="Edit question").click()
    box.fill("Repeat after me: two")
    box.press("Enter")
    wait_answered(page, PANEL)
    assert answer_text(page, PANEL) == "two"
    expect_version(question, "question", "2 / 2")

    answer = page.locator(PANEL.last_answer)
    old_id = answer.get_attribute("data-message-id") or ""
    answer.get_by_role("button", name="Regenerate answer").click()
    wait_new_answer(page, old_id, PANEL)
    expect_version(answer, "answer", "2 / 2")
    expect_version(question, "question", "2 / 2")
    assert_accessible(page, what="the panel with versions of a question and of its answer")


def test_regenerate_while_another_tab_answers_is_refused_and_says_so(
    context: BrowserContext, page: Page
) -> None:
    # A second tab on a slow network: it has not yet heard of the first tab's new answer.
    other = tab_behind_a_running_answer(context, page)
    answer = other.locator(FULL.last_answer)
    old_id = answer.get_attribute("data-message-id")
    answer.get_by_role("button", name="Regenerate answer").click()

    expect(other.locator("#chat-alert")).to_contain_text("still answering")
    expect(other.locator(FULL.stop)).to_be_visible()  # it has now heard of the answer
    assert other.locator(f'{FULL.log} .msg[data-message-id="{old_id}"]').count() == 1
    expect(
        switcher(other.locator(f'{FULL.log} .msg[data-message-id="{old_id}"]'), "answer")
    ).to_be_hidden()
    page.bring_to_front()
    page.click(FULL.stop)
    wait_state(other, "idle")
    regenerate = other.locator(f'{FULL.log} .msg[data-message-id="{old_id}"]').get_by_role(
        "button", name="Regenerate answer"
    )
    expect(regenerate).to_be_enabled()
