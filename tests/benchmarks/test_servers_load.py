"""Each benchmark server's application imports in a fresh process, as daphne loads it."""

import subprocess
import sys

import pytest

from tests.config.settings_probe import PROJECT_DIR, STRONG_SECRET_KEY, probe_env

PROJECT_PACKAGES = ("chat", "llm", "shop")


def load(module: str, settings_module: str, **env: str) -> subprocess.CompletedProcess[str]:
    code = (
        f"import importlib, sys\nimportlib.import_module({module!r})\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(PROJECT_PACKAGES)!r}))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env=probe_env(DJANGO_SETTINGS_MODULE=settings_module, **env),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_bare_baseline_loads_without_any_of_the_projects_apps():
    result = load("benchmarks.bare.asgi", "benchmarks.bare.settings")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("model", ["stamped", "project"])
def test_the_instrumented_project_app_loads(model, tmp_path):
    result = load(
        "benchmarks.stamped_asgi",
        "config.settings",
        BENCH_MODEL=model,
        SECRET_KEY=STRONG_SECRET_KEY,
        DEBUG="0",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    assert result.returncode == 0, result.stderr
