"""The chat page in a real browser against a real worker: what a shopper sees and can do."""

import re
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from chat.templatetags.chat_modules import CHAT_MODULES
from tests.e2e.chat import (
    FULL,
    answer_text,
    ask,
    open_chat,
    tab_behind_a_running_answer,
    wait_answered,
    wait_growing,
)
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Singular on purpose: the catalogue search needs every query word as a substring, so
# "running shoes" finds nothing among products named "... Running Shoe".
PRODUCT_QUESTION = "Do you have a running shoe?"
LAST_ANSWER = FULL.last_answer
CONVERSATION_URL = re.compile(
    r"/chat/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/$"
)

# Runs in the page: every ~30 ms note what the newest assistant bubble shows, and note every
# state a tool line goes through (a MutationObserver sees each frame's effect).
WATCH = """() => {
  window.__seen = { bubbles: [], tools: [], first: null };
  const log = document.getElementById("chat-log");
  const newest = () => {
    const all = log.querySelectorAll(".msg[data-role=assistant]");
    return all.length ? all[all.length - 1] : null;
  };
  window.__seen.timer = setInterval(() => {
    const msg = newest();
    if (!msg) return;
    const text = msg.querySelector(".msg-body").innerText;
    if (!text) return;
    if (!window.__seen.first) window.__seen.first = msg;
    window.__seen.bubbles.push({ status: msg.dataset.status, text: text });
  }, 30);
  new MutationObserver(() => {
    log.querySelectorAll(".tool-line").forEach((li) => {
      window.__seen.tools.push({ status: li.dataset.status, text: li.innerText });
    });
  }).observe(log, { subtree: true, childList: true, characterData: true, attributes: true });
}"""


def squash(text: str) -> str:
    return " ".join(text.split())


def test_answer_grows_in_place_with_a_tool_line(page: Page) -> None:
    open_chat(page)
    page.evaluate(WATCH)

    ask(page, PRODUCT_QUESTION)
    wait_answered(page)
    seen: dict[str, Any] = page.evaluate(
        "() => { clearInterval(window.__seen.timer); return window.__seen; }"
    )

    final = squash(answer_text(page))
    growing = [
        squash(s["text"])
        for s in seen["bubbles"]
        if s["status"] == "streaming" and squash(s["text"]) != final
    ]
    prefixes = list(dict.fromkeys(t for t in growing if final.startswith(t)))
    assert len(prefixes) >= 3, f"the answer did not grow visibly: {growing[:10]}"
    assert [len(t) for t in prefixes] == sorted(len(t) for t in prefixes), prefixes
    assert page.evaluate(
        f"() => window.__seen.first === document.querySelector('{LAST_ANSWER}')"
    ), "the answer was replaced instead of growing in place"

    tools = seen["tools"]
    assert any(t["status"] == "started" and "Searching products" in t["text"] for t in tools), tools
    tool_line = page.locator("#chat-log .tool-line")
    expect(tool_line).to_have_count(1)
    expect(tool_line).to_have_attribute("data-status", "finished")

    links = page.locator(f'{LAST_ANSWER} .msg-body a[href^="/products/"]')
    assert links.count() >= 1
    assert "running" in links.first.inner_text().lower()
    expect(page).to_have_url(CONVERSATION_URL)
    assert page.evaluate("document.body.dataset.chatState") == "idle"
    expect(page.locator("#chat-stop")).to_be_hidden()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-page.png"))


def test_stop_button_stops_a_long_answer(page: Page) -> None:
    open_chat(page)
    ask(page, "Write me 2000 words please")
    wait_growing(page)
    stop = page.locator("#chat-stop")
    expect(stop).to_be_visible()

    stop.click()
    answer = page.locator(LAST_ANSWER)
    expect(answer).to_have_attribute("data-status", "stopped", timeout=2_000)
    stopped_at = answer_text(page)
    page.wait_for_timeout(500)
    assert answer_text(page) == stopped_at
    assert len(stopped_at.split()) < 2000
    expect(stop).to_be_hidden()
    expect(answer.locator(".msg-badge")).to_have_text("Stopped")

    ask(page, "Repeat after me: still listening")
    wait_answered(page)
    assert answer_text(page) == "still listening"


def test_reload_shows_the_history(page: Page) -> None:
    open_chat(page)
    question = "Do you have a rain jacket?"
    ask(page, question)
    wait_answered(page)
    answer = answer_text(page)
    conversation_id = page.url.rstrip("/").rsplit("/", 1)[1]

    page.reload()
    page.wait_for_function("document.body.dataset.chatState === 'idle'")
    expect(page.locator("#chat-log .msg[data-role=user] .msg-body")).to_have_text([question])
    assert answer_text(page) == answer
    expect(page.locator("#chat-log .tool-line")).to_have_count(0)  # live-only, by design
    item = page.locator(f'#conversation-list .conversation-item[data-id="{conversation_id}"]')
    expect(item).to_have_count(1)
    expect(item).to_contain_text(question)
    expect(page.locator("#chat-title")).to_have_text(question)


def test_model_output_is_shown_as_text_and_never_runs(page: Page) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    payload = (
        '<img src=x onerror="window.__xss=1;alert(1)">'
        "<script>window.__xss=2;alert(2)</script>"
        " **bold** [link](javascript:alert(3))"
    )
    question = f"Repeat after me: {payload}"
    open_chat(page)
    ask(page, question)
    wait_answered(page)

    def assert_inert() -> None:
        page.wait_for_timeout(300)  # time for a broken image's onerror, had it been created
        assert dialogs == []
        assert page.evaluate("typeof window.__xss") == "undefined"
        log = page.locator("#chat-log")
        expect(log.locator("img")).to_have_count(0)
        expect(log.locator("script")).to_have_count(0)
        expect(log.locator("[onerror]")).to_have_count(0)
        hrefs = log.locator("a").evaluate_all("(links) => links.map((a) => a.href)")
        assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")], hrefs
        body = page.locator(f"{LAST_ANSWER} .msg-body")
        expect(body.locator("strong")).to_have_text("bold")
        shown = body.inner_text()
        # The raw HTML is shown as text (or dropped), never interpreted.
        assert "<script>" in shown or "window.__xss=2" not in shown, shown
        expect(page.locator("#chat-log .msg[data-role=user] .msg-body")).to_have_text(question)

    assert_inert()
    page.reload()
    page.wait_for_function("document.body.dataset.chatState === 'idle'")
    assert_inert()


def test_busy_question_stays_in_the_box(context: BrowserContext, page: Page) -> None:
    # A second tab on the same conversation, on a slow network: it has not yet heard
    # that the first tab started an answer when its own question goes out.
    other = tab_behind_a_running_answer(context, page)
    question = "Is the blue one in stock?"
    ask(other, question)

    expect(other.locator("#chat-alert")).to_contain_text("still answering")
    expect(other.locator("#chat-input")).to_have_value(question)
    expect(other.locator("#chat-log .msg[data-role=user]")).to_have_count(2)
    assert question not in other.locator("#chat-log").inner_text()
    expect(other.locator("#chat-stop")).to_be_visible()  # it has now heard of the answer

    page.bring_to_front()  # a background tab paints nothing (requestAnimationFrame pauses)
    before = len(answer_text(page))
    page.wait_for_timeout(400)
    assert len(answer_text(page)) > before, "the first tab's answer stopped"
    assert page.locator(LAST_ANSWER).get_attribute("data-status") == "streaming"
    page.click("#chat-stop")
    expect(page.locator(LAST_ANSWER)).to_have_attribute("data-status", "stopped")


def test_phone_layout(page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    open_chat(page)
    ask(page, PRODUCT_QUESTION)
    wait_answered(page)

    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for hook in ("#chat-input", "#chat-send"):
        box = page.locator(hook).bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375, (hook, box)
        assert box["y"] >= 0 and box["y"] + box["height"] <= 740, (hook, box)
    expect(page.locator("#chat-input")).to_be_visible()
    expect(page.locator("#chat-send")).to_be_visible()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-phone.png"))


def test_modules_load_under_their_hashed_names(page: Page) -> None:
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_chat(page)
    page.goto("/")  # a shop page: the panel's modules
    page.wait_for_function("document.getElementById('chat-launcher') !== null")
    page.wait_for_load_state("networkidle")

    modules = [url for url in requested if "/static/chat/" in url and url.endswith(".js")]
    names = {re.sub(r"\.[0-9a-f]{12}\.js$", ".js", url.split("/static/")[1]) for url in modules}
    assert names == set(CHAT_MODULES), modules
    hashed = re.compile(r"/static/chat/[\w-]+\.[0-9a-f]{12}\.js$")
    assert all(hashed.search(url) for url in modules), modules
    assert errors == []
