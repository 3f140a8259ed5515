"""`scripts/cluster N` (what `make cluster N=2` runs): N workers on consecutive ports."""

import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest
from django.db import connection

from tests import services
from tests.cluster.workers import ROOT, database_url, worker_env

SCRIPT = str(ROOT / "scripts" / "cluster")


def two_free_ports() -> int:
    """A first port whose next one is free too."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise RuntimeError("no two consecutive free ports")


def healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.timeout(120)
def test_starts_n_workers_on_consecutive_ports_and_stops_them_on_sigterm(
    transactional_db, tmp_path: Path
) -> None:
    services.need("postgres")
    services.need("redis")
    port = two_free_ports()
    env = worker_env(
        database=database_url(connection.settings_dict),
        redis=services.REDIS_URL,
        prefix=f"cluster{uuid.uuid4().hex[:8]}",
        PORT=str(port),
        CLUSTER_LOG_DIR=str(tmp_path),
    )
    proc = subprocess.Popen(
        [SCRIPT, "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (healthy(port) and healthy(port + 1)):
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "workers not healthy in 60 s"
            time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output
    assert f"worker {port}: http://127.0.0.1:{port}/" in output
    assert f"cluster: worker {port + 1} exited with status 0" in output
    assert not healthy(port) and not healthy(port + 1)
    assert (tmp_path / f"worker-{port}.log").exists()


def test_refuses_to_start_workers_that_could_not_see_each_other() -> None:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": "postgres://u@h/db"}
    result = subprocess.run([SCRIPT, "2"], env=env, capture_output=True, text=True, timeout=10)
    assert result.returncode == 2
    assert "REDIS_URL is not set" in result.stderr
    env |= {"REDIS_URL": "redis://h:6379/0", "DATABASE_URL": "sqlite:///x.db"}
    result = subprocess.run([SCRIPT, "2"], env=env, capture_output=True, text=True, timeout=10)
    assert result.returncode == 2
    assert "use PostgreSQL" in result.stderr
