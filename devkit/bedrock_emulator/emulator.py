"""The emulator itself: lifecycle, scripting and the records tests assert on."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import traceback
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any

from devkit.bedrock_emulator.handler import Handler, Server
from devkit.bedrock_emulator.responses import (
    ScriptedResponse,
    StreamEvent,
    http_error_response,
    text_response,
)
from devkit.bedrock_emulator.wire import frame

logger = logging.getLogger(__name__)

DEFAULT_TEXT = "Hello from the emulator."
DEFAULT_INFERENCE_PROFILE_MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0"


class BedrockEmulator:
    """Bedrock Runtime on ``127.0.0.1``; see devkit.bedrock_emulator's docstring."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._queue: deque[ScriptedResponse] = deque()
        self._requests: list[dict[str, Any]] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        # Registered in every wait's selector so stop() wakes all of them.
        self._stop_reader: socket.socket | None = None
        self._stop_writer: socket.socket | None = None
        self.default: ScriptedResponse = text_response(DEFAULT_TEXT)
        self.responder: Callable[[dict[str, Any]], ScriptedResponse | str | None] | None = None
        self.inference_profile_model = DEFAULT_INFERENCE_PROFILE_MODEL
        self.profile_lookups: list[str] = []
        self.aborted_streams = 0
        self.active_streams = 0
        self.peak_active_streams = 0

    # -- lifecycle ---------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("emulator not started")
        return f"http://{self._host}:{self._server.server_address[1]}"

    def start(self) -> BedrockEmulator:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._stop_reader, self._stop_writer = socket.socketpair()
        server = Server((self._host, self._port), Handler)
        server.emulator = self
        self._server = server
        # Short poll interval keeps stop() fast.
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="bedrock-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server = self._server
        if server is None:
            return
        self._stopping.set()
        if self._stop_writer is not None:
            self._stop_writer.send(b"x")
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None
        for sock in (self._stop_reader, self._stop_writer):
            if sock is not None:
                sock.close()
        self._stop_reader = self._stop_writer = None

    def __enter__(self) -> BedrockEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- scripting ---------------------------------------------------------

    def push(self, *responses: ScriptedResponse | str) -> None:
        with self._lock:
            self._queue.extend(_coerce(r) for r in responses)

    @property
    def pending(self) -> int:
        """Queued responses not yet consumed."""
        with self._lock:
            return len(self._queue)

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self._requests.clear()
            self.profile_lookups.clear()
            self.aborted_streams = 0
            self.peak_active_streams = self.active_streams

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._requests) >= n, timeout):
                raise TimeoutError(f"{len(self._requests)} requests seen, expected {n}")
            return list(self._requests)

    def wait_for_aborted(self, n: int, timeout: float = 5.0) -> int:
        with self._changed:
            if not self._changed.wait_for(lambda: self.aborted_streams >= n, timeout):
                raise TimeoutError(f"{self.aborted_streams} aborted streams, expected {n}")
            return self.aborted_streams

    # -- called from handler threads ----------------------------------------

    def encode(self, event: StreamEvent) -> bytes:
        """The event-stream frame for one event, built right before it is written.

        A method rather than a module function so that a subclass can change what one
        emulator writes (benchmarks.emulator stamps the send time into text deltas) without
        patching a module every other emulator in the process uses too.
        """
        return frame(event)

    def _track(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.add(conn)

    def _untrack(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.discard(conn)

    def _record_request(self, request: dict[str, Any]) -> None:
        with self._changed:
            self._requests.append(request)
            self._changed.notify_all()

    def _record_profile_lookup(self, profile: str) -> None:
        with self._lock:
            self.profile_lookups.append(profile)

    def _next_response(self, request: dict[str, Any]) -> ScriptedResponse:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        responder = self.responder
        if responder is not None:
            try:
                produced = responder(request)
            except Exception:
                logger.exception("Bedrock emulator responder failed")
                return http_error_response(500, "InternalServerException", traceback.format_exc())
            if produced is not None:
                return _coerce(produced)
        return self.default

    def _stream_started(self) -> None:
        with self._lock:
            self.active_streams += 1
            self.peak_active_streams = max(self.peak_active_streams, self.active_streams)

    def _stream_finished(self) -> None:
        with self._lock:
            self.active_streams -= 1

    def _stream_aborted(self) -> None:
        with self._changed:
            self.aborted_streams += 1
            self._changed.notify_all()


def _coerce(response: ScriptedResponse | str) -> ScriptedResponse:
    if isinstance(response, str):
        return text_response(response)
    if not isinstance(response, ScriptedResponse):
        raise TypeError(f"expected ScriptedResponse or str, got {type(response).__name__}")
    return response
