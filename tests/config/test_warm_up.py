"""What a serving process does once at startup (config.warm_up, run by config.asgi)."""

import gc
import logging

import pytest

from config.warm_up import GC_THRESHOLDS, warm_up_worker


@pytest.fixture
def restore_gc() -> object:
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)


def test_importing_the_asgi_app_freezes_the_startup_heap(restore_gc: object) -> None:
    import config.asgi  # noqa: F401  (warms up on import)

    warm_up_worker()
    assert gc.get_threshold() == GC_THRESHOLDS
    # Everything alive at startup is out of the collector's way.
    assert gc.get_freeze_count() > 10_000
    assert len(gc.get_objects()) < gc.get_freeze_count()


def test_a_misconfigured_provider_does_not_stop_the_worker(
    settings: object, caplog: pytest.LogCaptureFixture, restore_gc: object
) -> None:
    settings.LLM_PROVIDER = "nonsense"  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, logger="config.warm_up"):
        warm_up_worker()
    assert "chat model could not be built at startup" in caplog.text
    assert gc.get_threshold() == GC_THRESHOLDS
