"""Browsers for the tests: one for the HTTP tests (CSRF enforced, the token sent as the pages'
scripts send it), and axe-core's accessibility check for the real browser's pages."""

import json
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from shop.owners import SESSION_KEY
from tests import services
from tests.shop.factories import user_create

if TYPE_CHECKING:
    from playwright.sync_api import Page

PASSWORD = "a-long-test-password-1"


class Browser:
    def __init__(self, start: str = "/accounts/login/") -> None:
        self.client = Client(enforce_csrf_checks=True)
        # The first page hands out the CSRF cookie (the chat page also makes the session).
        assert self.client.get(start).status_code == 200

    @property
    def csrf(self) -> str:
        return self.client.cookies[settings.CSRF_COOKIE_NAME].value

    @property
    def anonymous_key(self) -> str:
        session_key = self.client.cookies[settings.SESSION_COOKIE_NAME].value
        return SessionStore(session_key=session_key)[SESSION_KEY]

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        token: bool = True,
    ) -> Any:
        """A JSON request, with the CSRF header unless `token` is false."""
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        headers = {"X-CSRFToken": self.csrf} if token else {}
        return self.client.generic(
            method, path, data, content_type="application/json", headers=headers
        )

    def post_form(self, path: str, data: dict | None = None) -> Any:
        return self.client.post(path, {**(data or {}), "csrfmiddlewaretoken": self.csrf})

    def log_in(self, username: str, *, create: bool = True, next_url: str = "") -> Any:
        """Log in through the login form (a user with PASSWORD, created unless `create` is
        false)."""
        if create:
            user_create(username=username, password=PASSWORD)
        path = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
        response = self.post_form(path, {"username": username, "password": PASSWORD})
        assert response.status_code == 302, "login failed"
        return response


def assert_error(response: Any, status: int, code: str) -> None:
    """The documented error body: {"error": {"code", "detail"}}, with a non-empty detail."""
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "detail"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["detail"], str) and body["error"]["detail"]


# axe-core's impact levels that fail a page; "minor" and "moderate" ones are reported by axe
# but do not block a shopper.
BLOCKING_IMPACTS = ("serious", "critical")


def assert_accessible(page: "Page", *, what: str = "") -> None:
    """axe-core (installed from package-lock.json, injected into the page) finds no serious or
    critical violation in the page as it is now."""
    services.need("axe")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(services.AXE_PATH))
    results = page.evaluate("() => window.axe.run(document, { resultTypes: ['violations'] })")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in blocking
    ]
    assert not found, f"{what or page.url}:\n" + "\n".join(found)
