"""8. daphne vs uvicorn (--ws websockets) serving the same application."""

from typing import Any

from benchmarks.context import Context, ctx_cookie, session_for
from benchmarks.drive import drive, errors, project_streams, question
from benchmarks.load import run_load
from benchmarks.stats import ratio, table

NAME = "uvicorn"
TITLE = "8. daphne vs uvicorn serving the same application; permessage-deflate bytes"


def run(ctx: Context) -> dict[str, Any]:
    levels = [5] if ctx.quick else [50, 200]
    n, rate = (20, 20) if ctx.quick else (100, 20)
    rows = []
    # Plus one 50 KB answer (4-char deltas) with permessage-deflate offered by the client:
    # daphne does not negotiate it; uvicorn's websockets implementation does.
    size = 10000 if ctx.quick else 50000
    deflate = []
    for kind in ("daphne", "uvicorn"):
        server = ctx.server(f"project-{kind}", kind=kind)
        try:
            ids = session_for(server).conversations(max(levels) + 1)
            rows += run_load(ctx, kind, server, levels, question(n, rate), ids[1:])
            result = drive(
                kind="project",
                streams=project_streams(server, ids[:1]),
                question=question(size // 4, 2500, 4),
                origin=server.http,
                cookie=ctx_cookie(server),
                compression="deflate",
                timeout=240,
            )
            sock = result["sockets"][0]
            deflate.append(
                {
                    "server": kind,
                    "answer_bytes": sock["text_bytes"],
                    "wire_bytes": sock["wire_bytes"],
                    "ratio": ratio(sock["wire_bytes"], sock["text_bytes"]),
                    "errors": errors(result),
                }
            )
        finally:
            server.stop()
    return {"chunks": n, "rate": rate, "rows": rows, "deflate_bytes": deflate}


def render(data: dict[str, Any]) -> str:
    n, rate = data["chunks"], data["rate"]
    deflate = table(
        "8b. One answer, 4-char deltas, client offers permessage-deflate",
        ["server", "answer B", "wire B (all frames)", "wire/answer"],
        [
            [d["server"], d["answer_bytes"], d["wire_bytes"], d["ratio"]]
            for d in data["deflate_bytes"]
        ],
    )
    by = {(r["target"], r["streams"]): r for r in data["rows"]}
    levels = [r["streams"] for r in data["rows"] if r["target"] == "daphne"]
    latency = table(
        f"8. daphne vs uvicorn, same app ({n} chunks/stream at {rate}/s), ms",
        [
            "streams",
            "daphne p50",
            "daphne p99",
            "uvicorn p50",
            "uvicorn p99",
            "daphne cpu%",
            "uvicorn cpu%",
        ],
        [
            [
                lv,
                by[("daphne", lv)]["p50"],
                by[("daphne", lv)]["p99"],
                by[("uvicorn", lv)]["p50"],
                by[("uvicorn", lv)]["p99"],
                by[("daphne", lv)]["server_cpu_pct"],
                by[("uvicorn", lv)]["server_cpu_pct"],
            ]
            for lv in levels
        ],
    )
    return deflate + "\n" + latency
