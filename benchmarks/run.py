"""Benchmarks of the chat's streaming path: ``python -m benchmarks.run [--quick] [--only a,b]``.

Starts the project's own workers (daphne through scripts/serve, see benchmarks.servers) with
PostgreSQL and Redis when ``DATABASE_URL`` / ``REDIS_URL`` are set, else a SQLite file in a
temporary directory and the in-memory layer; drives them with real WebSocket clients
(benchmarks.clients) and compares with a bare Channels app (benchmarks.bare). Prints a table
per figure (benchmarks.figures) and writes ``benchmarks/results/<UTC timestamp>.json``.
``--list`` names the figures; ``--render FILE`` prints a saved run's tables again without
running anything. See docs/benchmarks.md.
"""

import argparse
import contextlib
import json
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import servers
from benchmarks.context import Context, log
from benchmarks.figures import FIGURES, render
from benchmarks.servers import ROOT

RESULTS = Path(__file__).resolve().parent / "results"


def versions() -> dict[str, Any]:
    from importlib.metadata import version

    info: dict[str, Any] = {"python": platform.python_version(), "nproc": os.cpu_count()}
    for package in (
        "django",
        "channels",
        "channels-redis",
        "daphne",
        "uvicorn",
        "websockets",
        "redis",
        "psycopg",
    ):
        with contextlib.suppress(Exception):
            info[package] = version(package)
    with contextlib.suppress(OSError):
        cpu = [
            line
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ]
        info["cpu"] = cpu[0].split(":", 1)[1].strip() if cpu else ""
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        info["ram_gib"] = round(int(mem) / 1024 / 1024, 1)
    return info


def show(text: str) -> None:
    print(text)
    sys.stdout.flush()


def list_figures() -> str:
    width = max(len(name) for name in FIGURES)
    return "\n".join(f"{name.ljust(width)}  {figure.TITLE}" for name, figure in FIGURES.items())


def render_saved(path: Path, names: list[str] | None) -> str:
    """A results file's tables, as the run that wrote it printed them."""
    report = json.loads(path.read_text())
    figures: dict[str, Any] = report.get("figures", {})
    parts = [
        f"{path.name}: started {report.get('started', '?')}, "
        f"{'quick' if report.get('quick') else 'full'} run, "
        f"database {report.get('database', '?')}, layer {report.get('channel_layer', '?')}"
    ]
    for name, data in figures.items():
        if names is not None and name not in names:
            continue
        if name in FIGURES:
            parts.append(render(name, data))
        else:
            parts.append(f"\n## {name}\n(no such figure in this version of the benchmark)")
    return "\n".join(parts)


def measure(names: list[str], quick: bool) -> Path:
    """Run the figures in ``names`` against fresh workers; the results file written."""
    servers.install_cleanup()
    database_url = os.environ.get("DATABASE_URL", "")
    embedded = not database_url
    if embedded:
        database_url = f"sqlite:///{servers.workdir() / 'bench.sqlite3'}"
    ctx = Context(quick, database_url, os.environ.get("REDIS_URL", ""), embedded, log)
    started = time.monotonic()
    layer = "redis" if ctx.redis_url else "in-memory"
    log(f"database {database_url.split('@')[-1]}, layer {layer}, work dir {servers.workdir()}")
    servers.manage(ctx.env(), "migrate", "--noinput", "-v", "0")
    report: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "database": "sqlite" if embedded else "postgresql",
        "channel_layer": "redis-pubsub" if ctx.redis_url else "in-memory",
        "machine": versions(),
        "figures": {},
    }
    with contextlib.suppress(Exception):
        import redis

        if ctx.redis_url:
            report["machine"]["redis_server"] = redis.Redis.from_url(ctx.redis_url).info("server")[
                "redis_version"
            ]
    for name in names:
        log(f"figure {name}")
        try:
            report["figures"][name] = data = FIGURES[name].run(ctx)
        except Exception as exc:  # one failing figure must not lose the others
            traceback.print_exc()
            report["figures"][name] = data = {"error": f"{type(exc).__name__}: {exc}"}
        servers.kill_all()
        show(render(name, data))
    report["seconds"] = round(time.monotonic() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=1))
    print(f"\nwrote {path.relative_to(ROOT)} in {report['seconds']} s")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few streams, short answers")
    parser.add_argument("--only", default="", help=f"comma-separated figures: {','.join(FIGURES)}")
    parser.add_argument("--list", action="store_true", help="list the figures and exit")
    parser.add_argument(
        "--render",
        metavar="FILE",
        type=Path,
        help="print the tables of a saved results file (with --only, some figures) and exit",
    )
    args = parser.parse_args(argv)
    if args.list:
        show(list_figures())
        return 0
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(FIGURES)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        parser.error(f"unknown figures {unknown}; choose from {list(FIGURES)}")
    if args.render is not None:
        if not args.render.is_file():
            parser.error(f"no such results file: {args.render}")
        show(render_saved(args.render, names if args.only else None))
        return 0
    measure(names, args.quick)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
