"""What a serving process does once at startup (config.warm_up, run by config.asgi)."""

import gc
import json
import logging

import pytest

from config.warm_up import GC_THRESHOLDS, warm_up_worker
from tests.config.settings_probe import STRONG_SECRET_KEY, probe_env, run_python


@pytest.fixture
def restore_gc() -> object:
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)


def test_importing_the_asgi_app_freezes_the_startup_heap(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A fresh process: here config.asgi was imported long ago and the thresholds reset since.
    result = run_python(
        "import gc, json\nimport config.asgi\n"
        "print(json.dumps([gc.get_threshold(), gc.get_freeze_count(), len(gc.get_objects())]))\n",
        env=probe_env(
            DEBUG="1",
            SECRET_KEY=STRONG_SECRET_KEY,
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ),
    )
    assert result.returncode == 0, result.stderr
    thresholds, frozen, alive = json.loads(result.stdout.strip().splitlines()[-1])

    assert tuple(thresholds) == GC_THRESHOLDS
    # Everything alive at startup is out of the collector's way.
    assert frozen > 10_000
    assert alive < frozen


def test_a_misconfigured_provider_does_not_stop_the_worker(
    settings: object, caplog: pytest.LogCaptureFixture, restore_gc: object
) -> None:
    settings.LLM_PROVIDER = "nonsense"  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, logger="config.warm_up"):
        warm_up_worker()
    assert "chat model could not be built at startup" in caplog.text
    assert gc.get_threshold() == GC_THRESHOLDS
