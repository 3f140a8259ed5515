"""7. Figure 1 with the Bedrock provider against the Bedrock Runtime emulator (devkit)."""

from typing import Any

from benchmarks.context import Context, session_for
from benchmarks.load import run_load
from benchmarks.stats import table

NAME = "bedrock"
TITLE = "7. Overhead per chunk with the Bedrock provider against the emulator"


def run(ctx: Context) -> dict[str, Any]:
    from benchmarks.emulator import StampingEmulator

    levels = [3] if ctx.quick else [50, 100, 200, 300]
    n, rate = (20, 20) if ctx.quick else (100, 20)
    rows: list[dict[str, Any]] = []
    with StampingEmulator(n=n, rate=rate) as emu:
        server = ctx.server(
            "project-bedrock",
            BENCH_MODEL="project",
            LLM_PROVIDER="bedrock",
            BEDROCK_ENDPOINT_URL=emu.url,
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_EC2_METADATA_DISABLED="true",
            AWS_REGION="us-east-1",
        )
        try:
            ids = session_for(server).conversations(max(levels))
            rows += run_load(ctx, "project-bedrock", server, levels, "Hello, please answer.", ids)
            peak = emu.peak_active_streams
        finally:
            server.stop()
    return {"chunks": n, "rate": rate, "rows": rows, "emulator_peak_streams": peak}


def render(data: dict[str, Any]) -> str:
    n, rate = data["chunks"], data["rate"]
    return table(
        f"7. Bedrock provider against the emulator ({n} chunks/stream at {rate}/s), ms",
        [
            "streams",
            "p50",
            "p99",
            "max",
            "stamps",
            "chunks/s",
            "srv ms/chunk",
            "srv cpu%",
            "errors",
        ],
        [
            [
                r["streams"],
                r["p50"],
                r["p99"],
                r["max"],
                r["n"],
                r["chunks_per_s"],
                r["server_cpu_ms_per_chunk"],
                r["server_cpu_pct"],
                ",".join(r["errors"]),
            ]
            for r in data["rows"]
        ],
    )
