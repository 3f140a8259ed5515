"""Profile one worker under a streaming load with py-spy.

``python -m benchmarks.profile [--streams 100] [--chunks 300] [--app project|bare|bedrock]
[--rate-hz 250] [--svg] [--out PATH]`` starts a worker like benchmarks.run does, drives the load
and records the worker with ``py-spy record`` for the steady part of the streams (collapsed
stacks, or a flame graph with ``--svg``), then prints the functions with the most inclusive
samples. ``--turns N`` records N short turns one after another instead (figure 9's sequential
turns), the whole of each turn: what a question costs before and around its words.
"""

import argparse
import collections
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks import servers
from benchmarks.context import Context, ctx_cookie, log, session_for
from benchmarks.drive import bare_streams, drive, overheads, project_streams, question
from benchmarks.figures.turn import CHUNKS as TURN_CHUNKS
from benchmarks.figures.turn import RATE as TURN_RATE
from benchmarks.servers import BARE_APP, STAMPED_APP, Server
from benchmarks.stats import summary


def top(collapsed: Path, limit: int = 40) -> list[tuple[str, float, float]]:
    """Functions by inclusive share of samples (with their self share)."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        seen = set()
        name = ""
        for frame in stack.split(";"):
            name = frame.split(" (")[0] + " " + frame.split("/")[-1].rstrip(")")
            if name not in seen:
                seen.add(name)
                inclusive[name] += int(count)
        own[name] += int(count)
    scale = 100 / max(total, 1)
    by_self = [n for n, _ in own.most_common(limit // 2)]
    names = [n for n, _ in inclusive.most_common(limit)] + [n for n in by_self]
    return [(n, inclusive[n] * scale, own[n] * scale) for n in dict.fromkeys(names)]


def _streams_of(server: Server, args: argparse.Namespace, count: int) -> dict[str, Any]:
    chunks, rate = (TURN_CHUNKS, TURN_RATE) if args.turns else (args.chunks, args.rate)
    if args.app == "bare":
        streams = bare_streams(server, count)
        return {"streams": streams, "kind": "bare", "question": {"n": chunks, "rate": rate}}
    ids = session_for(server).conversations(count)
    return {
        "streams": project_streams(server, ids),
        "kind": "project",
        "question": question(chunks, rate),
        "cookie": ctx_cookie(server),
    }


def _drive_streams(server: Server, args: argparse.Namespace, spy: list[str]) -> dict[str, Any]:
    """Concurrent streams, recorded for their steady part: after the questions' acceptance
    (`--skip`) and until before the first ones end."""
    duration = max(2, int(args.chunks / args.rate - args.skip - 1))

    def record() -> None:
        time.sleep(args.skip)
        subprocess.run(
            [*spy, "--duration", str(duration)],
            check=False,
            capture_output=True,
            timeout=duration + 120,
        )

    recorder = threading.Thread(target=record)
    result = drive(
        origin=server.http,
        stagger=1.0,
        timeout=120,
        before_go=recorder.start,
        **_streams_of(server, args, args.streams),
    )
    recorder.join(timeout=180)
    return result


def _drive_turns(server: Server, args: argparse.Namespace, spy: list[str]) -> dict[str, Any]:
    """`--turns` short turns one after another over ten conversations, recorded whole."""
    convs = min(10, args.turns)
    recorder: list[subprocess.Popen[bytes]] = []
    result = drive(
        origin=server.http,
        rounds=max(1, args.turns // convs),
        sequential=True,
        timeout=600,
        before_go=lambda: recorder.append(
            subprocess.Popen(spy, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ),
        **_streams_of(server, args, convs),
    )
    for proc in recorder:
        proc.send_signal(signal.SIGINT)  # py-spy writes what it recorded and exits
        proc.wait(timeout=120)
    return result


def _turns_summary(result: dict[str, Any]) -> str:
    firsts = [s["first_chunk_s"] * 1000 for s in result["sockets"] if s["first_chunk_s"]]
    return f"turns answered: {len(firsts)}; first chunk ms: {summary(firsts)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--chunks", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--app", choices=["project", "bare", "bedrock"], default="project")
    parser.add_argument("--rate-hz", type=int, default=250, help="py-spy samples per second")
    parser.add_argument(
        "--skip",
        type=float,
        default=1.5,
        help="seconds after the questions before recording (more: the per-chunk path only)",
    )
    parser.add_argument("--svg", action="store_true", help="a flame graph instead of stacks")
    parser.add_argument("--out", default="", help="path prefix (default: the run's temp dir)")
    parser.add_argument(
        "--turns",
        type=int,
        default=0,
        help="record this many short turns one after another instead of concurrent streams",
    )
    args = parser.parse_args()
    servers.install_cleanup()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        database_url = f"sqlite:///{servers.workdir() / 'bench.sqlite3'}"
    ctx = Context(False, database_url, os.environ.get("REDIS_URL", ""), True, log)
    servers.manage(ctx.env(), "migrate", "--noinput", "-v", "0")
    # Attributing each query to its caller walks the stack: off for whole turns, whose
    # database work is part of what is measured.
    extra = {} if args.turns else {"BENCH_QUERY_CALLERS": "1"}
    app = BARE_APP if args.app == "bare" else STAMPED_APP
    emulator = None
    if args.app == "bedrock":
        from benchmarks.emulator import StampingEmulator

        emulator = StampingEmulator(
            n=TURN_CHUNKS if args.turns else args.chunks,
            rate=TURN_RATE if args.turns else args.rate,
        ).start()
        extra |= {
            "BENCH_MODEL": "project",
            "LLM_PROVIDER": "bedrock",
            "BEDROCK_ENDPOINT_URL": emulator.url,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_REGION": "us-east-1",
        }
    server = ctx.server(f"profile-{args.app}", app=app, **extra)
    try:
        out = Path(args.out or servers.workdir() / "profile")
        out.parent.mkdir(parents=True, exist_ok=True)
        assert server.process is not None
        fmt, suffix = ("flamegraph", ".svg") if args.svg else ("raw", ".txt")
        spy = [
            str(servers.VENV_BIN / "py-spy"),
            "record",
            "--pid",
            str(server.process.pid),
            "--rate",
            str(args.rate_hz),
            "--format",
            fmt,
            "--output",
            f"{out}{suffix}",
            "--nonblocking",
            "--gil",
        ]
        if args.turns:
            print(_turns_summary(_drive_turns(server, args, spy)))
        else:
            print(summary(overheads(_drive_streams(server, args, spy))))
        collapsed = Path(f"{out}.txt")
        if collapsed.exists():
            print("incl%  self%  function")
            for name, share, self_share in top(collapsed):
                print(f"{share:5.1f}  {self_share:5.1f}  {name}")
        print(f"recorded: {out}{suffix}")
        if app == STAMPED_APP and not args.turns:
            callers = server.stats()["callers"]
            print("database queries by caller during the run (incl. warm-up):")
            for name, count in sorted(callers.items(), key=lambda kv: -kv[1])[:15]:
                print(f"{count:7d}  {name}")
    finally:
        server.stop()
        servers.kill_all()
        if emulator is not None:
            emulator.stop()


if __name__ == "__main__":
    sys.exit(main())
