"""The project's ASGI application with benchmark instruments around it.

- ``BENCH_MODEL=stamped`` (default) serves benchmarks.model.StampedChatModel: it registers
  the ``stamped`` provider (benchmarks/stamped_provider.py) and sets ``LLM_PROVIDER=stamped``
  before Django reads its settings; ``BENCH_MODEL=project`` keeps the configured provider.
- Every database query is counted (``connection_created`` installs an execute wrapper); with
  ``BENCH_QUERY_CALLERS=1`` also attributed to the innermost project function that ran it
  (a stack walk per query: ~13 % of the database thread's time in a turn-heavy load, so only
  the figures that report callers turn it on).
- Pauses are recorded: every garbage collection (generation, duration) and every event-loop
  stall (a 5 ms ticker that wakes late by more than 5 ms), so tail latency can be attributed.
- Every hop to the thread that runs the ORM (asgiref's ``SyncToAsync``, which channels'
  ``database_sync_to_async`` is) is counted.
- ``GET /__bench__/stats`` returns the counters, pauses, the process id and its RSS.
"""

import asyncio
import gc
import json
import os
import sys
import threading
import time
from collections import Counter
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _install_model() -> None:
    if os.environ.get("BENCH_MODEL", "stamped") != "stamped":
        return
    import benchmarks.stamped_provider  # noqa: F401  (registers the "stamped" provider)

    os.environ["LLM_PROVIDER"] = "stamped"


_install_model()

from config.asgi import application as project_application  # noqa: E402

_lock = threading.Lock()
QUERIES: Counter[str] = Counter()
CALLERS: Counter[str] = Counter()
_PROJECT_DIRS = ("/chat/", "/llm/", "/shop/")


def _caller() -> str:
    frame = sys._getframe(2)
    depth = 0
    while frame is not None and depth < 60:
        name = frame.f_code.co_filename
        if any(d in name for d in _PROJECT_DIRS) and "/site-packages/" not in name:
            module = frame.f_globals.get("__name__", "?")
            return f"{module}.{frame.f_code.co_name}"
        frame = frame.f_back
        depth += 1
    return "other"


_WITH_CALLERS = os.environ.get("BENCH_QUERY_CALLERS") == "1"


def _count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
    caller = _caller() if _WITH_CALLERS else ""
    with _lock:
        QUERIES[verb] += 1
        QUERIES["total"] += 1
        if caller:
            CALLERS[f"{caller} {verb}"] += 1
    return execute(sql, params, many, context)


def _install_db_counter() -> None:
    from django.db.backends.signals import connection_created

    def on_connect(sender: Any, connection: Any, **kwargs: Any) -> None:
        if _count not in connection.execute_wrappers:
            connection.execute_wrappers.append(_count)

    connection_created.connect(on_connect, weak=False)


def _install_hop_counter() -> None:
    from asgiref.sync import SyncToAsync

    run_in_thread = SyncToAsync.thread_handler

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            QUERIES["sync_hops"] += 1
        return run_in_thread(self, *args, **kwargs)

    SyncToAsync.thread_handler = counted  # type: ignore[method-assign]


GC_PAUSES: list[tuple[float, int, float]] = []  # (wall time, generation, ms)
LOOP_STALLS: list[tuple[float, float]] = []  # (wall time, ms late)
_gc_started = 0.0
_ticker: asyncio.Task[None] | None = None


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    global _gc_started
    if phase == "start":
        _gc_started = time.perf_counter()
    else:
        GC_PAUSES.append(
            (time.time(), info["generation"], 1000 * (time.perf_counter() - _gc_started))
        )


async def _tick() -> None:
    period = 0.005
    while True:
        before = time.perf_counter()
        await asyncio.sleep(period)
        late = 1000 * (time.perf_counter() - before - period)
        if late > 5:
            LOOP_STALLS.append((time.time(), round(late, 2)))


def _pauses() -> dict[str, Any]:
    by_gen: dict[str, Any] = {}
    for gen in (0, 1, 2):
        ms = [d for _, g, d in GC_PAUSES if g == gen]
        by_gen[str(gen)] = {
            "count": len(ms),
            "total_ms": round(sum(ms), 1),
            "max_ms": round(max(ms), 2) if ms else 0,
        }
    return {
        "gc": by_gen,
        "gc_over_5ms": [(round(t, 3), g, round(d, 1)) for t, g, d in GC_PAUSES if d > 5][-200:],
        "loop_stalls": LOOP_STALLS[-500:],
    }


def rss_kib() -> int:
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def stats() -> dict[str, Any]:
    with _lock:
        return {
            "pid": os.getpid(),
            "rss_kib": rss_kib(),
            "queries": dict(QUERIES),
            "callers": dict(CALLERS),
            "pauses": _pauses(),
        }


_install_db_counter()
_install_hop_counter()
gc.callbacks.append(_on_gc)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _ticker
    if _ticker is None:
        _ticker = asyncio.get_running_loop().create_task(_tick())
    if scope["type"] == "http" and scope["path"] == "/__bench__/stats":
        body = json.dumps(stats()).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})
        return
    await project_application(scope, receive, send)
