"""Driving the workers: client processes (benchmarks.clients) over many WebSocket streams.

Pure mechanics, shared by every figure and benchmarks.profile: what the streams are, how they
are split over client processes, and the merged per-socket results.
"""

import contextlib
import json
import math
import select
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from benchmarks import servers
from benchmarks.servers import ROOT, Server

# One client process per this many streams keeps the clients' own CPU far from a core.
STREAMS_PER_CLIENT = 250


def drive(
    *,
    kind: str,
    streams: list[dict[str, Any]],
    question: Any,
    origin: str,
    cookie: str = "",
    timeout: float = 120.0,
    stagger: float = 0.0,
    rounds: int = 1,
    sequential: bool = False,
    hold: bool = False,
    compression: str | None = None,
    during: Callable[[], None] | None = None,
    before_go: Callable[[], None] | None = None,
    clients: int | None = None,
) -> dict[str, Any]:
    """Run streams split over client processes; merged per-socket results."""
    count = clients or max(1, math.ceil(len(streams) / STREAMS_PER_CLIENT))
    shares = [streams[i::count] for i in range(count)]
    procs = []
    for share in shares:
        spec = {
            "kind": kind,
            "streams": share,
            "question": question,
            "origin": origin,
            "cookie": cookie,
            "timeout": timeout,
            "stagger": stagger,
            "rounds": rounds,
            "sequential": sequential,
            "hold": hold,
            "compression": compression,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.clients"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        servers._children.append(proc)
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(spec) + "\n")
        proc.stdin.flush()
        procs.append(proc)
    try:
        deadline = time.monotonic() + 180
        for proc in procs:
            assert proc.stdout is not None
            ready, _, _ = select.select(
                [proc.stdout], [], [], max(0.1, deadline - time.monotonic())
            )
            line = proc.stdout.readline() if ready else ""
            if line.strip() != "READY":
                raise RuntimeError(f"client not ready: {line!r} (exit {proc.poll()})")
        if before_go is not None:
            before_go()
        if hold and during is not None:
            during()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("GO\n")
            proc.stdin.flush()
        out: list[dict[str, Any]] = []
        end = time.monotonic() + timeout + 60
        pending = list(procs)
        while pending and time.monotonic() < end:
            if during is not None and not hold:
                during()
            for proc in list(pending):
                assert proc.stdout is not None
                ready, _, _ = select.select([proc.stdout], [], [], 0.2)
                if ready:
                    line = proc.stdout.readline()
                    if not line:
                        raise RuntimeError(f"client exited {proc.wait(timeout=5)}")
                    out.append(json.loads(line))
                    pending.remove(proc)
        if pending:
            raise RuntimeError("clients did not finish in time")
    finally:
        for proc in procs:
            with contextlib.suppress(Exception):
                if proc.poll() is None:
                    proc.kill()
                proc.wait(timeout=5)
            with contextlib.suppress(ValueError):
                servers._children.remove(proc)
    merged: dict[str, Any] = {
        "sockets": [s for o in out for group in o["streams"] for s in group],
        "client_cpu_seconds": sum(o["cpu_seconds"] for o in out),
        "client_wall_seconds": max((o["wall_seconds"] for o in out), default=0.0),
        "connect_seconds": max((o["connect_seconds"] for o in out), default=0.0),
        "clients": count,
    }
    return merged


def overheads(result: dict[str, Any], role: str = "ask") -> list[float]:
    return [v for s in result["sockets"] if s["role"] == role for v in s["overheads_ms"]]


def errors(result: dict[str, Any]) -> list[str]:
    return sorted({s["error"] for s in result["sockets"] if s["error"]})


def project_streams(
    server: Server, ids: list[str], read_from: Server | None = None
) -> list[dict[str, Any]]:
    return [
        {
            "ask": f"{server.ws}/ws/chat/{cid}/",
            "read": [f"{read_from.ws}/ws/chat/{cid}/"] if read_from else [],
        }
        for cid in ids
    ]


def bare_streams(
    server: Server, count: int, read_from: Server | None = None
) -> list[dict[str, Any]]:
    out = []
    for _ in range(count):
        group = uuid.uuid4().hex
        out.append(
            {
                "ask": f"{server.ws}/ws/{group}/",
                "read": [f"{read_from.ws}/ws/{group}/"] if read_from else [],
            }
        )
    return out


def chainlit_streams(server: Server, count: int) -> list[dict[str, Any]]:
    """One Socket.IO connection per stream (Chainlit keeps a session per connection)."""
    url = f"{server.ws}/ws/socket.io/?EIO=4&transport=websocket"
    return [{"ask": url, "read": []} for _ in range(count)]


def question(n: int, rate: float, size: int = 0) -> str:
    """The project's stamped model reads its chunk count, pace and delta size from this."""
    return f"bench n={n} rate={rate} size={size}"
