"""The HTTP side: one handler thread per connection, streaming a script as it plays out."""

from __future__ import annotations

import json
import re
import selectors
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from devkit.bedrock_emulator.responses import ScriptedResponse, StreamEvent
from devkit.bedrock_emulator.wire import aggregate


class EmulatorState(Protocol):
    """What a request handler needs of its emulator (devkit.bedrock_emulator.emulator)."""

    inference_profile_model: str
    _stopping: threading.Event
    _stop_reader: socket.socket | None

    def encode(self, event: StreamEvent) -> bytes: ...

    def _track(self, conn: socket.socket) -> None: ...

    def _untrack(self, conn: socket.socket) -> None: ...

    def _record_request(self, request: dict[str, Any]) -> None: ...

    def _record_profile_lookup(self, profile: str) -> None: ...

    def _next_response(self, request: dict[str, Any]) -> ScriptedResponse: ...

    def _stream_started(self) -> None: ...

    def _stream_finished(self) -> None: ...

    def _stream_aborted(self) -> None: ...


_MODEL_ROUTE = re.compile(r"^/model/(?P<model>.+)/(?P<op>converse|converse-stream)$")
_PROFILE_ROUTE = re.compile(r"^/inference-profiles/(?P<profile>[^/]+)$")


class _ClientGone(Exception):
    """The client closed the connection (or the emulator is stopping)."""


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops SYNs under a burst of hundreds of
    # connections, which shows up as 1 s client-side retransmit stalls.
    request_queue_size = 1024
    emulator: EmulatorState

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients dropping keep-alive connections is normal, not an error.
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, _ClientGone)) or self.emulator._stopping.is_set():
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, chunked streaming
    disable_nagle_algorithm = True  # one small frame per chunk must leave at once
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    _selector: selectors.BaseSelector | None = None

    def setup(self) -> None:
        super().setup()
        self.server.emulator._track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.emulator._untrack(self.connection)
            if self._selector is not None:
                self._selector.close()

    # -- waiting / writing -------------------------------------------------

    def _wait(self, seconds: float) -> None:
        """Sleep, but wake up at once on client EOF or emulator stop."""
        deadline = time.monotonic() + seconds
        sel = self._selector
        if sel is None:
            # One selector per connection: streams wait before every delta.
            sel = self._selector = selectors.DefaultSelector()
            sel.register(self.connection, selectors.EVENT_READ)
            stop_reader = self.server.emulator._stop_reader
            if stop_reader is not None:
                sel.register(stop_reader, selectors.EVENT_READ)
        while True:
            self._check_alive()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if not sel.select(remaining):
                continue
            self._check_alive()
            # Readable without EOF means unexpected pipelined bytes;
            # don't spin on them.
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    def _check_alive(self) -> None:
        if self.server.emulator._stopping.is_set():
            raise _ClientGone("emulator stopping")
        try:
            data = self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            raise _ClientGone(str(exc)) from exc
        if data == b"":
            raise _ClientGone("EOF")

    def _write(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
        except OSError as exc:
            raise _ClientGone(str(exc)) from exc

    def _send_json(self, status: int, body: dict[str, Any], error_type: str = "") -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if error_type:
            # botocore's rest-json parser keeps the part before ':'.
            self.send_header(
                "x-amzn-ErrorType",
                f"{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/",
            )
        self.end_headers()
        self._write(raw)

    # -- routes ------------------------------------------------------------

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        match = _PROFILE_ROUTE.match(path)
        if match is None:
            self._not_found(path)
            return
        emu = self.server.emulator
        profile = unquote(match["profile"])
        emu._record_profile_lookup(profile)
        profile_id = profile.rsplit("/", 1)[-1]
        arn = (
            profile
            if profile.startswith("arn:")
            else (
                f"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/{profile_id}"
            )
        )
        self._send_json(
            200,
            {
                "inferenceProfileName": profile_id,
                "inferenceProfileArn": arn,
                "inferenceProfileId": profile_id,
                "models": [
                    {
                        "modelArn": "arn:aws:bedrock:us-east-1::foundation-model/"
                        + emu.inference_profile_model
                    }
                ],
                "status": "ACTIVE",
                "type": "APPLICATION",
            },
        )

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        match = _MODEL_ROUTE.match(path)
        if match is None:
            self._not_found(path)
            return
        try:
            body = json.loads(raw_body or b"{}")
        except ValueError:
            self._send_json(400, {"message": "Malformed JSON body"}, "ValidationException")
            return
        emu = self.server.emulator
        request = {
            "path": path,
            "model_id": unquote(match["model"]),
            "stream": match["op"] == "converse-stream",
            "headers": dict(self.headers.items()),
            "body": body,
            "time": time.monotonic(),
        }
        emu._record_request(request)
        response = emu._next_response(request)
        try:
            if request["stream"]:
                self._converse_stream(response)
            else:
                self._converse(response)
        except _ClientGone:
            self.close_connection = True

    def _not_found(self, path: str) -> None:
        self._send_json(404, {"message": f"No route for {path}"}, "UnknownOperationException")

    def _converse(self, response: ScriptedResponse) -> None:
        # Emulate the whole generation latency before answering at once.
        total_delay = sum(e.delay for e in response.events)
        if total_delay > 0:
            self._wait(total_delay)
        status, error_type, body = aggregate(response)
        self._send_json(status, body, error_type)

    def _converse_stream(self, response: ScriptedResponse) -> None:
        if response.is_http_error:
            self._send_json(response.status, {"message": response.message}, response.error_type)
            return
        emu = self.server.emulator
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.amazon.eventstream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        emu._stream_started()
        try:
            try:
                self.end_headers()
            except OSError as exc:
                raise _ClientGone(str(exc)) from exc
            for event in response.events:
                if event.delay > 0:
                    self._wait(event.delay)
                if not event.event_type:
                    continue
                # Catch a close before writing: the first write into a
                # closed connection usually still succeeds.
                self._check_alive()
                data = emu.encode(event)
                self._write(b"%x\r\n%s\r\n" % (len(data), data))
            self._write(b"0\r\n\r\n")
        except _ClientGone:
            if not emu._stopping.is_set():
                emu._stream_aborted()
            raise
        finally:
            emu._stream_finished()
