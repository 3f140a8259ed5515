"""11. CPU per delivered chunk on long answers: the project, bare Channels and Chainlit.

Each target is one process serving N streams of the same stamped deltas: the project
(daphne, Redis pub/sub layer, PostgreSQL, the stamped model), the bare Channels baseline
(same stack, no database, no model, offset/delta frames like the project's) and Chainlit
(uvicorn and Socket.IO, its own venv, skipped with a message where it is not installed). The
levels run in turn with every server up, the targets alternating at each level.
"""

from typing import Any

from benchmarks.context import Context, session_for
from benchmarks.drive import question
from benchmarks.load import run_load
from benchmarks.servers import BARE_APP, CHAINLIT_APP, Server, chainlit_missing
from benchmarks.stats import ratio, table

NAME = "peers"
TITLE = "11. CPU per delivered chunk on long answers: project, bare Channels, Chainlit"
TARGETS = ("project", "bare", "chainlit")


def run(ctx: Context) -> dict[str, Any]:
    levels = [5] if ctx.quick else [50, 200, 500]
    n, rate = (20, 20) if ctx.quick else (300, 20)
    skipped = chainlit_missing()
    servers: dict[str, Server] = {}
    rows: list[dict[str, Any]] = []
    try:
        servers["project"] = ctx.server("project")
        servers["bare"] = ctx.server("bare", app=BARE_APP)
        if skipped is None:
            try:
                servers["chainlit"] = ctx.server("chainlit", app=CHAINLIT_APP, kind="chainlit")
            except RuntimeError as exc:
                skipped = f"skipped: Chainlit did not start ({str(exc).splitlines()[0][:200]})"
        ids = session_for(servers["project"]).conversations(max(levels))
        for level in levels:
            for target, server in servers.items():
                spec: Any = question(n, rate)
                if target == "bare":
                    spec = {"n": n, "rate": rate, "forward": "delta"}
                rows += run_load(ctx, target, server, [level], spec, ids)
    finally:
        for server in servers.values():
            server.stop()
    for row in rows:
        row["expected_per_s"] = row["streams"] * rate
        row["expected_chunks"] = row["streams"] * n
    return {"chunks": n, "rate": rate, "rows": rows, "chainlit_skipped": skipped}


def render(data: dict[str, Any]) -> str:
    n, rate = data["chunks"], data["rate"]
    by = {(r["target"], r["streams"]): r for r in data["rows"]}
    levels = sorted({r["streams"] for r in data["rows"]})
    targets = [t for t in TARGETS if any(k[0] == t for k in by)]
    rows = []
    for level in levels:
        project = by.get(("project", level))
        for target in targets:
            row = by.get((target, level))
            if row is None:
                continue
            cpu = row["server_cpu_ms_per_chunk"]
            rows.append(
                [
                    level,
                    target,
                    row["n"],
                    row["expected_chunks"],
                    row["chunks_per_s"],
                    row["expected_per_s"],
                    ratio(row["chunks_per_s"], row["expected_per_s"]),
                    f"{cpu:.2f}",
                    ratio(project["server_cpu_ms_per_chunk"], cpu) if project else None,
                    row["p50"],
                    row["p99"],
                    ratio(project["p99"], row["p99"]) if project else None,
                    row["server_cpu_pct"],
                    ",".join(row["errors"]),
                ]
            )
    out = table(
        f"11. CPU per delivered chunk, one process each ({n} chunks/stream at {rate}/s)",
        [
            "streams",
            "target",
            "chunks",
            "expected",
            "chunks/s",
            "expected/s",
            "delivered ×",
            "cpu ms/chunk",
            "project÷ cpu",
            "p50 ms",
            "p99 ms",
            "project÷ p99",
            "cpu%",
            "errors",
        ],
        rows,
    )
    if data.get("chainlit_skipped"):
        out += f"\nChainlit: {data['chainlit_skipped']}"
    return out
