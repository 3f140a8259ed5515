"""Workers under test: started through scripts/serve (daphne) or uvicorn, on loopback only.

scripts/serve execs ``daphne <flags> "$@" config.asgi:application``. To serve an instrumented
module with exactly those flags, a ``daphne`` shim placed first on PATH swaps the last
argument for ``$BENCH_ASGI_APP`` and execs the real daphne (same pid).
"""

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from devkit.worker_env import local_worker_env

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
STAMPED_APP = "benchmarks.stamped_asgi:application"
BARE_APP = "benchmarks.bare.asgi:application"
CHAINLIT_APP = "benchmarks/peers/chainlit_app.py"
# Chainlit's own venv (`make bench` makes it from the `bench` extra): its pins clash with ours.
CHAINLIT_BIN = ROOT / ".venv-chainlit" / "bin" / "chainlit"


def chainlit_missing() -> str | None:
    """Why the Chainlit peer cannot run here, or None."""
    if not CHAINLIT_BIN.exists():
        return (
            f"skipped: Chainlit is not installed ({CHAINLIT_BIN.relative_to(ROOT)} missing; "
            "`make bench` installs the bench extra there)"
        )
    return None


_children: list[subprocess.Popen[bytes]] = []
_workdir: Path | None = None


def workdir() -> Path:
    global _workdir
    if _workdir is None:
        _workdir = Path(tempfile.mkdtemp(prefix="shop-bench-"))
        shim = _workdir / "bin" / "daphne"
        shim.parent.mkdir()
        shim.write_text(
            "#!/bin/sh\n"
            "# Benchmark shim: scripts/serve's flags, the app from BENCH_ASGI_APP.\n"
            'n=$#; i=0; for a in "$@"; do i=$((i+1));'
            ' if [ $i -eq $n ]; then set -- "$@" "${BENCH_ASGI_APP:-$a}";'
            ' else set -- "$@" "$a"; fi; done; shift $n\n'
            f'exec "{VENV_BIN}/daphne" "$@"\n'
        )
        shim.chmod(0o755)
    return _workdir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)


def _reap(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait for a terminated process group's leader; kill the group if it takes too long."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    with contextlib.suppress(ValueError):
        _children.remove(proc)


def kill_all() -> None:
    """Stop every process this benchmark started (its own children, by process group)."""
    for proc in list(_children):
        _terminate(proc)
    deadline = time.monotonic() + 10
    for proc in list(_children):
        _reap(proc, max(0.1, deadline - time.monotonic()))


def _on_signal(signum: int, frame: Any) -> None:
    kill_all()
    raise SystemExit(128 + signum)


def install_cleanup() -> None:
    atexit.register(kill_all)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)


def spawn(
    args: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT, **kw: Any
) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kw,
        )
    _children.append(proc)
    return proc


def base_env(
    *, database_url: str, redis_url: str, prefix: str, secret_key: str, **extra: str
) -> dict[str, str]:
    return local_worker_env(
        bin_dirs=[workdir() / "bin", VENV_BIN],
        database_url=database_url,
        redis_url=redis_url,
        prefix=prefix,
        secret_key=secret_key,
        drop=frozenset({"BENCH_QUERY_CALLERS"}),
        **{
            "PYTHONPATH": str(ROOT),
            "CHAT_RATE_LIMIT_PER_MINUTE": "100000",
            "CHAT_MAX_SOCKETS_PER_SESSION": "100000",
            "LOG_LEVEL": "WARNING",
            **extra,
        },
    )


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


@dataclass
class Server:
    name: str
    env: dict[str, str]
    app: str = STAMPED_APP
    kind: str = "daphne"  # daphne through scripts/serve, uvicorn, or chainlit (its own CLI)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return workdir() / f"{self.name}-{self.port}.log"

    def start(self, wait: float = 60.0) -> "Server":
        env = self.env | {"PORT": str(self.port), "HOST": "127.0.0.1", "BENCH_ASGI_APP": self.app}
        if self.app.startswith("benchmarks.bare"):
            env["DJANGO_SETTINGS_MODULE"] = "benchmarks.bare.settings"
        health = "/healthz"
        cwd = ROOT
        if self.kind == "chainlit":
            root = workdir() / "chainlit"  # its config and chainlit.md, made at first start
            root.mkdir(exist_ok=True)
            # No data layer (DATABASE_URL would make Chainlit persist every step), no deflate.
            env = {k: v for k, v in env.items() if k != "DATABASE_URL"}
            env |= {"CHAINLIT_APP_ROOT": str(root), "UVICORN_WS_PER_MESSAGE_DEFLATE": "false"}
            args = [
                str(CHAINLIT_BIN),
                "run",
                str(ROOT / self.app),
                "--headless",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ]
            health = "/"
        elif self.kind == "uvicorn":
            args = [
                str(VENV_BIN / "uvicorn"),
                self.app,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--ws",
                "websockets",
                "--no-access-log",
                "--ws-max-size",
                env.get("WS_MAX_MESSAGE_BYTES", "65536"),
                "--ws-ping-interval",
                "20",
                "--ws-ping-timeout",
                "30",
                "--log-level",
                "warning",
            ]
        else:
            # BENCH_CHECKOUT: serve another checkout of the project (an earlier commit, say)
            # with the same settings, to compare code within one run (docs/benchmarks.md).
            cwd = Path(env.pop("BENCH_CHECKOUT", "") or ROOT)
            env["PYTHONPATH"] = str(cwd)
            args = [str(cwd / "scripts" / "serve")]
        self.process = spawn(args, env, self.log_path, cwd=cwd)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.http}{health}", timeout=1).status_code == 200:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not healthy: {self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        _terminate(proc)
        _reap(proc, 15)

    def rss_kib(self) -> int:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stats(self) -> dict[str, Any]:
        return json.loads(httpx.get(f"{self.http}/__bench__/stats", timeout=10).text)


@dataclass
class Session:
    """A browser-like visitor: a session from GET /chat/, conversations via the JSON API."""

    server: Server
    cookies: httpx.Cookies = field(default_factory=httpx.Cookies)

    def visit(self) -> "Session":
        response = httpx.get(f"{self.server.http}/chat/", cookies=self.cookies, timeout=10)
        response.raise_for_status()
        self.cookies.update(response.cookies)
        return self

    def conversations(self, count: int) -> list[str]:
        ids = []
        with httpx.Client(cookies=self.cookies, timeout=10) as client:
            for _ in range(count):
                response = client.post(
                    f"{self.server.http}/api/conversations/",
                    json={},
                    headers={
                        "X-CSRFToken": self.cookies["csrftoken"],
                        "Referer": self.server.http + "/chat/",
                    },
                )
                if response.status_code != 201:
                    raise RuntimeError(
                        f"create conversation: {response.status_code} {response.text}"
                    )
                ids.append(response.json()["id"])
        return ids

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())
