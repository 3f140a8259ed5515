"""9. What a question costs before and around its words: CPU, statements, hops, bursts."""

import time
from typing import Any

from benchmarks.context import Context, ctx_cookie, session_for
from benchmarks.drive import bare_streams, drive, errors, project_streams, question
from benchmarks.figures.bedrock import BEDROCK_ENV, variants
from benchmarks.servers import BARE_APP, Server
from benchmarks.stats import ratio, summary, table

NAME = "turn"
TITLE = "9. A turn's fixed cost: worker CPU, statements and ORM hops per turn; bursts"

# A short answer: three deltas, 10 ms apart, so the turn's own work dominates.
CHUNKS, RATE = 3, 100.0


def _counters(server: Server) -> tuple[float, int, int]:
    if server.app == BARE_APP:
        return server.cpu_seconds(), 0, 0
    queries = server.stats()["queries"]
    return server.cpu_seconds(), queries.get("total", 0), queries.get("sync_hops", 0)


def _streams(server: Server, count: int) -> tuple[list[dict[str, Any]], str, str, Any]:
    """Streams of fresh conversations (bare: fresh groups), the kind, cookie and question."""
    if server.app == BARE_APP:
        return bare_streams(server, count), "bare", "", {"n": CHUNKS, "rate": RATE}
    ids = session_for(server).conversations(count)
    return project_streams(server, ids), "project", ctx_cookie(server), question(CHUNKS, RATE)


def sequential(ctx: Context, server: Server, turns: int) -> dict[str, Any]:
    """Turns one after another: the worker's CPU, statements and hops, per turn."""
    convs = 10 if turns >= 10 else 1
    streams, kind, cookie, ask = _streams(server, convs)
    before: dict[str, Any] = {}
    result = drive(
        kind=kind,
        streams=streams,
        question=ask,
        origin=server.http,
        cookie=cookie,
        rounds=turns // convs,
        sequential=True,
        timeout=300,
        before_go=lambda: before.update(at=_counters(server)),
    )
    # The claim is released after turn_ended reaches the client.
    time.sleep(0.5)
    cpu, statements, hops = (b - a for a, b in zip(before["at"], _counters(server), strict=True))
    done = sum(1 for s in result["sockets"] if s["first_chunk_s"] is not None)
    return {
        "turns": done,
        "cpu_ms_per_turn": round(1000 * cpu / max(done, 1), 2),
        "statements_per_turn": round(statements / max(done, 1), 2),
        "hops_per_turn": round(hops / max(done, 1), 2),
        "errors": errors(result),
    }


def burst(ctx: Context, server: Server, count: int) -> dict[str, Any]:
    """`count` questions sent at the same moment: time to each one's first chunk."""
    streams, kind, cookie, ask = _streams(server, count)
    result = drive(
        kind=kind, streams=streams, question=ask, origin=server.http, cookie=cookie, timeout=120
    )
    firsts = [s["first_chunk_s"] * 1000 for s in result["sockets"] if s["first_chunk_s"]]
    return {
        "questions": count,
        **summary(firsts),
        "missing": count - len(firsts),
        "errors": errors(result),
    }


def run(ctx: Context) -> dict[str, Any]:
    from benchmarks.emulator import StampingEmulator

    turns = 20 if ctx.quick else 200
    bursts = [10] if ctx.quick else [10, 100, 300]
    targets: dict[str, Any] = {}
    with StampingEmulator(n=CHUNKS, rate=RATE) as emu:
        for target, app, extra in (
            ("bare", BARE_APP, {}),
            ("offline", None, {}),
            ("bedrock", None, {**BEDROCK_ENV, "BEDROCK_ENDPOINT_URL": emu.url}),
            *(
                (name, None, {**BEDROCK_ENV, "BEDROCK_ENDPOINT_URL": emu.url, **env})
                for name, env in variants().items()
            ),
        ):
            server = ctx.server(f"turn-{target}", **({"app": app} if app else {}), **extra)
            try:
                row = sequential(ctx, server, turns)
                row["bursts"] = [burst(ctx, server, count) for count in bursts]
                targets[target] = row
                ctx.log(f"turn {target}: {row}")
            finally:
                server.stop()
    return {"chunks": CHUNKS, "rate": RATE, "targets": targets}


def render(data: dict[str, Any]) -> str:
    targets = data["targets"]
    bare = targets["bare"]
    head = table(
        f"9. A turn's fixed cost: sequential turns ({data['chunks']} chunks at "
        f"{data['rate']:.0f}/s), worker per turn",
        ["target", "turns", "cpu ms", "cpu ×bare", "statements", "orm hops", "target", "errors"],
        [
            [
                name,
                row["turns"],
                row["cpu_ms_per_turn"],
                ratio(row["cpu_ms_per_turn"], bare["cpu_ms_per_turn"]),
                row["statements_per_turn"] if name != "bare" else "-",
                row["hops_per_turn"] if name != "bare" else "-",
                "≤ 8 ms" if name == "bedrock" else "",
                ",".join(row["errors"]),
            ]
            for name, row in targets.items()
        ],
    )
    bare_by = {b["questions"]: b for b in bare["bursts"]}
    burst_rows = []
    for name, row in targets.items():
        if name == "bare":
            continue
        for b in row["bursts"]:
            base = bare_by.get(b["questions"], {})
            burst_rows.append(
                [
                    name,
                    b["questions"],
                    b["p50"],
                    b["p99"],
                    b["max"],
                    base.get("p50"),
                    base.get("p99"),
                    ratio(b["p99"], base.get("p99")),
                    "≤ 1000" if b["questions"] == 100 else "",
                    b["missing"],
                    ",".join(b["errors"]),
                ]
            )
    tail = table(
        "9. Bursts of simultaneous questions on one worker: sent -> first chunk, ms",
        [
            "target",
            "questions",
            "p50",
            "p99",
            "max",
            "bare p50",
            "bare p99",
            "p99 ×bare",
            "target p99",
            "missing",
            "errors",
        ],
        burst_rows,
    )
    return head + "\n" + tail
