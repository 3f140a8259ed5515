"""6. Cross-worker: the turn runs on worker A, the reader is on worker B (Redis)."""

from typing import Any

from benchmarks.context import Context, session_for, share_session
from benchmarks.drive import question
from benchmarks.load import run_load
from benchmarks.servers import BARE_APP
from benchmarks.stats import ratio, table

NAME = "cross"
TITLE = "6. Cross-worker via Redis: turn on worker A, reader on worker B (project and bare)"


def run(ctx: Context) -> dict[str, Any]:
    if not (ctx.redis_url and ctx.database_url.startswith("postgres")):
        return {"skipped": "skipped: needs REDIS_URL and a PostgreSQL DATABASE_URL"}
    levels = [5] if ctx.quick else [50, 100, 200]
    n, rate = (20, 20) if ctx.quick else (100, 20)
    rows = []
    # One environment (one channel-layer prefix) for both workers of a pair.
    env = ctx.env()
    a, b = ctx.server("project-a", env=env), None
    try:
        b = ctx.server("project-b", env=env)
        ids = session_for(a).conversations(max(levels))
        share_session(b, like=a)
        rows += run_load(ctx, "project", a, levels, question(n, rate), ids, read_from=b)
    finally:
        a.stop()
        if b:
            b.stop()
    env = ctx.env()
    ba, bb = ctx.server("bare-a", app=BARE_APP, env=env), None
    try:
        bb = ctx.server("bare-b", app=BARE_APP, env=env)
        rows += run_load(
            ctx, "bare", ba, levels, {"n": n, "rate": rate, "forward": "full"}, read_from=bb
        )
    finally:
        ba.stop()
        if bb:
            bb.stop()
    return {"chunks": n, "rate": rate, "rows": rows}


def render(data: dict[str, Any]) -> str:
    if "skipped" in data:
        return f"\n## 6. Cross-worker\n{data['skipped']}"
    n, rate = data["chunks"], data["rate"]
    by = {(r["target"], r["streams"], r["role"]): r for r in data["rows"]}
    levels = [r["streams"] for r in data["rows"] if r["target"] == "project" and r["role"] == "ask"]
    return table(
        f"6. Cross-worker via Redis: reader on B, turn on A ({n} chunks at {rate}/s), ms",
        [
            "streams",
            "B p50",
            "B p99",
            "B max",
            "A p50",
            "A p99",
            "bare B p50",
            "bare B p99",
            "p50 ×",
            "p99 ×",
            "B chunks/s",
            "bare B chunks/s",
            "A+B ms/chunk",
            "bare A+B ms/chunk",
            "target",
            "errors",
        ],
        [
            [
                lv,
                by[("project", lv, "read")]["p50"],
                by[("project", lv, "read")]["p99"],
                by[("project", lv, "read")]["max"],
                by[("project", lv, "ask")]["p50"],
                by[("project", lv, "ask")]["p99"],
                by[("bare", lv, "read")]["p50"],
                by[("bare", lv, "read")]["p99"],
                ratio(by[("project", lv, "read")]["p50"], by[("bare", lv, "read")]["p50"]),
                ratio(by[("project", lv, "read")]["p99"], by[("bare", lv, "read")]["p99"]),
                by[("project", lv, "read")]["chunks_per_s"],
                by[("bare", lv, "read")]["chunks_per_s"],
                # Both workers' CPU over the chunks the reader on B received.
                f"{by[('project', lv, 'read')]['server_cpu_ms_per_chunk']:.2f}",
                f"{by[('bare', lv, 'read')]['server_cpu_ms_per_chunk']:.2f}",
                "p99<50 @100" if lv == 100 else "",
                ",".join(by[("project", lv, "read")]["errors"]),
            ]
            for lv in levels
        ],
    )
