"""7. Figure 1 with the Bedrock provider against the Bedrock Runtime emulator (devkit), beside
the offline (stamped) path at the same load, both workers up and alternating per level."""

import os
from typing import Any

from benchmarks.context import Context, session_for
from benchmarks.drive import question
from benchmarks.load import run_load
from benchmarks.stats import ratio, table

NAME = "bedrock"
TITLE = "7. Overhead per chunk with the Bedrock provider against the emulator"

BEDROCK_ENV = {
    "BENCH_MODEL": "project",
    "LLM_PROVIDER": "bedrock",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_REGION": "us-east-1",
}


def run(ctx: Context) -> dict[str, Any]:
    from benchmarks.emulator import StampingEmulator

    levels = [3] if ctx.quick else [50, 100, 200]
    n, rate = (20, 20) if ctx.quick else (100, 20)
    rows: list[dict[str, Any]] = []
    offline_rows: list[dict[str, Any]] = []
    extra_rows: dict[str, list[dict[str, Any]]] = {}
    with StampingEmulator(n=n, rate=rate) as emu:
        bedrock = ctx.server("project-bedrock", **BEDROCK_ENV, BEDROCK_ENDPOINT_URL=emu.url)
        offline = ctx.server("project-offline")
        others = {
            name: ctx.server(name, **BEDROCK_ENV, BEDROCK_ENDPOINT_URL=emu.url, **env)
            for name, env in variants().items()
        }
        try:
            ids = session_for(bedrock).conversations(max(levels))
            offline_ids = session_for(offline).conversations(max(levels))
            other_ids = {
                name: session_for(s).conversations(max(levels)) for name, s in others.items()
            }
            for level in levels:
                rows += run_load(ctx, "project-bedrock", bedrock, [level], "Hello.", ids)
                offline_rows += run_load(
                    ctx, "project-offline", offline, [level], question(n, rate), offline_ids
                )
                for name, server in others.items():
                    extra_rows.setdefault(name, []).extend(
                        run_load(ctx, name, server, [level], "Hello.", other_ids[name])
                    )
            peak = emu.peak_active_streams
        finally:
            for server in (bedrock, offline, *others.values()):
                server.stop()
    data = {
        "chunks": n,
        "rate": rate,
        "rows": rows,
        "offline_rows": offline_rows,
        "emulator_peak_streams": peak,
    }
    if extra_rows:
        data["variants"] = extra_rows
    return data


def variants() -> dict[str, dict[str, str]]:
    """Other Bedrock workers to run beside the default one, for comparing settings within one
    run: BENCH_BEDROCK_VARIANTS="name:VAR=value,VAR2=value;name2:..." (docs/benchmarks.md)."""
    out: dict[str, dict[str, str]] = {}
    for item in filter(None, os.environ.get("BENCH_BEDROCK_VARIANTS", "").split(";")):
        name, _, assignments = item.partition(":")
        out[f"bedrock-{name}"] = dict(a.split("=", 1) for a in assignments.split(",") if a)
    return out


def render(data: dict[str, Any]) -> str:
    n, rate = data["chunks"], data["rate"]
    offline = {r["streams"]: r for r in data.get("offline_rows", [])}
    rows = [("bedrock", r) for r in data["rows"]]
    for name, extra in data.get("variants", {}).items():
        rows += [(name, r) for r in extra]
    rows += [("offline", r) for r in data.get("offline_rows", [])]
    return table(
        f"7. Bedrock provider against the emulator ({n} chunks/stream at {rate}/s), beside the "
        "offline path at the same load, ms",
        [
            "target",
            "streams",
            "p50",
            "p99",
            "max",
            "stamps",
            "chunks/s",
            "srv ms/chunk",
            "srv cpu%",
            "p99 ×offline",
            "ms/chunk ×offline",
            "errors",
        ],
        [
            [
                target,
                r["streams"],
                r["p50"],
                r["p99"],
                r["max"],
                r["n"],
                r["chunks_per_s"],
                r["server_cpu_ms_per_chunk"],
                r["server_cpu_pct"],
                ratio(r["p99"], offline.get(r["streams"], {}).get("p99"))
                if target != "offline"
                else "",
                ratio(
                    r["server_cpu_ms_per_chunk"],
                    offline.get(r["streams"], {}).get("server_cpu_ms_per_chunk"),
                )
                if target != "offline"
                else "",
                ",".join(r["errors"]),
            ]
            for target, r in rows
        ],
    )
