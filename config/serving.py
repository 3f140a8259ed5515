"""What a daphne worker does around serving: start the chat worker's loops, settle on stop.

daphne gives no ASGI lifespan, so this hooks into its Twisted reactor: the loops start when
the reactor runs (not at the first socket, so a worker nobody talks to still reaps dead
turns), and running turns are settled before it stops (SIGTERM, SIGINT). daphne cancels only
the consumers it serves; turns are tasks of their own, so without this a stopping worker would
leave their messages `streaming` until the claim expires.
"""

import asyncio
import sys

from django.conf import settings

from chat.worker import current


def attach_to_daphne() -> None:
    """Under daphne (its reactor is installed), hook the chat worker into its lifetime."""
    if "twisted.internet.reactor" not in sys.modules:
        return
    from twisted.internet import defer, reactor

    def started() -> None:
        # Startup triggers fire before the asyncio loop turns; the loops need it running.
        reactor.callLater(0, lambda: current().start())

    def before_shutdown() -> defer.Deferred:
        timeout = max(1.0, settings.CHAT_SHUTDOWN_SECONDS)
        return defer.Deferred.fromFuture(asyncio.ensure_future(current().shutdown(timeout)))

    reactor.callWhenRunning(started)
    reactor.addSystemEventTrigger("before", "shutdown", before_shutdown)
