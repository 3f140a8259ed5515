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


def _summed(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One target's rounds of sequential turns as one row, weighted by turns."""
    turns = sum(r["turns"] for r in rounds)

    def per_turn(key: str) -> float:
        return round(sum(r[key] * r["turns"] for r in rounds) / max(turns, 1), 2)

    return {
        "turns": turns,
        "cpu_ms_per_turn": per_turn("cpu_ms_per_turn"),
        "cpu_ms_rounds": [r["cpu_ms_per_turn"] for r in rounds],
        "statements_per_turn": per_turn("statements_per_turn"),
        "hops_per_turn": per_turn("hops_per_turn"),
        "errors": sorted({e for r in rounds for e in r["errors"]}),
    }


def run(ctx: Context) -> dict[str, Any]:
    from benchmarks.emulator import StampingEmulator

    turns = 20 if ctx.quick else 200
    # The targets take turns, a share of the turns each round, so that the machine's drift
    # over the figure's minutes (which moves a target's CPU per turn by a quarter between
    # runs here) falls on all of them alike.
    rounds = 1 if ctx.quick else 5
    bursts = [10] if ctx.quick else [10, 100, 300]
    servers: dict[str, Server] = {}
    with StampingEmulator(n=CHUNKS, rate=RATE) as emu:
        try:
            for target, app, extra in (
                ("bare", BARE_APP, {}),
                ("offline", None, {}),
                ("bedrock", None, {**BEDROCK_ENV, "BEDROCK_ENDPOINT_URL": emu.url}),
                *(
                    (name, None, {**BEDROCK_ENV, "BEDROCK_ENDPOINT_URL": emu.url, **env})
                    for name, env in variants().items()
                ),
            ):
                servers[target] = ctx.server(
                    f"turn-{target}", **({"app": app} if app else {}), **extra
                )
            done: dict[str, list[dict[str, Any]]] = {target: [] for target in servers}
            for _ in range(rounds):
                for target, server in servers.items():
                    done[target].append(sequential(ctx, server, turns // rounds))
            targets: dict[str, Any] = {}
            for target, server in servers.items():
                row = _summed(done[target])
                row["bursts"] = [burst(ctx, server, count) for count in bursts]
                targets[target] = row
                ctx.log(f"turn {target}: {row}")
        finally:
            for server in servers.values():
                server.stop()
    return {"chunks": CHUNKS, "rate": RATE, "rounds": rounds, "targets": targets}


def render(data: dict[str, Any]) -> str:
    targets = data["targets"]
    bare = targets["bare"]
    head = table(
        f"9. A turn's fixed cost: sequential turns ({data['chunks']} chunks at "
        f"{data['rate']:.0f}/s), worker per turn",
        [
            "target",
            "turns",
            "cpu ms",
            "rounds: cpu ms",
            "cpu ×bare",
            "statements",
            "orm hops",
            "target",
            "errors",
        ],
        [
            [
                name,
                row["turns"],
                row["cpu_ms_per_turn"],
                " / ".join(f"{c:.1f}" for c in row.get("cpu_ms_rounds", [])),
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
