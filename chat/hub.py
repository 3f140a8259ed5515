"""This worker's sockets per conversation, and one subscription per conversation for the rest.

A conversation's events reach the sockets of the worker that produced them in the process,
with no round trip through Redis (chat.broadcast delivers them here, then publishes them once
for the other workers). For what other workers publish, the hub holds one channel-layer
channel per conversation it has sockets for, in the conversation's group while any of them is
open, and hands each event that arrives on it to those sockets; its own worker's copies, which
Redis echoes back to every subscriber, are skipped by their origin. The last socket to leave
ends the subscription.

A chunk is published only while another worker may hear it: Redis says how many workers
received each publish (config.pubsub_layer), and a hub that subscribes to a conversation says
so to every worker (through their control group). While nobody else listened to the last
publish, chunks stay in the process, except one every PROBE_SECONDS, so that a worker that
joined unheard still gets the cumulative text within it. Every other event is always
published.

A socket joins before it reads its history and goes live once that is sent: events of the
meantime wait in its backlog, so none is lost between the read and the first frame, and
none is sent before the `history` frame.
"""

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Protocol

from channels.layers import get_channel_layer

from chat import events
from chat.events import Event
from chat.groups import conversation_group, turn_control_group

logger = logging.getLogger(__name__)

# The key that names the worker an event came from, on what the hub publishes.
ORIGIN = "origin"
# Longest a conversation's chunks stay unpublished because nobody else listened.
PROBE_SECONDS = 1.0
# Conversations whose last publish is remembered, at most (older ones are forgotten first).
HEARD_MAX = 10_000


class LocalSocket(Protocol):
    """A socket of this worker (chat.consumers.ChatConsumer)."""

    async def deliver(self, event: Event) -> None: ...


@dataclass(eq=False)
class _Room:
    """One conversation's sockets here; a socket's backlog is None once it is live."""

    members: dict[LocalSocket, list[Event] | None] = field(default_factory=dict)
    subscribed: "asyncio.Task[None] | None" = None
    channel: str | None = None
    reader: "asyncio.Task[None] | None" = None
    listening: bool = False  # Redis counts this worker among the group's subscribers


class ConversationHub:
    def __init__(self) -> None:
        self.origin = uuid.uuid4().hex
        self._rooms: dict[str, _Room] = {}
        # Conversation -> how many other workers received its last publish, and when.
        self._heard: dict[str, tuple[int, float]] = {}
        self._joins = 0  # hubs heard joining any conversation, on any worker

    # --- membership ---------------------------------------------------------------------------

    async def join(self, conversation_id: str, socket: LocalSocket) -> None:
        """Hold `socket`'s events from now on (in its backlog until `live`); subscribe the
        conversation when it is the first socket here. Raises what the layer raised, having
        let go of the socket."""
        room = self._rooms.get(conversation_id)
        if room is None:
            room = self._rooms[conversation_id] = _Room()
            room.subscribed = asyncio.ensure_future(self._subscribe(conversation_id, room))
        room.members[socket] = []
        assert room.subscribed is not None
        try:
            await asyncio.shield(room.subscribed)
        except BaseException:
            await self.leave(conversation_id, socket)
            raise

    async def live(self, conversation_id: str, socket: LocalSocket) -> None:
        """Send `socket` what it held back, in order, and every event directly from now on."""
        room = self._rooms.get(conversation_id)
        if room is None or socket not in room.members:
            return
        backlog = room.members[socket]
        # Events that arrive while the backlog is sent join its end (deliver appends to it).
        while backlog:
            await self._hand(socket, backlog.pop(0))
        room.members[socket] = None

    async def leave(self, conversation_id: str, socket: LocalSocket) -> None:
        """Forget `socket`; end the conversation's subscription when it was the last one."""
        room = self._rooms.get(conversation_id)
        if room is None:
            return
        room.members.pop(socket, None)
        if room.members:
            return
        del self._rooms[conversation_id]
        await self._unsubscribe(conversation_id, room)

    def sockets(self, conversation_id: str) -> list[LocalSocket]:
        room = self._rooms.get(conversation_id)
        return list(room.members) if room is not None else []

    def subscribed(self) -> list[str]:
        """The conversations this worker holds a subscription for."""
        return [cid for cid, room in self._rooms.items() if room.channel is not None]

    # --- delivery -----------------------------------------------------------------------------

    async def deliver(self, conversation_id: str, event: Event) -> None:
        """Hand `event` to each socket of the conversation here (or to its backlog)."""
        room = self._rooms.get(conversation_id)
        if room is None:
            return
        for socket, backlog in list(room.members.items()):
            if backlog is not None:
                backlog.append(event)
            else:
                await self._hand(socket, event)

    def should_publish(self, conversation_id: str, event: Event) -> bool:
        """False for a chunk that no other worker received the last time, less than
        PROBE_SECONDS ago, with no hub joining the conversation since."""
        if not events.is_chunk(event):
            return True
        heard = self._heard.get(conversation_id)
        return heard is None or heard[0] > 0 or time.monotonic() - heard[1] >= PROBE_SECONDS

    def publishing(self) -> int:
        """A mark to hand to `published`: hubs that join meanwhile may be missing from the
        count Redis gives."""
        return self._joins

    def published(self, conversation_id: str, receivers: int | None, mark: int) -> None:
        """Redis delivered the conversation's event to `receivers` workers (None: the layer
        does not say, so every chunk is published)."""
        if receivers is None:
            self._heard.pop(conversation_id, None)
            return
        room = self._rooms.get(conversation_id)
        others = receivers - (1 if room is not None and room.listening else 0)
        if mark != self._joins:
            others = max(others, 1)
        if len(self._heard) >= HEARD_MAX:
            self._heard.pop(next(iter(self._heard)))
        self._heard.pop(conversation_id, None)  # re-inserted last: dicts keep insertion order
        self._heard[conversation_id] = (others, time.monotonic())

    def joined_elsewhere(self, conversation_id: str) -> None:
        """A worker's hub subscribed to the conversation (its control-group event)."""
        self._joins += 1
        self._heard.pop(conversation_id, None)

    def outgoing(self, event: Event) -> Event:
        """`event` as published for the other workers: it names this one, whose own copy
        the hub skips when Redis brings it back."""
        return {**event, ORIGIN: self.origin}

    async def _hand(self, socket: LocalSocket, event: Event) -> None:
        # A turn delivers from its own task: one socket's failure must not end the turn or
        # keep the event from the others.
        try:
            await socket.deliver(event)
        except Exception as exc:
            logger.warning("delivery to a socket failed", extra={"error": type(exc).__name__})

    # --- the subscription ---------------------------------------------------------------------

    async def _subscribe(self, conversation_id: str, room: _Room) -> None:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        room.channel = channel
        # Read from the start: an event published right after SUBSCRIBE must find a reader.
        room.reader = asyncio.ensure_future(self._read(conversation_id, channel))
        await layer.group_add(conversation_group(conversation_id), channel)
        room.listening = True
        try:
            await layer.group_send(
                turn_control_group(), events.hub_joined_event(conversation_id=conversation_id)
            )
        except Exception as exc:
            # The turn's worker then hears of this one within PROBE_SECONDS.
            logger.warning("hub join not announced", extra={"error": type(exc).__name__})

    async def _unsubscribe(self, conversation_id: str, room: _Room) -> None:
        if room.subscribed is not None and not room.subscribed.done():
            room.subscribed.cancel()
        if room.reader is not None:
            # The pub/sub layer unsubscribes a channel when a receive on it is cancelled.
            room.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await room.reader
        if room.channel is not None:
            try:
                await get_channel_layer().group_discard(
                    conversation_group(conversation_id), room.channel
                )
            except Exception as exc:
                logger.warning("group discard failed", extra={"error": type(exc).__name__})

    async def _read(self, conversation_id: str, channel: str) -> None:
        layer = get_channel_layer()
        while True:
            try:
                event = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # The layer heals its own connection; the sockets catch up meanwhile.
                logger.warning("hub receive failed", extra={"error": type(exc).__name__})
                await asyncio.sleep(1.0)
                continue
            if event.get(ORIGIN) == self.origin:
                continue  # delivered here already, by chat.broadcast
            await self.deliver(conversation_id, event)
