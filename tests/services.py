"""Which real services this test run has, and the rule for tests that need one.

On a laptop without PostgreSQL or Redis the tests that need them are skipped with a reason;
with REQUIRE_SERVICES=1 (CI) such a skip is a failure instead.
"""

import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") in {"1", "true", "yes"}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


HAS_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://")) and _reachable(
    DATABASE_URL, 5432
)
HAS_REDIS = bool(REDIS_URL) and _reachable(REDIS_URL, 6379)
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or ""
HAS_BROWSER = bool(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)
# axe-core for the browser tests' accessibility checks: installed from package-lock.json.
AXE_PATH = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
HAS_AXE = AXE_PATH.is_file()


def need(service: str) -> None:
    """Skip (or fail under REQUIRE_SERVICES=1) unless `service` is configured and reachable."""
    available = {
        "postgres": HAS_POSTGRES,
        "redis": HAS_REDIS,
        "browser": HAS_BROWSER,
        "axe": HAS_AXE,
    }[service]
    if available:
        return
    server = "to a reachable server"
    reason = {
        "postgres": f"needs postgres: set DATABASE_URL=postgres://... {server}",
        "redis": f"needs redis: set REDIS_URL=redis://... {server}",
        "browser": f"needs browser: set CHROMIUM_PATH (apt-get install chromium) {server}",
        "axe": "needs axe-core: run `npm ci` in the project directory (make test does)",
    }[service]
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
    pytest.skip(reason)
