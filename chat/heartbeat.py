"""One heartbeat for all of this worker's turns, on a clock (never per chunk).

Each beat extends every running turn's claim and checkpoints every streaming text in a single
transaction: one trip to the ORM thread per worker per beat, however many turns run (why a
heartbeat per turn was dropped: docs/benchmarks.md, findings).
"""

import logging
import uuid
from typing import Protocol

from channels.db import database_sync_to_async

from chat import services

logger = logging.getLogger(__name__)


class Beating(Protocol):
    """A running turn as the heartbeat sees it (chat.turns.Turn)."""

    def claim(self) -> tuple[str, str]:
        """(conversation id, claim token)."""
        ...

    def unsaved_text(self) -> tuple[uuid.UUID, str] | None:
        """(message id, text) when the streaming text is newer than its checkpoint."""
        ...

    def text_saved(self, message_id: uuid.UUID, text: str) -> None: ...


async def beat_once(turns: list[Beating]) -> None:
    if not turns:
        return
    claims = [turn.claim() for turn in turns]
    unsaved = [(turn, turn.unsaved_text()) for turn in turns]
    checkpoints = [checkpoint for _, checkpoint in unsaved if checkpoint is not None]
    alive = await database_sync_to_async(services.turns_heartbeat)(
        claims=claims, checkpoints=checkpoints
    )
    for turn, checkpoint in unsaved:
        if checkpoint is not None:
            turn.text_saved(*checkpoint)
    if alive < len(claims):
        logger.warning("turn claims lost", extra={"lost": len(claims) - alive})
