"""The chat's fixtures (a fresh worker per test, visitors, sockets, the Bedrock emulator), and
METRICS_TOKEN set as an operator would."""

from typing import Any

import pytest

from tests.chat.conftest import (  # noqa: F401  (fixtures)
    bedrock,
    channel_layer_kind,
    connected,
    make_visitor,
    turns_on_another_worker,
    worker,
)
from tests.metrics.scrape import TOKEN


@pytest.fixture(autouse=True)
def metrics_token(settings: Any) -> str:
    settings.METRICS_TOKEN = TOKEN
    return TOKEN
