"""10. Many visitors at once across two workers: each asks three questions in a row on worker
A and reads the answers on worker B, all visitors at the same moment."""

from typing import Any

from benchmarks.context import Context, ctx_cookie, session_for, share_session
from benchmarks.drive import bare_streams, drive, errors, project_streams, question
from benchmarks.servers import BARE_APP
from benchmarks.stats import ratio, summary, table

NAME = "visitors"
TITLE = "10. Visitors x 3 turns across two workers: sent -> first chunk on the other worker"

# Short answers, as in figure 9: what is measured is the turn around them.
CHUNKS, RATE, TURNS = 3, 100.0, 3


def _visit(ctx: Context, target: str, visitors: int) -> dict[str, Any]:
    env = ctx.env()
    app = {"app": BARE_APP} if target == "bare" else {}
    a, b = ctx.server(f"{target}-a", env=env, **app), None
    try:
        b = ctx.server(f"{target}-b", env=env, **app)
        if target == "bare":
            streams = bare_streams(a, visitors, read_from=b)
            kind, cookie, ask = "bare", "", {"n": CHUNKS, "rate": RATE}
        else:
            ids = session_for(a).conversations(visitors)
            share_session(b, like=a)
            streams = project_streams(a, ids, read_from=b)
            kind, cookie, ask = "project", ctx_cookie(a), question(CHUNKS, RATE)
        result = drive(
            kind=kind,
            streams=streams,
            question=ask,
            origin=a.http,
            cookie=cookie,
            rounds=TURNS,
            timeout=240,
        )
    finally:
        a.stop()
        if b:
            b.stop()
    read = [s for s in result["sockets"] if s["role"] == "read"]
    firsts = [s["first_chunk_s"] * 1000 for s in read if s["first_chunk_s"] is not None]
    return {
        "target": target,
        "visitors": visitors,
        "turns": visitors * TURNS,
        **summary(firsts),
        # A turn whose reader saw no chunk, or an answer it rebuilt empty: lost on the way.
        "missing": visitors * TURNS - len(firsts),
        "empty": sum(1 for s in read if s["text_chars"] == 0),
        "errors": errors(result),
    }


def run(ctx: Context) -> dict[str, Any]:
    if not (ctx.redis_url and ctx.database_url.startswith("postgres")):
        return {"skipped": "skipped: needs REDIS_URL and a PostgreSQL DATABASE_URL"}
    levels = [20] if ctx.quick else [100, 300]
    rows = []
    for visitors in levels:
        for target in ("bare", "project"):
            row = _visit(ctx, target, visitors)
            ctx.log(f"visitors {target} {visitors}: {row}")
            rows.append(row)
    return {"chunks": CHUNKS, "rate": RATE, "turns_each": TURNS, "rows": rows}


def render(data: dict[str, Any]) -> str:
    if "skipped" in data:
        return f"\n## 10. Visitors across two workers\n{data['skipped']}"
    bare = {r["visitors"]: r for r in data["rows"] if r["target"] == "bare"}
    rows = []
    for row in data["rows"]:
        if row["target"] != "project":
            continue
        base = bare.get(row["visitors"], {})
        rows.append(
            [
                row["visitors"],
                row["turns"],
                row["p50"],
                row["p99"],
                row["max"],
                base.get("p50"),
                base.get("p99"),
                ratio(row["p99"], base.get("p99")),
                "≤ 2000" if row["visitors"] == 300 else "",
                row["missing"],
                row["empty"],
                ",".join(row["errors"]),
            ]
        )
    return table(
        f"10. Visitors x {data['turns_each']} turns in a row, asked on worker A, read on B "
        f"({data['chunks']} chunks at {data['rate']:.0f}/s): sent -> first chunk on B, ms",
        [
            "visitors",
            "turns",
            "p50",
            "p99",
            "max",
            "bare p50",
            "bare p99",
            "p99 ×bare",
            "target p99",
            "missing",
            "empty",
            "errors",
        ],
        rows,
    )
