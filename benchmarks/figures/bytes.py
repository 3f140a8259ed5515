"""3. Bytes on the wire to one client per answer vs the answer's size (4-char deltas)."""

from typing import Any

from benchmarks.context import Context, ctx_cookie, session_for
from benchmarks.drive import bare_streams, drive, errors, project_streams, question
from benchmarks.servers import BARE_APP
from benchmarks.stats import ratio, table

NAME = "bytes"
TITLE = "3. Bytes on the wire to one client per answer vs its size (project and bare)"


def redis_net_bytes(ctx: Context) -> int | None:
    if not ctx.redis_url:
        return None
    import redis

    info = redis.Redis.from_url(ctx.redis_url).info("stats")
    return int(info["total_net_input_bytes"]) + int(info["total_net_output_bytes"])


def _row(design: str, n: int, result: dict[str, Any], redis_bytes: int | None) -> dict[str, Any]:
    sock = result["sockets"][0]
    return {
        "design": design,
        "answer_bytes": sock["text_bytes"],
        "chunks": n,
        "frames": sock["chunk_frames"],
        "wire_bytes": sock["wire_bytes"],
        "chunk_wire_bytes": sock["chunk_wire_bytes"],
        "chunk_ratio": ratio(sock["chunk_wire_bytes"], sock["text_bytes"]),
        "naive_bytes": sock["naive_bytes"],
        "ratio": ratio(sock["wire_bytes"], sock["text_bytes"]),
        "naive_ratio": ratio(sock["naive_bytes"], sock["text_bytes"]),
        "redis_bytes": redis_bytes,
        "seconds": round(result["client_wall_seconds"], 2),
        "errors": errors(result),
    }


def run(ctx: Context) -> dict[str, Any]:
    sizes = [1000, 10000] if ctx.quick else [1000, 10000, 50000]
    rate = 2500
    rows = []
    server = ctx.server("project-bytes")
    try:
        ids = session_for(server).conversations(len(sizes))
        for size, cid in zip(sizes, ids, strict=True):
            n = size // 4
            before = redis_net_bytes(ctx)
            result = drive(
                kind="project",
                streams=project_streams(server, [cid]),
                question=question(n, rate, 4),
                origin=server.http,
                cookie=ctx_cookie(server),
                timeout=240,
            )
            after = redis_net_bytes(ctx)
            redis_bytes = (after - before) if before is not None and after is not None else None
            rows.append(_row("project", n, result, redis_bytes))
            ctx.log(f"bytes {size}: {rows[-1]}")
    finally:
        server.stop()
    bare = ctx.server("bare-bytes", app=BARE_APP)
    try:
        for forward in ("full", "delta"):
            for size in sizes:
                n = size // 4
                result = drive(
                    kind="bare",
                    streams=bare_streams(bare, 1),
                    question={"n": n, "rate": rate, "size": 4, "forward": forward},
                    origin=bare.http,
                    timeout=240,
                )
                rows.append(_row(f"bare ({forward})", n, result, None))
    finally:
        bare.stop()
    return {"rate": rate, "rows": rows}


def render(data: dict[str, Any]) -> str:
    return table(
        "3. Bytes on the wire to one client per answer (4-char deltas)",
        [
            "design",
            "answer B",
            "chunks",
            "frames",
            "chunk B",
            "chunk/answer",
            "all frames B",
            "all/answer",
            "naive B",
            "naive/answer",
            "redis B",
            "s",
        ],
        [
            [
                r["design"],
                r["answer_bytes"],
                r["chunks"],
                r["frames"],
                r["chunk_wire_bytes"],
                r["chunk_ratio"],
                r["wire_bytes"],
                r["ratio"],
                r["naive_bytes"],
                r["naive_ratio"],
                r["redis_bytes"],
                r["seconds"],
            ]
            for r in data["rows"]
        ],
    )
