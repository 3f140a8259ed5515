"""A socket's delivery state: every frame continues exactly from what the client holds."""

import uuid
from datetime import UTC, datetime

from chat import events
from chat.catch_up import missed_frames
from chat.delivery import SocketView
from chat.models import Message


def stored(role: str, content: str, status: str = "complete") -> Message:
    return Message(
        id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        role=role,
        content=content,
        status=status,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def serialized(message: Message) -> dict:
    from chat.serializers import message_to_dict

    return message_to_dict(message)


def test_chunks_send_only_what_the_client_does_not_hold():
    view = SocketView()

    first = view.chunk(message_id="m", text="Hel")
    repeat = view.chunk(message_id="m", text="Hel")
    healed = view.chunk(message_id="m", text="Hello, wö")

    assert first == {"type": "chunk", "message_id": "m", "offset": 0, "delta": "Hel"}
    assert repeat is None
    assert healed == {"type": "chunk", "message_id": "m", "offset": 3, "delta": "lo, wö"}
    assert view.turn_running


def test_nothing_of_a_message_follows_its_done():
    view = SocketView()
    answer = serialized(stored("assistant", "Final"))

    assert view.done(answer) == {"type": "done", "message": answer}
    assert view.done(answer) is None
    assert view.chunk(message_id=answer["id"], text="Final and late") is None


def test_turn_ended_once_per_turn_and_only_for_a_known_turn():
    view = SocketView()
    assert view.turn_ended("complete") is None

    view.message(serialized(stored("user", "Hi")))
    view.delay_noticed = True

    assert view.turn_ended("stopped") == {"type": "turn_ended", "status": "stopped"}
    assert view.turn_ended("stopped") is None
    assert not view.delay_noticed


def test_history_holds_streaming_text_and_says_running():
    view = SocketView()
    question = serialized(stored("user", "Hi"))
    streaming = serialized(stored("assistant", "Hel", status="streaming"))

    frame = view.history(
        conversation_id="c",
        title="T",
        messages=[question, streaming],
        running=False,
        truncated=False,
        actions=[],
    )

    assert frame["running"] is True
    assert frame["actions"] == []
    assert view.sent == {question["id"]: 2, streaming["id"]: 3}
    assert view.finished == {question["id"]}
    assert view.chunk(message_id=streaming["id"], text="Hello")["offset"] == 3


def test_catch_up_sends_what_the_layer_dropped_says_so_once_and_ends_the_turn():
    view = SocketView()
    question, answer = stored("user", "Hi"), stored("assistant", "Hello there")
    view.message(serialized(question))
    view.chunk(message_id=str(answer.id), text="Hello")

    frames = missed_frames(view, [question, answer], running=False)

    assert [f["type"] for f in frames] == ["done", "error", "turn_ended"]
    assert frames[0]["message"]["content"] == "Hello there"
    assert frames[1]["code"] == "unavailable" and frames[1]["client_message_id"] is None
    assert frames[2]["status"] == "complete"
    assert missed_frames(view, [question, answer], running=False) == []


def test_catch_up_of_a_running_turn_continues_the_text_and_ends_nothing():
    view = SocketView()
    question = stored("user", "Hi")
    streaming = stored("assistant", "Hello wor", status="streaming")
    view.message(serialized(question))
    view.chunk(message_id=str(streaming.id), text="Hello")

    frames = missed_frames(view, [question, streaming], running=True)

    assert frames[0] == events.chunk_frame(message_id=str(streaming.id), offset=5, delta=" wor")
    assert [f["type"] for f in frames] == ["chunk", "error"]


def test_catch_up_of_a_question_never_heard_of_ends_its_turn_with_the_answers_status():
    view = SocketView()
    question = stored("user", "From another tab")
    interrupted = stored("assistant", "Half", status="interrupted")

    frames = missed_frames(view, [question, interrupted], running=False)

    assert [f["type"] for f in frames] == ["message", "done", "error", "turn_ended"]
    assert frames[-1]["status"] == "error"


def test_turn_ended_status_maps_every_message_status():
    assert {s: events.turn_ended_status(s) for s in Message.Status.values} == {
        "complete": "complete",
        "stopped": "stopped",
        "streaming": "error",
        "error": "error",
        "interrupted": "error",
        "blocked": "blocked",
    }


def test_a_late_turn_ended_of_an_earlier_turn_never_ends_the_next_one():
    view = SocketView()
    first, second = serialized(stored("user", "First")), serialized(stored("user", "Second"))
    view.message(first)
    assert view.turn_ended("error", question_id=first["id"]) is not None

    view.message(second)  # the next question, before a second copy of the first's end

    assert view.turn_ended("error", question_id=first["id"]) is None
    assert view.turn_running
    assert view.turn_ended("complete", question_id=second["id"]) == {
        "type": "turn_ended",
        "status": "complete",
    }


def test_history_knows_the_question_of_the_running_turn():
    view = SocketView()
    question = serialized(stored("user", "Hi"))
    streaming = serialized(stored("assistant", "Hel", status="streaming"))
    view.history(
        conversation_id="c",
        title="T",
        messages=[question, streaming],
        running=True,
        truncated=False,
        actions=[],
    )

    assert view.turn_ended("stopped", question_id=str(uuid.uuid4())) is None
    assert view.turn_ended("stopped", question_id=question["id"]) is not None
