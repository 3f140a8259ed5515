"""This process's chat runtime: its running turns, its open sockets, its background loops.

One Worker per process, owned by the chat app (`current()`); tests swap in a fresh one. The
loops (heartbeat, reaper, channel-layer health) run once per event loop: under daphne from the
moment the reactor runs (config.serving), elsewhere from the first socket or turn.
"""

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from channels.layers import get_channel_layer
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError

from chat import events, heartbeat, layer_health, reaper
from chat.groups import turn_control_group
from chat.hub import ConversationHub, LocalSocket

logger = logging.getLogger(__name__)


class RunningTurn(heartbeat.Beating, Protocol):
    """What the worker needs of a turn (chat.turns.Turn)."""

    conversation_id: str
    task: "asyncio.Task[None] | None"

    def live_text(self, message_id: str) -> str | None: ...

    def stop(self) -> None: ...


class Worker:
    def __init__(self) -> None:
        self.turns: dict[str, RunningTurn] = {}  # conversation id -> its turn running here
        self.hub = ConversationHub()  # this worker's sockets per conversation, their fan-out
        self._socket_counts: Counter[str] = Counter()  # owner key -> open sockets
        self.layer_down = False
        self._loops: dict[str, asyncio.Task[None]] = {}
        self._chores: set[asyncio.Task[None]] = set()  # work after a turn (summaries)

    # --- turns --------------------------------------------------------------------------------

    def turn_started(self, turn: RunningTurn) -> None:
        self.turns[turn.conversation_id] = turn
        self.start()

    def turn_ended(self, turn: RunningTurn) -> None:
        if self.turns.get(turn.conversation_id) is turn:
            del self.turns[turn.conversation_id]

    def spawn(self, work: Coroutine[Any, Any, None], *, name: str) -> asyncio.Task[None]:
        """Run `work` after a turn, off the turn's path; held here so it is not collected
        mid-way and shutdown can cancel it."""
        task = asyncio.create_task(work, name=name)
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)
        return task

    def live_text(self, conversation_id: str, message_id: str) -> str | None:
        """The text of a message streaming in this process, newer than its checkpoint."""
        turn = self.turns.get(conversation_id)
        return turn.live_text(message_id) if turn is not None else None

    # --- sockets ------------------------------------------------------------------------------

    def has_room_for_socket(self, owner_key: str) -> bool:
        return self._socket_counts[owner_key] < settings.CHAT_MAX_SOCKETS_PER_SESSION

    def socket_opened(self, *, owner_key: str) -> None:
        """One more open socket of `owner_key` (its conversation's membership: self.hub)."""
        self._socket_counts[owner_key] += 1
        self.start()

    def socket_closed(self, *, owner_key: str) -> None:
        self._socket_counts[owner_key] -= 1
        if self._socket_counts[owner_key] <= 0:
            del self._socket_counts[owner_key]

    def local_sockets(self, conversation_id: str) -> list[LocalSocket]:
        return self.hub.sockets(conversation_id)

    def open_sockets(self) -> int:
        return sum(self._socket_counts.values())

    # --- background loops ---------------------------------------------------------------------

    def start(self) -> None:
        """Run the background loops on the current event loop, unless they already do."""
        self._keep("chat-heartbeat", self._heartbeat_loop)
        self._keep("chat-reaper", self._reaper_loop)
        self._keep("chat-layer-health", self._layer_health_loop)
        self._keep("chat-control", self._control_loop)

    def _keep(self, name: str, body: Callable[[], Coroutine[Any, Any, None]]) -> None:
        loop = asyncio.get_running_loop()
        task = self._loops.get(name)
        if task is None or task.done() or task.get_loop() is not loop:
            self._loops[name] = loop.create_task(body(), name=name)

    async def stop_loops(self) -> None:
        tasks = [task for task in self._loops.values() if not task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loops.clear()

    async def _heartbeat_loop(self) -> None:
        interval = min(settings.CHAT_HEARTBEAT_SECONDS, settings.CHAT_CHECKPOINT_SECONDS)
        await _every(interval, lambda: heartbeat.beat_once(list(self.turns.values())), "heartbeat")

    async def _reaper_loop(self) -> None:
        await _every(settings.CHAT_REAPER_SECONDS, reaper.reap_once, "reaper pass")

    async def _layer_health_loop(self) -> None:
        while True:
            down = not await layer_health.layer_delivers()
            if down != self.layer_down:
                self.layer_down = down
                log = logger.warning if down else logger.info
                log("channel layer down" if down else "channel layer back")
            await asyncio.sleep(layer_health.CHECK_EVERY_SECONDS)

    async def _control_loop(self) -> None:
        """Stop this worker's turns on `stop` sent on any worker, and hear other workers'
        hubs join conversations: one subscription for the process, taken when the worker
        starts, rather than one per turn (best effort: with the layer down, only this
        worker's sockets can stop its turns)."""
        while True:
            try:
                await _listen_for_control(self._stop_turn, self.hub.joined_elsewhere)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("stop listener unavailable", extra={"error": type(exc).__name__})
            await asyncio.sleep(layer_health.CHECK_EVERY_SECONDS)

    def _stop_turn(self, conversation_id: str) -> None:
        turn = self.turns.get(conversation_id)
        if turn is not None:
            turn.stop()

    # --- shutdown -----------------------------------------------------------------------------

    async def shutdown(self, grace_seconds: float) -> None:
        """Settle every running turn of this worker: stored as `interrupted`, claim released."""
        tasks = [t.task for t in list(self.turns.values()) if t.task and not t.task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=grace_seconds)
            logger.info("turns settled at shutdown", extra={"turns": len(tasks)})
        for chore in list(self._chores):
            chore.cancel()  # a summary not written now is written after the next answer
        await self.stop_loops()


async def _every(seconds: float, once: Callable[[], Coroutine[Any, Any, None]], what: str) -> None:
    """Run `once` every `seconds`; a failed pass is logged and the next one comes as usual."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await once()
        except DatabaseError:
            logger.warning(f"{what} failed: database error")
        except Exception as exc:
            logger.warning(f"{what} failed", extra={"error": type(exc).__name__})


async def _listen_for_control(stop: Callable[[str], None], joined: Callable[[str], None]) -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(turn_control_group(), channel)
    try:
        while True:
            event = await layer.receive(channel)
            if events.is_stop(event):
                stop(str(event.get("conversation_id", "")))
            elif events.is_hub_joined(event):
                joined(str(event.get("conversation_id", "")))
    finally:
        with contextlib.suppress(Exception):
            await layer.group_discard(turn_control_group(), channel)


def current() -> Worker:
    """This process's worker (held by the chat app's config)."""
    return apps.get_app_config("chat").worker  # type: ignore[attr-defined,no-any-return]
