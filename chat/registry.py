"""This worker's running turns and open sockets, and settling the turns at shutdown."""

import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings

if TYPE_CHECKING:
    from chat.turns import Turn

logger = logging.getLogger(__name__)

RUNNING: dict[str, "Turn"] = {}  # conversation id -> its turn running here


def start_once(
    task: "asyncio.Task[None] | None", loop_body: Callable[[], Coroutine[Any, Any, None]], name: str
) -> "asyncio.Task[None]":
    """`task` if it is still running on this event loop, else a new task running `loop_body`:
    for this process's background loops (keeper, reaper, layer monitor)."""
    loop = asyncio.get_running_loop()
    if task is None or task.done() or task.get_loop() is not loop:
        task = loop.create_task(loop_body(), name=name)
    return task


class LocalSocket(Protocol):
    async def deliver(self, event: dict[str, Any]) -> None: ...


# This worker's open sockets per conversation: the fallback when the channel layer is down.
LOCAL_SOCKETS: dict[str, set[LocalSocket]] = {}


def live_text(conversation_id: str, message_id: str) -> str | None:
    """The text of a message streaming in this process, newer than its checkpoint."""
    turn = RUNNING.get(conversation_id)
    if turn is not None and str(turn.message_id) == message_id:
        return turn.text
    return None


async def shutdown(grace_seconds: float) -> None:
    """Settle every running turn of this worker: stored as `interrupted`, claim released."""
    tasks = [turn.task for turn in list(RUNNING.values()) if turn.task and not turn.task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=grace_seconds)
        logger.info("turns settled at shutdown", extra={"turns": len(tasks)})


_shutdown_hook_installed = False


def install_shutdown_hook() -> None:
    """Under daphne, settle running turns before the reactor stops (SIGTERM, SIGINT).

    daphne cancels only the consumers it serves; turns are tasks of their own, so without this
    a stopping worker would leave their messages `streaming` until the claim expires.
    """
    global _shutdown_hook_installed
    if _shutdown_hook_installed or "twisted.internet.reactor" not in sys.modules:
        return
    from twisted.internet import defer, reactor

    def before_shutdown() -> defer.Deferred:
        timeout = max(1.0, settings.CHAT_SHUTDOWN_SECONDS)
        return defer.Deferred.fromFuture(asyncio.ensure_future(shutdown(timeout)))

    reactor.addSystemEventTrigger("before", "shutdown", before_shutdown)
    _shutdown_hook_installed = True
