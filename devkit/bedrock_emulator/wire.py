"""What goes on the wire: event-stream frames (converse-stream) and the Converse JSON body."""

from __future__ import annotations

import binascii
import json
import struct
from typing import Any

from devkit.bedrock_emulator.responses import STREAM_EXCEPTIONS, ScriptedResponse, StreamEvent


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


def frame(event: StreamEvent) -> bytes:
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


def aggregate(response: ScriptedResponse) -> tuple[int, str, dict[str, Any]]:
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
            status, error_type = STREAM_EXCEPTIONS.get(
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
