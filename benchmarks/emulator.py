"""devkit.bedrock_emulator with wall-clock stamps in every text delta, without changing it.

Text deltas may contain ``{now}``; it is replaced with ``time.time()`` when the event-stream
frame is built, i.e. right before the emulator writes it (``BedrockEmulator.encode``).
"""

import dataclasses
import time

from devkit.bedrock_emulator import BedrockEmulator, StreamEvent, text_response


class StampingEmulator(BedrockEmulator):
    """Answers every request with ``n`` stamped deltas at ``rate`` per second."""

    def __init__(self, *, n: int, rate: float) -> None:
        super().__init__()
        pieces = ["⟨{now}⟩"] * n
        self.responder = lambda request: text_response(
            "".join(pieces), chunks=pieces, delay=1.0 / rate
        )

    def encode(self, event: StreamEvent) -> bytes:
        delta = event.payload.get("delta") if event.event_type == "contentBlockDelta" else None
        if delta and "{now}" in delta.get("text", ""):
            text = delta["text"].replace("{now}", f"{time.time():.6f}")
            event = dataclasses.replace(event, payload={**event.payload, "delta": {"text": text}})
        return super().encode(event)
