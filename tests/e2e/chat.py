"""Driving a chat in the browser: the full page (/chat/) or the panel on the shop's pages.

Both are the same modules with their own elements; a `ChatView` names them, and its root's
`data-chat-state` (idle, running, connecting, closed) says what the chat is doing.
"""

import json
import re
from dataclasses import dataclass

from playwright.sync_api import BrowserContext, Locator, Page, WebSocketRoute


@dataclass(frozen=True)
class ChatView:
    root: str
    log: str
    input: str
    stop: str

    @property
    def last_answer(self) -> str:
        """The newest message, when it is an assistant's (`:last-of-type` counts them all)."""
        return f"{self.log} .msg[data-role=assistant]:last-of-type"


FULL = ChatView(root="#chat-app", log="#chat-log", input="#chat-input", stop="#chat-stop")
PANEL = ChatView(
    root="#chat-panel", log="#chat-panel-log", input="#chat-panel-input", stop="#chat-panel-stop"
)


def wait_state(page: Page, state: str, chat: ChatView = FULL, timeout: float = 10_000) -> None:
    page.wait_for_function(
        f"document.querySelector('{chat.root}')?.dataset.chatState === '{state}'", timeout=timeout
    )


def open_chat(page: Page, path: str = "/chat/") -> None:
    page.goto(path)
    wait_state(page, "idle")


def ask(page: Page, question: str, chat: ChatView = FULL) -> None:
    page.fill(chat.input, question)
    page.press(chat.input, "Enter")


def wait_answered(page: Page, chat: ChatView = FULL, timeout: float = 20_000) -> None:
    """Until the chat is idle again and its newest message is a finished answer."""
    page.wait_for_function(
        f"""() => {{
          const all = document.querySelectorAll("{chat.log} .msg");
          const last = all[all.length - 1];
          return document.querySelector("{chat.root}").dataset.chatState === "idle" && last
            && last.dataset.role === "assistant" && last.dataset.status !== "streaming";
        }}""",
        timeout=timeout,
    )


def answer_text(page: Page, chat: ChatView = FULL) -> str:
    return page.locator(f"{chat.last_answer} .msg-body").inner_text()


def wait_growing(page: Page, at_least: int = 200, chat: ChatView = FULL) -> None:
    page.wait_for_function(
        f"""() => {{
          const body = document.querySelector("{chat.last_answer} .msg-body");
          return body && body.innerText.length >= {at_least};
        }}"""
    )


def header_count(page: Page) -> Locator:
    """The cart count in the site's header."""
    return page.locator(".site-header .cart-count")


class HeldSocket:
    """Holds what the server says to a page while `holding`, as a slow network would."""

    def __init__(self) -> None:
        self.holding = False
        self.held: list[str | bytes] = []
        self.page_side: WebSocketRoute | None = None

    def route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        self.page_side = ws
        ws.on_message(server.send)
        server.on_message(self._from_server)

    def _from_server(self, message: str | bytes) -> None:
        assert self.page_side is not None
        if not self.holding:
            self.page_side.send(message)
            return
        self.held.append(message)
        if json.loads(message).get("type") == "error":
            self.release()

    def release(self) -> None:
        assert self.page_side is not None
        self.holding = False
        held, self.held = self.held, []
        for message in held:
            self.page_side.send(message)


def tab_behind_a_running_answer(context: BrowserContext, page: Page) -> Page:
    """A conversation answered once on `page`, and a second tab on it over a slow network
    that has not yet heard that `page` started a long answer (which is now streaming)."""
    open_chat(page)
    ask(page, "Repeat after me: hello")
    wait_answered(page)
    conversation_path = page.url.removeprefix(page.url.split("/chat/")[0])
    other = context.new_page()
    slow = HeldSocket()
    other.route_web_socket(re.compile(r"/ws/chat/"), slow.route)
    open_chat(other, conversation_path)
    slow.holding = True
    ask(page, "Write me 2000 words please")
    wait_growing(page, at_least=50)
    return other
