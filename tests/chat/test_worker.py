"""The worker's runtime: socket slots, local sockets, loops once per event loop, shutdown."""

import asyncio
import uuid

import pytest

from chat.worker import Worker, current


class FakeSocket:
    async def deliver(self, event):  # type: ignore[no-untyped-def]
        pass


def test_each_owner_gets_a_bounded_number_of_socket_slots(settings):
    settings.CHAT_MAX_SOCKETS_PER_SESSION = 2
    worker = Worker()
    worker.start = lambda: None  # type: ignore[method-assign]  (no event loop here)

    worker.socket_opened(owner_key="anon:x")
    worker.socket_opened(owner_key="anon:x")

    assert not worker.has_room_for_socket("anon:x")
    assert worker.has_room_for_socket("user:1")
    worker.socket_closed(owner_key="anon:x")
    assert worker.has_room_for_socket("anon:x")
    assert worker.open_sockets() == 1


async def test_local_sockets_are_the_hubs_sockets_of_each_conversation():
    worker = Worker()
    a, b = FakeSocket(), FakeSocket()
    await worker.hub.join("c1", a)
    await worker.hub.join("c2", b)

    assert worker.local_sockets("c1") == [a]
    await worker.hub.leave("c1", a)
    assert worker.local_sockets("c1") == []
    assert worker.local_sockets("c2") == [b]
    await worker.hub.leave("c2", b)


async def test_loops_start_once_per_event_loop_and_stop():
    worker = Worker()
    worker.start()
    first = dict(worker._loops)
    worker.start()

    assert set(first) == {"chat-heartbeat", "chat-reaper", "chat-layer-health", "chat-control"}
    assert worker._loops == first
    await worker.stop_loops()
    assert all(task.cancelled() for task in first.values())


class FakeTurn:
    def __init__(self, conversation_id: str) -> None:
        self.conversation_id = conversation_id
        self.task = None
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


async def test_stop_sent_to_the_control_group_stops_only_the_named_conversations_turn():
    from channels.layers import get_channel_layer

    from chat import events
    from chat.groups import turn_control_group

    worker = Worker()
    mine, other = FakeTurn(str(uuid.uuid4())), FakeTurn(str(uuid.uuid4()))
    worker.turns = {mine.conversation_id: mine, other.conversation_id: other}
    worker.start()
    layer = get_channel_layer()
    # Subscribed once, when the worker starts, not per turn.
    for _ in range(100):
        if layer.groups.get(turn_control_group()):
            break
        await asyncio.sleep(0.01)
    await layer.group_send(
        turn_control_group(), events.stop_event(conversation_id=mine.conversation_id)
    )
    for _ in range(100):
        if mine.stopped:
            break
        await asyncio.sleep(0.01)
    await worker.stop_loops()

    assert (mine.stopped, other.stopped) == (True, False)


@pytest.mark.django_db(transaction=True)
async def test_layer_health_loop_notices_a_working_layer():
    worker = Worker()
    worker.layer_down = True
    worker.start()
    for _ in range(50):
        if not worker.layer_down:
            break
        await asyncio.sleep(0.05)
    await worker.stop_loops()

    assert worker.layer_down is False


async def test_shutdown_cancels_running_turns_and_waits_for_them():
    worker = Worker()
    settled = asyncio.Event()

    class SlowTurn:
        conversation_id = str(uuid.uuid4())

        def __init__(self) -> None:
            self.task = asyncio.create_task(self.run())

        async def run(self) -> None:
            try:
                await asyncio.sleep(60)
            finally:
                settled.set()

    turn = SlowTurn()
    worker.turns[turn.conversation_id] = turn  # type: ignore[assignment]
    await asyncio.sleep(0)  # the turn is under way

    await worker.shutdown(2.0)

    assert settled.is_set() and turn.task.cancelled()


def test_the_chat_app_holds_this_processs_worker(worker):
    assert current() is worker
