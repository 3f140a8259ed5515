"""1. Per-chunk overhead (model yield -> client receive) vs concurrent streams, one worker.

The levels the targets name run three times, alternating project and baseline, and the
table shows medians: single runs on a shared machine disagree widely (docs/benchmarks.md).
"""

from typing import Any

from benchmarks.context import Context, session_for
from benchmarks.drive import question
from benchmarks.load import run_load
from benchmarks.servers import BARE_APP
from benchmarks.stats import median_row, ratio, table

NAME = "overhead"
TITLE = "1. Overhead per chunk vs concurrent streams, one worker (project and bare)"


def run(ctx: Context) -> dict[str, Any]:
    levels = [1, 5] if ctx.quick else [1, 50, 100, 200, 500]
    repeats = {} if ctx.quick else {50: 3, 100: 3, 200: 3}
    n, rate = (20, 20) if ctx.quick else (100, 20)
    runs: list[dict[str, Any]] = []
    server = ctx.server("project")
    bare = None
    try:
        bare = ctx.server("bare", app=BARE_APP)
        ids = session_for(server).conversations(max(levels))
        for level in levels:
            for _ in range(repeats.get(level, 1)):
                runs += run_load(ctx, "project", server, [level], question(n, rate), ids)
                runs += run_load(
                    ctx, "bare", bare, [level], {"n": n, "rate": rate, "forward": "full"}
                )
    finally:
        server.stop()
        if bare is not None:
            bare.stop()
    rows = [
        median_row([r for r in runs if r["target"] == target and r["streams"] == level])
        for target in ("project", "bare")
        for level in levels
    ]
    return {"chunks": n, "rate": rate, "rows": rows, "runs": runs}


def render(data: dict[str, Any]) -> str:
    n, rate = data["chunks"], data["rate"]
    by = {(r["target"], r["streams"]): r for r in data["rows"]}
    levels = [r["streams"] for r in data["rows"] if r["target"] == "project"]
    return table(
        f"1. Overhead per chunk, one worker ({n} chunks/stream at {rate}/s), ms",
        [
            "streams",
            "p50",
            "p99",
            "max",
            "bare p50",
            "bare p99",
            "bare max",
            "p50 ×",
            "p99 ×",
            "p99 runs",
            "bare p99 runs",
            "chunks/s",
            "bare chunks/s",
            "srv ms/chunk",
            "bare ms/chunk",
            "srv cpu%",
            "cli cpu%",
            "gc ms",
            "gc max",
            "full gcs",
            "stall max",
            "errors",
        ],
        [
            [
                lv,
                by[("project", lv)]["p50"],
                by[("project", lv)]["p99"],
                by[("project", lv)]["max"],
                by[("bare", lv)]["p50"],
                by[("bare", lv)]["p99"],
                by[("bare", lv)]["max"],
                ratio(by[("project", lv)]["p50"], by[("bare", lv)]["p50"]),
                ratio(by[("project", lv)]["p99"], by[("bare", lv)]["p99"]),
                "/".join(f"{v:.1f}" for v in by[("project", lv)].get("p99_runs", [])),
                "/".join(f"{v:.1f}" for v in by[("bare", lv)].get("p99_runs", [])),
                by[("project", lv)]["chunks_per_s"],
                by[("bare", lv)]["chunks_per_s"],
                by[("project", lv)]["server_cpu_ms_per_chunk"],
                by[("bare", lv)]["server_cpu_ms_per_chunk"],
                by[("project", lv)]["server_cpu_pct"],
                by[("project", lv)]["client_cpu_pct"],
                by[("project", lv)].get("gc_ms"),
                by[("project", lv)].get("gc_max_ms"),
                by[("project", lv)].get("full_gcs"),
                by[("project", lv)].get("loop_stall_max_ms"),
                ",".join(by[("project", lv)]["errors"] + by[("bare", lv)]["errors"]) or "",
            ]
            for lv in levels
        ],
    )
