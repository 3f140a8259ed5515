"""2. Added time to first chunk vs conversation history length."""

import subprocess
import sys
from typing import Any

from benchmarks.context import Context, ctx_cookie, session_for
from benchmarks.drive import drive, errors, project_streams, question
from benchmarks.servers import ROOT
from benchmarks.stats import summary, table

NAME = "ttfc"
TITLE = "2. Added time to first chunk vs conversation history length"


def run(ctx: Context) -> dict[str, Any]:
    histories = [0, 1000] if ctx.quick else [0, 100, 1000]
    convs, rounds = (2, 2) if ctx.quick else (10, 3)
    rate = 100.0
    model_delay_ms = 1000 / rate
    rows = []
    # The history frame of a 1000-message conversation (~460 KB) exceeds scripts/serve's
    # default 64 KiB WebSocket message limit, which daphne applies to what it sends too: the
    # socket is closed with 1011 (see docs/benchmarks.md). Raised here to measure the turn.
    ws_max = str(8 * 2**20)
    server = ctx.server("project-ttfc", WS_MAX_MESSAGE_BYTES=ws_max)
    try:
        for history in histories:
            ids = session_for(server).conversations(convs)
            if history:
                subprocess.run(
                    [sys.executable, "-m", "benchmarks.prefill", str(history), *ids],
                    cwd=ROOT,
                    env=server.env,
                    check=True,
                    timeout=300,
                )
            result = drive(
                kind="project",
                streams=project_streams(server, ids),
                question=question(3, rate),
                origin=server.http,
                cookie=ctx_cookie(server),
                rounds=rounds,
                sequential=True,
                timeout=120,
            )
            added = [
                s["first_chunk_s"] * 1000 - model_delay_ms
                for s in result["sockets"]
                if s["role"] == "ask" and s["first_chunk_s"] is not None
            ]
            rows.append(
                {
                    "history": history,
                    **summary(added),
                    "errors": errors(result),
                    "connect_seconds_all": round(result["connect_seconds"], 2),
                }
            )
            ctx.log(f"ttfc history {history}: {rows[-1]}")
    finally:
        server.stop()
    return {"model_delay_ms": model_delay_ms, "ws_max_message_bytes": ws_max, "rows": rows}


def render(data: dict[str, Any]) -> str:
    return table(
        f"2. Added time to first chunk (sent -> first chunk frame, minus the model's "
        f"{data['model_delay_ms']:.0f} ms), ms",
        ["history msgs", "samples", "p50", "p99", "max", "target p99", "errors"],
        [
            [
                r["history"],
                r["n"],
                r["p50"],
                r["p99"],
                r["max"],
                "< 50 (1000 msgs)",
                ",".join(r["errors"]),
            ]
            for r in data["rows"]
        ],
    )
