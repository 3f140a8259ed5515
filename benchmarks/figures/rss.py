"""5. Worker RSS idle, with idle open sockets, and while streaming."""

import re
import time
from typing import Any

from benchmarks.context import Context, ctx_cookie, session_for
from benchmarks.drive import bare_streams, drive, project_streams, question
from benchmarks.servers import BARE_APP, STAMPED_APP
from benchmarks.stats import table

NAME = "rss"
TITLE = "5. Worker RSS: idle, with idle open sockets, while streaming (project and bare)"


def run(ctx: Context) -> dict[str, Any]:
    idle_n, stream_n = (10, 5) if ctx.quick else (500, 200)
    out: dict[str, Any] = {}
    for target, app in (("project", STAMPED_APP), ("bare", BARE_APP)):
        server = ctx.server(f"{target}-rss", app=app)
        try:
            if target == "project":
                ids = session_for(server).conversations(idle_n)
                streams, kind, cookie = project_streams(server, ids), "project", ctx_cookie(server)
            else:
                streams, kind, cookie = bare_streams(server, idle_n), "bare", ""
            time.sleep(0.2 if ctx.quick else 1)
            row = {"idle_kib": server.rss_kib()}
            samples: list[int] = []
            drive(
                kind=kind,
                streams=streams,
                question="",
                origin=server.http,
                cookie=cookie,
                hold=True,
                during=lambda s=server, acc=samples: acc.append(s.rss_kib()),
                timeout=30,
            )
            row[f"idle_{idle_n}_sockets_kib"] = samples[-1] if samples else None
            peak: list[int] = []
            q = question(100, 20) if target == "project" else {"n": 100, "rate": 20}
            drive(
                kind=kind,
                streams=streams[:stream_n],
                question=q,
                origin=server.http,
                cookie=cookie,
                stagger=0.2 if ctx.quick else 1.0,
                during=lambda s=server, acc=peak: acc.append(s.rss_kib()),
                timeout=120,
            )
            row[f"streaming_{stream_n}_peak_kib"] = max(peak) if peak else None
            row["after_kib"] = server.rss_kib()
            out[target] = row
            ctx.log(f"rss {target}: {row}")
        finally:
            server.stop()
    return out


def _counts(row: dict[str, Any]) -> tuple[int, int]:
    """The socket counts a saved row was measured with, read back from its key names."""
    keys = " ".join(row)
    idle = re.search(r"\bidle_(\d+)_sockets_kib\b", keys)
    streaming = re.search(r"\bstreaming_(\d+)_peak_kib\b", keys)
    assert idle and streaming, f"not a figure 5 row: {sorted(row)}"
    return int(idle[1]), int(streaming[1])


def render(data: dict[str, Any]) -> str:
    idle_n, stream_n = _counts(next(iter(data.values())))
    return table(
        "5. Worker RSS (VmRSS), MiB",
        ["app", "idle", f"{idle_n} idle sockets", f"{stream_n} streaming (peak)", "after"],
        [
            [
                t,
                r["idle_kib"] / 1024,
                (r[f"idle_{idle_n}_sockets_kib"] or 0) / 1024,
                (r[f"streaming_{stream_n}_peak_kib"] or 0) / 1024,
                r["after_kib"] / 1024,
            ]
            for t, r in data.items()
        ],
    )
