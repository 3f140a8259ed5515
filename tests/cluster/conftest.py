import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests import services
from tests.cluster.workers import Worker, database_url, free_port, worker_env


@pytest.fixture
def start_workers(
    transactional_db, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., list[Worker]]]:
    """Start N daphne workers sharing the test database and a Redis prefix of their own."""
    services.need("postgres")
    services.need("redis")
    prefix = f"cluster{uuid.uuid4().hex[:8]}"
    started: list[Worker] = []

    def start(count: int = 2, **extra: str) -> list[Worker]:
        env = worker_env(
            database=database_url(connection.settings_dict),
            redis=services.REDIS_URL,
            prefix=prefix,
            **extra,
        )
        new = [
            Worker(port=free_port(), env=env, log_path=tmp_path / f"worker{len(started) + i}.log")
            for i in range(count)
        ]
        started.extend(new)
        for worker in new:
            worker.start()
        return new

    yield start
    for worker in started:
        worker.stop()
    failed = request.node.stash.get(_failed_key, False)
    if failed:
        for worker in started:
            print(f"--- {worker.log_path.name} ---\n{worker.log_path.read_text()[-60000:]}")


_failed_key = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_failed_key] = True
    return report
