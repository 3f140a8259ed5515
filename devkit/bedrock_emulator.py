"""Local AWS Bedrock Runtime emulator for tests and benchmarks (development only).

A real HTTP server on ``127.0.0.1`` that speaks the Bedrock Runtime wire
protocol, so an unmodified boto3 ``bedrock-runtime`` client (and therefore
``langchain_aws.ChatBedrockConverse``) talks to it as it would to AWS::

    with BedrockEmulator() as emu:
        emu.push(text_response("Hi there", chunks=3, delay=0.05))
        client = boto3.client(
            "bedrock-runtime", endpoint_url=emu.url, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
        )
        client.converse_stream(modelId="m", messages=[...])

Routes
    ``POST /model/{modelId}/converse``        JSON Converse response.
    ``POST /model/{modelId}/converse-stream`` ``application/vnd.amazon.eventstream``
        body, chunked, one event per chunk, flushed as produced.
    ``GET /inference-profiles/{id}``          control-plane GetInferenceProfile;
        ``ChatBedrockConverse`` calls it for application-inference-profile ARNs.
        Answers with ``emu.inference_profile_model`` as the base model.

Response builders (each returns an immutable ``ScriptedResponse``; usable on
either route, the non-streaming route aggregates the same script)
    ``text_response(text, *, chunks=None | int | list[str], first_delay=0.0,
    delay=0.0, stop_reason="end_turn", usage=None | (input, output))``
    ``tool_use_response(name, input, *, tool_use_id=None, text_before="",
    delay=0.0, first_delay=0.0, usage=None)``
    ``tool_uses_response([(name, input) | (name, input, tool_use_id), ...],
    *, text_before="", delay=0.0, first_delay=0.0, usage=None)``
    ``stream_error_response(exception_type, message, *, after_text="",
    delay=0.0)``: text deltas, then an exception frame (e.g.
    ``throttlingException``), then end of body. On ``/converse`` it becomes
    the matching HTTP error (modelStreamErrorException -> 424 ModelErrorException).
    ``http_error_response(status, error_type, message)``: e.g.
    ``(429, "ThrottlingException", "slow down")``.
    ``hang_response(seconds, *, then=None)``: headers + messageStart, then
    silence for ``seconds``; afterwards ``then``'s remaining events, or the
    body simply ends (no messageStop, like a dropped stream).

Timing: ``delay`` is slept before every delta; ``first_delay`` is slept in
addition before the first delta (time to first token = first_delay + delay).
Headers and ``messageStart`` are sent immediately.

Emulator
    ``BedrockEmulator()``: ``start()`` / ``stop()`` or context manager;
    ``.url`` is ``http://127.0.0.1:PORT``.
    ``emu.push(*responses)``: FIFO consumed by the next requests on either
    route (a ``str`` means ``text_response(str)``). Note botocore retries
    429/500/503 by default and each retry consumes a queued response.
    ``emu.responder = fn(request) -> ScriptedResponse | str | None``: used
    when the queue is empty; ``None`` falls through to ``emu.default``
    (``text_response("Hello from the emulator.")``). A raising responder
    yields HTTP 500 InternalServerException carrying the traceback.
    ``emu.requests``: snapshot list of recorded requests, each a dict with
    ``path``, ``model_id`` (URL-decoded), ``stream``, ``headers``, ``body``
    (parsed JSON), ``time`` (monotonic).
    ``emu.wait_for_requests(n, timeout=5.0)`` / ``emu.wait_for_aborted(n,
    timeout=5.0)`` block until reached, else raise ``TimeoutError``.
    ``emu.aborted_streams``: streams the client closed before the end
    (noticed immediately while waiting, via EOF on the socket, or at the next
    write). ``emu.active_streams`` / ``emu.peak_active_streams``: in-flight
    stream counters, to prove the concurrency a benchmark reached.
    ``emu.reset()`` clears queue, records and counters.
"""

from __future__ import annotations

import binascii
import contextlib
import json
import logging
import math
import re
import secrets
import selectors
import socket
import struct
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

__all__ = [
    "BedrockEmulator",
    "ScriptedResponse",
    "StreamEvent",
    "encode_event_message",
    "hang_response",
    "http_error_response",
    "stream_error_response",
    "text_response",
    "tool_use_response",
    "tool_uses_response",
]

DEFAULT_TEXT = "Hello from the emulator."
DEFAULT_INFERENCE_PROFILE_MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0"

# Event-stream exception members of ConverseStreamOutput (service-2.json) and
# the HTTP error the same failure produces on the non-streaming route.
_STREAM_EXCEPTIONS: dict[str, tuple[int, str]] = {
    "internalServerException": (500, "InternalServerException"),
    "modelStreamErrorException": (424, "ModelErrorException"),
    "validationException": (400, "ValidationException"),
    "throttlingException": (429, "ThrottlingException"),
    "serviceUnavailableException": (503, "ServiceUnavailableException"),
}
_STREAM_EXCEPTIONS_BY_LOWER = {name.lower(): name for name in _STREAM_EXCEPTIONS}

_MODEL_ROUTE = re.compile(r"^/model/(?P<model>.+)/(?P<op>converse|converse-stream)$")
_PROFILE_ROUTE = re.compile(r"^/inference-profiles/(?P<profile>[^/]+)$")


# --------------------------------------------------------------------------
# Scripts


@dataclass(frozen=True)
class StreamEvent:
    """Wait ``delay`` seconds, then emit one event-stream frame.

    An empty ``event_type`` emits nothing: a pure pause (see hang_response).
    ``exception=True`` emits an exception frame whose ``:exception-type`` is
    ``event_type``.
    """

    event_type: str
    payload: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0
    exception: bool = False


@dataclass(frozen=True)
class ScriptedResponse:
    """What the emulator answers: an HTTP error, or a script of events."""

    events: tuple[StreamEvent, ...] = ()
    status: int = 200
    error_type: str = ""
    message: str = ""

    @property
    def is_http_error(self) -> bool:
        return self.status >= 300


def _split_text(text: str, chunks: int | Sequence[str] | None) -> list[str]:
    if chunks is None:
        # Word-ish pieces keep whitespace so the pieces join back exactly.
        return re.findall(r"\S+\s*|\s+", text)
    if isinstance(chunks, int):
        if chunks < 1:
            raise ValueError("chunks must be >= 1")
        if not text:
            return []
        size = math.ceil(len(text) / chunks)
        return [text[i : i + size] for i in range(0, len(text), size)]
    pieces = list(chunks)
    if "".join(pieces) != text:
        raise ValueError("chunks must concatenate to text")
    return pieces


def _split_json(value: dict[str, Any]) -> list[str]:
    # Bedrock streams tool input as several partial JSON strings.
    raw = json.dumps(value)
    count = min(len(raw), max(3, math.ceil(len(raw) / 20)))
    size = math.ceil(len(raw) / count)
    return [raw[i : i + size] for i in range(0, len(raw), size)]


def _new_tool_use_id() -> str:
    return "tooluse_" + secrets.token_urlsafe(16)[:22]


def _message_start() -> StreamEvent:
    return StreamEvent("messageStart", {"role": "assistant"})


def _text_block(index: int, pieces: Sequence[str], delay: float) -> list[StreamEvent]:
    events = [
        StreamEvent(
            "contentBlockDelta",
            {"contentBlockIndex": index, "delta": {"text": piece}},
            delay,
        )
        for piece in pieces
    ]
    if events:
        events.append(StreamEvent("contentBlockStop", {"contentBlockIndex": index}))
    return events


def _finish(
    events: list[StreamEvent],
    *,
    first_delay: float,
    stop_reason: str,
    usage: tuple[int, int] | None,
    output_tokens: int,
) -> ScriptedResponse:
    if first_delay and len(events) > 1:
        first = events[1]
        events[1] = replace(first, delay=first.delay + first_delay)
    input_tokens, out = usage if usage is not None else (10, max(1, output_tokens))
    latency_ms = int(sum(e.delay for e in events) * 1000)
    events.append(StreamEvent("messageStop", {"stopReason": stop_reason}))
    events.append(
        StreamEvent(
            "metadata",
            {
                "usage": {
                    "inputTokens": input_tokens,
                    "outputTokens": out,
                    "totalTokens": input_tokens + out,
                },
                "metrics": {"latencyMs": latency_ms},
            },
        )
    )
    return ScriptedResponse(events=tuple(events))


def text_response(
    text: str,
    *,
    chunks: int | Sequence[str] | None = None,
    first_delay: float = 0.0,
    delay: float = 0.0,
    stop_reason: str = "end_turn",
    usage: tuple[int, int] | None = None,
) -> ScriptedResponse:
    """A plain assistant answer streamed as text deltas of content block 0.

    ``chunks``: None splits on words, an int gives that many equal pieces, a
    list is used verbatim (must join to ``text``).
    """
    pieces = _split_text(text, chunks)
    events = [_message_start(), *_text_block(0, pieces, delay)]
    return _finish(
        events,
        first_delay=first_delay,
        stop_reason=stop_reason,
        usage=usage,
        output_tokens=len(pieces),
    )


def tool_uses_response(
    tool_uses: Sequence[tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], str]],
    *,
    text_before: str = "",
    delay: float = 0.0,
    first_delay: float = 0.0,
    usage: tuple[int, int] | None = None,
) -> ScriptedResponse:
    """Optional text block, then one toolUse block per ``(name, input[, id])``."""
    if not tool_uses:
        raise ValueError("tool_uses must not be empty")
    pieces = _split_text(text_before, None)
    events = [_message_start(), *_text_block(0, pieces, delay)]
    index = 1 if pieces else 0
    output_tokens = len(pieces)
    for call in tool_uses:
        name, tool_input, *rest = call
        tool_use_id = rest[0] if rest else _new_tool_use_id()
        events.append(
            StreamEvent(
                "contentBlockStart",
                {
                    "contentBlockIndex": index,
                    "start": {"toolUse": {"toolUseId": tool_use_id, "name": name}},
                },
            )
        )
        for piece in _split_json(tool_input):
            events.append(
                StreamEvent(
                    "contentBlockDelta",
                    {"contentBlockIndex": index, "delta": {"toolUse": {"input": piece}}},
                    delay,
                )
            )
            output_tokens += 1
        events.append(StreamEvent("contentBlockStop", {"contentBlockIndex": index}))
        index += 1
    return _finish(
        events,
        first_delay=first_delay,
        stop_reason="tool_use",
        usage=usage,
        output_tokens=output_tokens,
    )


def tool_use_response(
    name: str,
    input: dict[str, Any],
    *,
    tool_use_id: str | None = None,
    text_before: str = "",
    delay: float = 0.0,
    first_delay: float = 0.0,
    usage: tuple[int, int] | None = None,
) -> ScriptedResponse:
    """A single tool call (stopReason ``tool_use``)."""
    return tool_uses_response(
        [(name, input, tool_use_id or _new_tool_use_id())],
        text_before=text_before,
        delay=delay,
        first_delay=first_delay,
        usage=usage,
    )


def stream_error_response(
    exception_type: str,
    message: str,
    *,
    after_text: str = "",
    delay: float = 0.0,
) -> ScriptedResponse:
    """Text deltas (``after_text``), then an exception frame mid-stream.

    ``exception_type`` is the ConverseStreamOutput member name, e.g.
    ``modelStreamErrorException``; ``ThrottlingException`` spelling is
    accepted too. botocore raises ``EventStreamError`` with that code.
    """
    kind = _STREAM_EXCEPTIONS_BY_LOWER.get(exception_type.lower(), exception_type)
    events = [_message_start()]
    for piece in _split_text(after_text, None):
        events.append(
            StreamEvent(
                "contentBlockDelta",
                {"contentBlockIndex": 0, "delta": {"text": piece}},
                delay,
            )
        )
    events.append(StreamEvent(kind, {"message": message}, delay, exception=True))
    return ScriptedResponse(events=tuple(events))


def http_error_response(status: int, error_type: str, message: str) -> ScriptedResponse:
    """An AWS-style HTTP error, e.g. ``(429, "ThrottlingException", "...")``."""
    if status < 300:
        raise ValueError("status must be an error status")
    return ScriptedResponse(status=status, error_type=error_type, message=message)


def hang_response(seconds: float, *, then: ScriptedResponse | None = None) -> ScriptedResponse:
    """Headers + messageStart, then nothing for ``seconds``.

    Afterwards the rest of ``then`` (its messageStart skipped) is sent, or the
    body ends without messageStop. The wait ends early if the client closes.
    """
    tail: tuple[StreamEvent, ...] = ()
    if then is not None:
        if then.is_http_error:
            raise ValueError("then must be a streamed response")
        tail = tuple(e for e in then.events if e.event_type != "messageStart")
    return ScriptedResponse(events=(_message_start(), StreamEvent("", delay=seconds), *tail))


# --------------------------------------------------------------------------
# Wire format


def _encode_headers(headers: dict[str, str]) -> bytes:
    out = bytearray()
    for name, value in headers.items():
        name_b, value_b = name.encode(), value.encode()
        # type 7 = string: 1-byte name length, name, type, 2-byte value length.
        out += struct.pack("!B", len(name_b)) + name_b
        out += struct.pack("!BH", 7, len(value_b)) + value_b
    return bytes(out)


def encode_event_message(headers: dict[str, str], payload: bytes) -> bytes:
    """One AWS event-stream message, as botocore's EventStreamBuffer reads it."""
    header_bytes = _encode_headers(headers)
    total = 12 + len(header_bytes) + len(payload) + 4
    prelude = struct.pack("!II", total, len(header_bytes))
    message = prelude + struct.pack("!I", _crc(prelude)) + header_bytes + payload
    # The message CRC covers everything before it, prelude CRC included.
    return message + struct.pack("!I", _crc(message))


def _crc(data: bytes) -> int:
    return binascii.crc32(data) & 0xFFFFFFFF


def _frame(event: StreamEvent) -> bytes:
    payload = json.dumps(event.payload, separators=(",", ":")).encode()
    if event.exception:
        headers = {
            ":exception-type": event.event_type,
            ":content-type": "application/json",
            ":message-type": "exception",
        }
    else:
        headers = {
            ":event-type": event.event_type,
            ":content-type": "application/json",
            ":message-type": "event",
        }
    return encode_event_message(headers, payload)


def _aggregate(response: ScriptedResponse) -> tuple[int, str, dict[str, Any]]:
    """Turn a script into (status, error_type, JSON body) for ``/converse``."""
    if response.is_http_error:
        return response.status, response.error_type, {"message": response.message}
    blocks: dict[int, dict[str, Any]] = {}
    tool_inputs: dict[int, str] = {}
    stop_reason = "end_turn"
    usage: dict[str, int] = {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0}
    metrics: dict[str, int] = {"latencyMs": 0}
    for event in response.events:
        body = event.payload
        if event.exception:
            status, error_type = _STREAM_EXCEPTIONS.get(
                event.event_type, (500, event.event_type[:1].upper() + event.event_type[1:])
            )
            return status, error_type, {"message": body.get("message", "")}
        if event.event_type == "contentBlockStart" and "toolUse" in body["start"]:
            tool = body["start"]["toolUse"]
            blocks[body["contentBlockIndex"]] = {
                "toolUse": {"toolUseId": tool["toolUseId"], "name": tool["name"], "input": {}}
            }
        elif event.event_type == "contentBlockDelta":
            index, delta = body["contentBlockIndex"], body["delta"]
            if "text" in delta:
                block = blocks.setdefault(index, {"text": ""})
                block["text"] += delta["text"]
            elif "toolUse" in delta:
                tool_inputs[index] = tool_inputs.get(index, "") + delta["toolUse"]["input"]
        elif event.event_type == "messageStop":
            stop_reason = body["stopReason"]
        elif event.event_type == "metadata":
            usage, metrics = body["usage"], body["metrics"]
    for index, raw in tool_inputs.items():
        blocks[index]["toolUse"]["input"] = json.loads(raw or "{}")
    content = [blocks[i] for i in sorted(blocks)]
    return (
        200,
        "",
        {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": stop_reason,
            "usage": usage,
            "metrics": metrics,
        },
    )


# --------------------------------------------------------------------------
# Server


class _ClientGone(Exception):
    """The client closed the connection (or the emulator is stopping)."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops SYNs under a burst of hundreds of
    # connections, which shows up as 1 s client-side retransmit stalls.
    request_queue_size = 1024
    emulator: BedrockEmulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients dropping keep-alive connections is normal, not an error.
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, _ClientGone)) or self.emulator._stopping.is_set():
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, chunked streaming
    disable_nagle_algorithm = True  # one small frame per chunk must leave at once
    server: _Server

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
        status, error_type, body = _aggregate(response)
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
                frame = _frame(event)
                self._write(b"%x\r\n%s\r\n" % (len(frame), frame))
            self._write(b"0\r\n\r\n")
        except _ClientGone:
            if not emu._stopping.is_set():
                emu._stream_aborted()
            raise
        finally:
            emu._stream_finished()


class BedrockEmulator:
    """Bedrock Runtime on ``127.0.0.1``; see the module docstring."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._server: _Server | None = None
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
        server = _Server((self._host, self._port), _Handler)
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
