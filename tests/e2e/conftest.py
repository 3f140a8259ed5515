"""A real shop in a browser: one daphne worker on its own SQLite file, driven by chromium.

The worker is started through scripts/serve with DEBUG off and the static files collected
into a temporary STATIC_ROOT by the production storage (hashed names, so the chat page's
modules load through its import map), as in production. It owns its database; these tests
never touch pytest-django's test database.
"""

import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests import services
from tests.browser import PASSWORD
from tests.cluster.workers import ROOT, Worker, free_port, worker_env

ARTIFACTS = ROOT / "test-artifacts"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]

_failed_key = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.failed:
        item.stash[_failed_key] = True
    return report


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def shop_shell(shop: Worker, code: str) -> str:
    """What `code` prints, run by `manage.py shell` against the live shop's database."""
    return _manage(shop.env, "shell", "-c", code)


@pytest.fixture(scope="session")
def live_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """The demo shop served by one daphne worker (in-memory channel layer, offline model)."""
    services.need("browser")
    home = tmp_path_factory.mktemp("e2e")
    env = worker_env(
        database=f"sqlite:///{home / 'e2e.sqlite3'}",
        redis="",  # one worker: the in-memory channel layer
        prefix="e2e",
        SECRET_KEY="e2e-secret-key-not-for-production-0123456789abcdefghijklmnop",
        STATIC_ROOT=str(home / "static"),
        STATICFILES_BACKEND="whitenoise.storage.CompressedManifestStaticFilesStorage",
        LLM_OFFLINE_DELAY_MS="25",
    )
    _manage(env, "migrate", "--noinput")
    _manage(env, "collectstatic", "--noinput")
    _manage(env, "seed_shop")
    worker = Worker(port=free_port(), env=env, log_path=home / "worker.log").start()
    yield worker
    worker.stop()


@pytest.fixture
def shopper(live_shop: Worker) -> str:
    """The username of a new customer account in the live shop (password tests.browser.PASSWORD)."""
    username = f"shopper-{uuid.uuid4().hex[:8]}"
    code = (
        "from tests.shop.factories import user_create; "
        f"user_create(username={username!r}, password={PASSWORD!r})"
    )
    _manage(live_shop.env, "shell", "-c", code)
    return username


@pytest.fixture(scope="module")
def browser(live_shop: Worker) -> Iterator[Browser]:
    # Module scope: sync Playwright runs its own event loop, which must be gone before any
    # asyncio test elsewhere in the run starts.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=services.CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def context(
    browser: Browser, live_shop: Worker, request: pytest.FixtureRequest
) -> Iterator[BrowserContext]:
    """A fresh browser profile (its own cookies, so its own anonymous visitor); on failure,
    a screenshot of each of its pages in test-artifacts/ and the worker's log."""
    ctx = browser.new_context(base_url=live_shop.http, viewport={"width": 1280, "height": 800})
    ctx.set_default_timeout(10_000)
    yield ctx
    if request.node.stash.get(_failed_key, False):
        ARTIFACTS.mkdir(exist_ok=True)
        for i, open_page in enumerate(ctx.pages):
            open_page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{i}.png"))
        print(f"--- worker log ---\n{live_shop.log_path.read_text()[-4000:]}")
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
