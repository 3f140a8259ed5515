"""Real daphne workers on loopback, and a browser-like client for them.

Workers are started through scripts/serve (the production entry point) against the test
database and a Redis channel-layer prefix of the test's own.
"""

import asyncio
import json
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets

from devkit.worker_env import local_worker_env

ROOT = Path(__file__).resolve().parents[2]


_handed_out: set[int] = set()


def free_port() -> int:
    """A port nothing listens on, never one this process handed out before: the kernel may
    give the same free port to two binds in a row, and two workers told the same port look
    healthy while one of them never listened."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def database_url(settings_dict: dict[str, Any]) -> str:
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@dataclass
class Worker:
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: float = 30.0) -> "Worker":
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "serve")],
            cwd=ROOT,
            env=self.env | {"PORT": str(self.port), "HOST": "127.0.0.1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.http}/healthz", timeout=1).status_code == 200:
                    # Something answered on the port: make sure it was this worker.
                    if "Listen failure" in self.log_path.read_text(errors="replace"):
                        raise RuntimeError(f"worker could not listen on {self.port}")
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"worker not healthy: {self.log_path.read_text()[-2000:]}")

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def rss_kib(self) -> int:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0


def worker_env(*, database: str, redis: str, prefix: str, **extra: str) -> dict[str, str]:
    return local_worker_env(
        bin_dirs=[Path(sys.executable).parent],
        database_url=database,
        redis_url=redis,
        prefix=prefix,
        secret_key="cluster-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        **{"LLM_OFFLINE_DELAY_MS": "20", "LOG_LEVEL": "INFO", **extra},
    )


@dataclass
class Page:
    """What a browser tab does: a session from /chat/, the JSON API, and sockets."""

    cookies: httpx.Cookies = field(default_factory=httpx.Cookies)

    def visit(self, worker: Worker) -> "Page":
        response = httpx.get(f"{worker.http}/chat/", cookies=self.cookies, timeout=10)
        response.raise_for_status()
        self.cookies.update(response.cookies)
        return self

    def create_conversation(self, worker: Worker) -> str:
        response = httpx.post(
            f"{worker.http}/api/conversations/",
            json={},
            cookies=self.cookies,
            headers={"X-CSRFToken": self.cookies["csrftoken"], "Referer": worker.http + "/chat/"},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    @classmethod
    async def on_one_conversation(cls, *workers: Worker) -> tuple["Page", str, list["Socket"]]:
        """A page visiting the first worker, a new conversation, and a socket on it at each
        worker given (in that order)."""
        page = cls().visit(workers[0])
        conversation = page.create_conversation(workers[0])
        return page, conversation, [await page.open(w, conversation) for w in workers]

    async def open(self, worker: Worker, conversation_id: str) -> "Socket":
        ws = await websockets.connect(
            f"ws://127.0.0.1:{worker.port}/ws/chat/{conversation_id}/",
            additional_headers={"Cookie": self.cookie_header()},
            origin=websockets.Origin(worker.http),
            max_size=2**24,
        )
        sock = Socket(ws)
        sock.history = await sock.next()
        assert sock.history["type"] == "history", sock.history
        return sock


@dataclass
class Socket:
    ws: Any
    history: dict[str, Any] = field(default_factory=dict)
    frames: list[dict[str, Any]] = field(default_factory=list)

    async def next(self, within: float = 30.0) -> dict[str, Any]:
        frame = json.loads(await asyncio.wait_for(self.ws.recv(), within))
        self.frames.append(frame)
        return frame

    async def until(self, frame_type: str, within: float = 30.0) -> list[dict[str, Any]]:
        start = len(self.frames)
        async with asyncio.timeout(within):
            while (await self.next(within))["type"] != frame_type:
                pass
        return self.frames[start:]

    async def ask(self, content: str) -> str:
        client_message_id = uuid.uuid4().hex
        await self.ws.send(
            json.dumps(
                {"type": "user_message", "content": content, "client_message_id": client_message_id}
            )
        )
        return client_message_id

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    def texts(self) -> dict[str, str]:
        """Message texts rebuilt from history and chunk frames, as the protocol says."""
        texts = {m["id"]: m["content"] for m in self.history.get("messages", [])}
        for frame in self.frames:
            if frame["type"] == "chunk":
                current = texts.get(frame["message_id"], "")
                assert frame["offset"] <= len(current), (frame["offset"], len(current))
                texts[frame["message_id"]] = current[: frame["offset"]] + frame["delta"]
        return texts

    async def close(self) -> None:
        await self.ws.close()
