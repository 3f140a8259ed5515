"""Load config.settings in a fresh interpreter with exactly the environment a test chooses."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[2]
STRONG_SECRET_KEY = "probe-9f2c41d7e8b0a6c35f1e7d92b48a0c6e1f3d5b7a9c2e4f6a8b0d1c3e5f7a9b2"

# A developer's .env must not leak into what these tests assert about the environment.
_IGNORE_DOTENV = "import environ\nenviron.Env.read_env = classmethod(lambda cls, *a, **k: None)\n"


def probe_env(**variables: str) -> dict[str, str]:
    """A minimal environment: PATH, the settings module and the given variables only."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(PROJECT_DIR),
        **variables,
    }


def run_python(code: str, *, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _IGNORE_DOTENV + code],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_in_subprocess(*names: str, **variables: str) -> dict[str, Any]:
    """The named settings as JSON, loaded with DEBUG off and a strong key unless overridden."""
    env = probe_env(**{"DEBUG": "0", "SECRET_KEY": STRONG_SECRET_KEY, **variables})
    code = (
        "import json\n"
        "from django.conf import settings\n"
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))\n"
    )
    result = run_python(code, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def channel_layers_for(redis_url: str) -> dict[str, Any]:
    """CHANNEL_LAYERS exactly as config/settings.py builds it for this REDIS_URL."""
    return settings_in_subprocess("CHANNEL_LAYERS", REDIS_URL=redis_url)["CHANNEL_LAYERS"]
