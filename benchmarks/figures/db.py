"""4. Database queries and writes per turn vs chunks per answer."""

import time
from typing import Any

from benchmarks.context import Context, ctx_cookie, session_for
from benchmarks.drive import drive, errors, project_streams, question
from benchmarks.stats import table

NAME = "db"
TITLE = "4. Database queries and writes per turn vs chunks per answer"


def pg_counters(ctx: Context) -> dict[str, int] | None:
    if not ctx.database_url.startswith("postgres"):
        return None
    import psycopg

    with psycopg.connect(ctx.database_url.replace("postgres://", "postgresql://", 1)) as conn:
        row = conn.execute(
            "select xact_commit, tup_inserted, tup_updated, tup_deleted, tup_fetched "
            "from pg_stat_database where datname = current_database()"
        ).fetchone()
    assert row is not None
    return dict(zip(["commits", "inserted", "updated", "deleted", "fetched"], row, strict=True))


def _without_reaper(stats: dict[str, Any]) -> dict[str, int]:
    return {k: v for k, v in stats["callers"].items() if "reap" not in k}


def run(ctx: Context) -> dict[str, Any]:
    cases = [(10, 200.0), (100, 200.0)] if ctx.quick else [(10, 200.0), (1000, 200.0), (10, 2.0)]
    turns = 3 if ctx.quick else 10
    rows = []
    server = ctx.server("project-db", BENCH_QUERY_CALLERS="1")
    try:
        ids = session_for(server).conversations(turns)
        for n, rate in cases:
            streams = project_streams(server, ids)
            kwargs = {
                "kind": "project",
                "streams": streams,
                "question": question(n, rate),
                "origin": server.http,
                "cookie": ctx_cookie(server),
                "timeout": 120,
                "stagger": 0.2,
            }
            # The sockets' own queries (connect, history) happen before the first snapshot,
            # taken once every socket is open and before any question is sent.
            snaps: dict[str, Any] = {}

            def snapshot(snaps: dict[str, Any] = snaps) -> None:
                # PostgreSQL flushes its statistics at most once a second.
                time.sleep(0.3 if ctx.quick else 1.5)
                snaps["before"] = server.stats()
                snaps["pg_before"] = pg_counters(ctx)

            result = drive(**kwargs, before_go=snapshot)
            time.sleep(0.5 if ctx.quick else 1.5)  # turn_release runs after turn_ended
            after, pg_after = server.stats(), pg_counters(ctx)
            before = snaps["before"]
            calls = _without_reaper(after)
            base = _without_reaper(before)
            delta = {k: v - base.get(k, 0) for k, v in calls.items() if v - base.get(k, 0)}
            total = sum(delta.values())
            writes = sum(
                v for k, v in delta.items() if k.rsplit(" ", 1)[1] in {"INSERT", "UPDATE", "DELETE"}
            )
            heartbeats = sum(v for k, v in delta.items() if "turn_heartbeat" in k)
            row = {
                "chunks": n,
                "rate": rate,
                "turns": turns,
                "turn_seconds": round(n / rate, 2),
                "queries_per_turn": round(total / turns, 2),
                "writes_per_turn": round(writes / turns, 2),
                "heartbeat_queries_per_turn": round(heartbeats / turns, 2),
                "by_caller_per_turn": {k: round(v / turns, 2) for k, v in sorted(delta.items())},
                "errors": errors(result),
            }
            pg_before = snaps.get("pg_before")
            if pg_before and pg_after:
                # Indicative only: backends flush these statistics lazily (an idle pooled
                # connection may hold them back for seconds). Minus our own query's commit.
                pg_after["commits"] -= 1
                row["pg_stat_database_per_turn"] = {
                    k: round((pg_after[k] - pg_before[k]) / turns, 1) for k in pg_after
                }
            rows.append(row)
            ctx.log(f"db {n}@{rate}: {row}")
    finally:
        server.stop()
    return {"rows": rows}


def render(data: dict[str, Any]) -> str:
    rows = data["rows"]
    # Every row of one run has the same number of turns (the run's quick or full setting).
    turns = rows[0]["turns"] if rows else "-"
    return table(
        f"4. Database work per turn ({turns} turns each; checkpoint every "
        "CHAT_CHECKPOINT_SECONDS=2 s)",
        [
            "chunks",
            "rate/s",
            "turn s",
            "queries/turn",
            "writes/turn",
            "heartbeat q/turn",
        ],
        [
            [
                r["chunks"],
                r["rate"],
                r["turn_seconds"],
                r["queries_per_turn"],
                r["writes_per_turn"],
                r["heartbeat_queries_per_turn"],
            ]
            for r in rows
        ],
    )
