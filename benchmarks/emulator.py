"""devkit.bedrock_emulator with wall-clock stamps in every text delta, without changing it.

Text deltas may contain ``{now}``; it is replaced with ``time.time()`` when the event-stream
frame is built, i.e. right before the emulator writes it (wrapping the module's ``_frame``).
"""

import dataclasses
import time
from typing import Any

from devkit import bedrock_emulator as emu_module
from devkit.bedrock_emulator import BedrockEmulator, text_response

_original_frame = emu_module._frame


def _stamping_frame(event: Any) -> bytes:
    delta = event.payload.get("delta") if event.event_type == "contentBlockDelta" else None
    if delta and "{now}" in delta.get("text", ""):
        text = delta["text"].replace("{now}", f"{time.time():.6f}")
        event = dataclasses.replace(event, payload={**event.payload, "delta": {"text": text}})
    return _original_frame(event)


class StampingEmulator(BedrockEmulator):
    """Answers every request with ``n`` stamped deltas at ``rate`` per second."""

    def __init__(self, *, n: int, rate: float) -> None:
        super().__init__()
        pieces = ["⟨{now}⟩"] * n
        self.responder = lambda request: text_response(
            "".join(pieces), chunks=pieces, delay=1.0 / rate
        )

    def start(self) -> "StampingEmulator":
        emu_module._frame = _stamping_frame
        super().start()
        return self

    def stop(self) -> None:
        super().stop()
        emu_module._frame = _original_frame
