"""One load at a time against a worker: per-chunk overheads, CPU and pauses, one row each."""

import time
from typing import Any

from benchmarks.context import Context, ctx_cookie
from benchmarks.drive import (
    bare_streams,
    chainlit_streams,
    drive,
    errors,
    overheads,
    project_streams,
)
from benchmarks.servers import STAMPED_APP, Server
from benchmarks.stats import fmt, summary


def load_row(
    target: str, streams: int, result: dict[str, Any], server: Server, cpu: float, role: str = "ask"
) -> dict[str, Any]:
    values = overheads(result, role)
    expected = sum(1 for s in result["sockets"] if s["role"] == role)
    wall = result["client_wall_seconds"] or 1
    return {
        "target": target,
        "streams": streams,
        "role": role,
        **summary(values),
        "sockets": expected,
        "errors": errors(result),
        "server_cpu_pct": round(100 * cpu / wall, 1),
        "server_cpu_ms_per_chunk": round(1000 * cpu / max(len(values), 1), 3),
        "chunks_per_s": round(len(values) / wall),
        "client_cpu_pct": round(100 * result["client_cpu_seconds"] / wall, 1),
        "clients": result["clients"],
        "seconds": round(wall, 2),
    }


def pauses_of(servers_: list[Server]) -> list[dict[str, Any]] | None:
    """Each project worker's collector and loop-stall record (benchmarks.stamped_asgi)."""
    if any(server.app != STAMPED_APP for server in servers_):
        return None
    return [server.stats()["pauses"] for server in servers_]


def pause_figures(
    before: list[dict[str, Any]] | None, after: list[dict[str, Any]] | None, since: float
) -> dict[str, Any]:
    """What paused the workers' event loops during one load: collections and stalls."""
    if before is None or after is None:
        return {}
    gc_ms = full = 0.0
    gc_max = stall_max = 0.0
    for old, new in zip(before, after, strict=True):
        for gen in ("0", "1", "2"):
            gc_ms += new["gc"][gen]["total_ms"] - old["gc"][gen]["total_ms"]
        full += new["gc"]["2"]["count"] - old["gc"]["2"]["count"]
        gc_max = max([gc_max, *(ms for t, _, ms in new["gc_over_5ms"] if t >= since)])
        stall_max = max([stall_max, *(ms for t, ms in new["loop_stalls"] if t >= since)])
    return {
        "gc_ms": round(gc_ms, 1),
        "full_gcs": int(full),
        "gc_max_ms": round(gc_max, 1),
        "loop_stall_max_ms": round(stall_max, 1),
    }


def run_load(
    ctx: Context,
    target: str,
    server: Server,
    levels: list[int],
    question: Any,
    ids: list[str] | None = None,
    read_from: Server | None = None,
    stagger: float | None = None,
) -> list[dict[str, Any]]:
    """One row per level (and per role with a reader on ``read_from``), levels in turn."""
    rows = []
    if stagger is None:
        stagger = 0.2 if ctx.quick else 1.0
    for level in levels:
        if target.startswith("bare"):
            streams = bare_streams(server, level, read_from)
            kind, cookie = "bare", ""
        elif target.startswith("chainlit"):
            streams = chainlit_streams(server, level)
            kind, cookie = "chainlit", ""
        else:
            assert ids is not None
            streams = project_streams(server, ids[:level], read_from)
            kind, cookie = "project", ctx_cookie(server)
        watched = [server, read_from] if read_from else [server]
        pauses0, go = pauses_of(watched), {"at": time.time()}
        cpu0 = server.cpu_seconds() + (read_from.cpu_seconds() if read_from else 0)
        result = drive(
            kind=kind,
            streams=streams,
            question=question,
            origin=server.http,
            cookie=cookie,
            stagger=stagger,
            timeout=120,
            before_go=lambda go=go: go.update(at=time.time()),
        )
        cpu = server.cpu_seconds() + (read_from.cpu_seconds() if read_from else 0) - cpu0
        # Pauses while the answers stream (connecting the sockets is not what is measured).
        pauses = pause_figures(pauses0, pauses_of(watched), go["at"])
        roles = ["ask", "read"] if read_from else ["ask"]
        for role in roles:
            row = load_row(target, level, result, server, cpu, role) | pauses
            rows.append(row)
            ctx.log(
                f"{target} {level} streams ({role}): p50 {fmt(row['p50'])} p99 {fmt(row['p99'])} "
                f"max {fmt(row['max'])} ms, {row['n']} stamps, "
                f"server cpu {row['server_cpu_pct']}%, client cpu {row['client_cpu_pct']}% "
                + (
                    f"gc {row['gc_ms']} ms (max {row['gc_max_ms']}, {row['full_gcs']} full), "
                    f"max loop stall {row['loop_stall_max_ms']} ms "
                    if pauses
                    else ""
                )
                + f"{row['errors'] or ''}"
            )
        time.sleep(0.1 if ctx.quick else 0.5)
    return rows
