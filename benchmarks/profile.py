"""Profile one worker under a streaming load with py-spy.

``python -m benchmarks.profile [--streams 100] [--chunks 300] [--app project|bare|bedrock]
[--rate-hz 250] [--svg] [--out PATH]`` starts a worker like benchmarks.run does, drives the load
and records the worker with ``py-spy record`` for the steady part of the streams (collapsed
stacks, or a flame graph with ``--svg``), then prints the functions with the most inclusive
samples.
"""

import argparse
import collections
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks import servers
from benchmarks.context import Context, ctx_cookie, log, session_for
from benchmarks.drive import bare_streams, drive, overheads, project_streams, question
from benchmarks.servers import BARE_APP, STAMPED_APP
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
    args = parser.parse_args()
    servers.install_cleanup()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        database_url = f"sqlite:///{servers.workdir() / 'bench.sqlite3'}"
    ctx = Context(False, database_url, os.environ.get("REDIS_URL", ""), True, log)
    servers.manage(ctx.env(), "migrate", "--noinput", "-v", "0")
    extra = {"BENCH_QUERY_CALLERS": "1"}
    app = BARE_APP if args.app == "bare" else STAMPED_APP
    emulator = None
    if args.app == "bedrock":
        from benchmarks.emulator import StampingEmulator

        emulator = StampingEmulator(n=args.chunks, rate=args.rate).start()
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
        seconds = args.chunks / args.rate
        out = Path(args.out or servers.workdir() / "profile")
        out.parent.mkdir(parents=True, exist_ok=True)
        assert server.process is not None
        pid = str(server.process.pid)
        spy = str(servers.VENV_BIN / "py-spy")
        # Skip the streams' start (every question accepted, each turn's fixed work done) and
        # stop before the first ones end.
        duration = str(max(2, int(seconds - args.skip - 1)))
        fmt, suffix = ("flamegraph", ".svg") if args.svg else ("raw", ".txt")

        def record() -> None:
            time.sleep(args.skip)
            subprocess.run(
                [
                    spy,
                    "record",
                    "--pid",
                    pid,
                    "--duration",
                    duration,
                    "--rate",
                    str(args.rate_hz),
                    "--format",
                    fmt,
                    "--output",
                    f"{out}{suffix}",
                    "--nonblocking",
                    "--gil",
                ],
                check=False,
                capture_output=True,
                timeout=int(duration) + 120,
            )

        recorder = threading.Thread(target=record)
        if args.app == "bare":
            streams = bare_streams(server, args.streams)
            kw = {"kind": "bare", "question": {"n": args.chunks, "rate": args.rate}}
        else:
            ids = session_for(server).conversations(args.streams)
            streams = project_streams(server, ids)
            kw = {
                "kind": "project",
                "question": question(args.chunks, args.rate),
                "cookie": ctx_cookie(server),
            }
        result = drive(
            streams=streams,
            origin=server.http,
            stagger=1.0,
            timeout=120,
            before_go=recorder.start,
            **kw,
        )
        recorder.join(timeout=180)
        print(summary(overheads(result)))
        collapsed = Path(f"{out}.txt")
        if collapsed.exists():
            print("incl%  self%  function")
            for name, share, self_share in top(collapsed):
                print(f"{share:5.1f}  {self_share:5.1f}  {name}")
        print(f"recorded: {out}{suffix}")
        if app == STAMPED_APP:
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
