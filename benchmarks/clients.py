"""The load client: real WebSocket clients (``websockets`` asyncio), one process per share.

Run as ``python -m benchmarks.clients``: reads a JSON spec line on stdin, opens every socket,
prints ``READY``, waits for ``GO`` on stdin, runs the streams and prints one JSON result line.
Each stream has an asking socket (sends the question) and optional reading sockets (e.g. on
another worker). For every chunk frame the client takes each ``⟨stamp⟩`` in it:
overhead = receive time - stamp (same machine, same clock). ``kind`` is ``project``,
``bare`` or ``chainlit`` (Socket.IO over the same WebSocket client: Engine.IO 4 packets,
``stream_start`` and ``stream_token`` events carry the deltas, ``task_end`` ends an answer).
"""

import asyncio
import json
import random
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

MAX_SIZE = 2**26
LATE_MS = 5.0

# The stamps benchmarks.stamps gives the stamped model, the bare app and the emulator.
STAMP = re.compile(r"⟨(\d+\.\d+)⟩")


class CountingConnection(ClientConnection):
    """Counts the bytes the server put on the wire to this client (after the handshake)."""

    wire_bytes = 0

    def data_received(self, data: bytes) -> None:
        self.wire_bytes += len(data)
        super().data_received(data)


def ws_header(payload: int) -> int:
    return 2 if payload < 126 else 4 if payload < 65536 else 10


@dataclass
class SocketResult:
    role: str
    overheads_ms: list[float] = field(default_factory=list)
    # (stamp, overhead ms) of chunks slower than LATE_MS: when the slow ones happened.
    late: list[tuple[float, float]] = field(default_factory=list)
    first_chunk_s: float | None = None
    frames: int = 0
    chunk_frames: int = 0
    wire_bytes: int = 0
    chunk_wire_bytes: int = 0
    naive_bytes: int = 0
    text_chars: int = 0
    text_bytes: int = 0
    error: str = ""


async def open_socket(
    url: str, cookie: str, origin: str, kind: str, compression: str | None = None
) -> CountingConnection:
    ws = await websockets.connect(
        url,
        additional_headers={"Cookie": cookie} if cookie else None,
        origin=websockets.Origin(origin),
        max_size=MAX_SIZE,
        max_queue=None,
        compression=compression,
        open_timeout=60,
        ping_interval=None,
        create_connection=CountingConnection,
    )
    if kind == "project":
        history = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if history.get("type") != "history":
            raise RuntimeError(f"expected history, got {history.get('type')}")
    elif kind == "chainlit":
        await socketio_open(ws)
    ws.wire_bytes = 0
    return ws


async def socketio_open(ws: CountingConnection) -> None:
    """Engine.IO open, Socket.IO connect with Chainlit's session fields, then the session
    start Chainlit's page sends, answered by ``task_end``."""
    opened = await asyncio.wait_for(ws.recv(), 60)
    if not str(opened).startswith("0"):
        raise RuntimeError(f"expected an Engine.IO open packet, got {str(opened)[:80]}")
    auth = {"sessionId": str(uuid.uuid4()), "clientType": "webapp", "threadId": None}
    await ws.send("40" + json.dumps(auth))
    while True:
        name, _ = await socketio_event(ws, 60)
        if name == "connect":
            break
    await ws.send('42["connection_successful"]')
    while (await socketio_event(ws, 60))[0] != "task_end":
        pass


async def socketio_event(ws: CountingConnection, within: float) -> tuple[str, Any]:
    """The next Socket.IO event (name, data), answering Engine.IO pings on the way;
    ``connect`` for the namespace's connect packet."""
    while True:
        raw = str(await asyncio.wait_for(ws.recv(), within))
        if raw == "2":
            await ws.send("3")
        elif raw.startswith("40"):
            return "connect", None
        elif raw.startswith("44"):
            raise RuntimeError(f"Socket.IO connect refused: {raw[:200]}")
        elif raw.startswith("42"):
            name, *data = json.loads(raw[2:])
            return name, data[0] if data else None


async def read_stream(
    ws: CountingConnection, result: SocketResult, kind: str, sent_at: list[float], deadline: float
) -> None:
    held, held_bytes = "", 0
    end = "turn_ended" if kind == "project" else "end"
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                result.error = "timeout"
                return
            try:
                raw = await asyncio.wait_for(ws.recv(), remaining)
            except websockets.ConnectionClosed as exc:
                result.error = f"closed {exc.rcvd.code if exc.rcvd else '-'}"
                return
            except TimeoutError:  # a stream that never ended is a row's error, not a crash
                result.error = "timeout"
                return
            now = time.time()
            result.frames += 1
            if kind == "chainlit":
                if raw == "2":
                    await ws.send("3")
                    continue
                frame = socketio_frame(str(raw))
            else:
                frame = json.loads(raw)
            kind_ = frame.get("type")
            if kind_ == "chunk":
                if result.first_chunk_s is None and sent_at:
                    result.first_chunk_s = time.monotonic() - sent_at[0]
                result.chunk_frames += 1
                payload = len(raw.encode())
                result.chunk_wire_bytes += payload + ws_header(payload)
                if "delta" in frame:
                    offset, new = frame["offset"], frame["delta"]
                    if offset < 0:  # Chainlit's tokens: appended, no offset
                        offset = len(held)
                    if offset == len(held):
                        held += new
                        held_bytes += len(new.encode())
                    else:
                        held = held[:offset] + new
                        held_bytes = len(held.encode())
                else:  # the naive design: the whole text every time
                    new = frame["text"][len(held) :]
                    held = frame["text"]
                    held_bytes = len(held.encode())
                # What this frame would weigh if it carried the whole text (same JSON otherwise).
                naive_payload = (
                    payload if "text" in frame else payload - len(new.encode()) + held_bytes
                )
                result.naive_bytes += naive_payload + ws_header(naive_payload)
                for match in STAMP.finditer(new):
                    stamp = float(match.group(1))
                    overhead = round((now - stamp) * 1000, 3)
                    result.overheads_ms.append(overhead)
                    if overhead > LATE_MS:
                        result.late.append((stamp, overhead))
            elif kind_ == end:
                return
            elif kind_ == "error":
                result.error = f"{frame.get('code')}: {frame.get('detail')}"[:200]
    finally:
        result.wire_bytes = ws.wire_bytes
        result.text_chars = len(held)
        result.text_bytes = len(held.encode())


def socketio_frame(raw: str) -> dict[str, Any]:
    """A Chainlit event as the frame the readers here understand: its tokens as a delta
    (``stream_start`` carries the first one in the message's ``output``)."""
    if not raw.startswith("42"):
        return {"type": "engineio"}
    name, *data = json.loads(raw[2:])
    payload = data[0] if data else {}
    if name == "stream_token":
        return {"type": "chunk", "delta": payload["token"], "offset": -1}
    if name == "stream_start":
        return {"type": "chunk", "delta": payload.get("output") or "", "offset": -1}
    if name == "task_end":
        return {"type": "end"}
    return {"type": name}


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    kind = spec["kind"]
    cookie, origin = spec.get("cookie", ""), spec["origin"]
    streams = spec["streams"]
    semaphore = asyncio.Semaphore(spec.get("connect_concurrency", 50))
    started_cpu = time.process_time()

    async def connect(url: str) -> CountingConnection:
        async with semaphore:
            return await open_socket(url, cookie, origin, kind, spec.get("compression"))

    sockets = []
    connect_started = time.monotonic()
    for stream in streams:
        asker = connect(stream["ask"])
        readers = [connect(url) for url in stream.get("read", [])]
        sockets.append([asker, *readers])
    opened = await asyncio.gather(*[asyncio.gather(*group) for group in sockets])
    connect_seconds = time.monotonic() - connect_started
    print("READY", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    if line.strip() != "GO":
        raise SystemExit("no GO")
    deadline = time.monotonic() + spec["timeout"]
    cpu_before = time.process_time()
    wall_before = time.monotonic()

    async def ask_once(group: list[CountingConnection]) -> list[SocketResult]:
        results = [SocketResult("ask")] + [SocketResult("read") for _ in group[1:]]
        sent_at: list[float] = []
        readers = [
            asyncio.create_task(read_stream(ws, res, kind, sent_at, deadline))
            for ws, res in zip(group, results, strict=True)
        ]
        if kind == "project":
            message = json.dumps(
                {
                    "type": "user_message",
                    "content": spec["question"],
                    "client_message_id": uuid.uuid4().hex,
                }
            )
        elif kind == "chainlit":
            step = {
                "id": str(uuid.uuid4()),
                "createdAt": datetime.now(UTC).isoformat(),
                "output": spec["question"],
                "type": "user_message",
                "name": "User",
            }
            message = "42" + json.dumps(["client_message", {"message": step}])
        else:
            message = json.dumps(spec["question"])
        sent_at.append(time.monotonic())
        await group[0].send(message)
        await asyncio.gather(*readers)
        return results

    async def one(group: list[CountingConnection]) -> list[list[SocketResult]]:
        await asyncio.sleep(random.random() * spec.get("stagger", 0.0))
        return [await ask_once(group) for _ in range(spec.get("rounds", 1))]

    per_stream: list[list[SocketResult]] = []
    if spec.get("hold"):
        pass
    elif spec.get("sequential"):
        for group in opened:
            per_stream += await one(group)
    else:
        for rounds in await asyncio.gather(*[one(g) for g in opened]):
            per_stream += rounds
    wall = time.monotonic() - wall_before
    cpu = time.process_time() - cpu_before
    await asyncio.gather(*[ws.close() for group in opened for ws in group], return_exceptions=True)
    return {
        "streams": [[r.__dict__ for r in results] for results in per_stream],
        "connect_seconds": connect_seconds,
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "setup_cpu_seconds": cpu_before - started_cpu,
    }


def main() -> None:
    spec = json.loads(sys.stdin.readline())
    result = asyncio.run(run(spec))
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
