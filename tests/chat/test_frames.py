"""Client mistakes on the socket: an `error` frame each, the socket stays open, nothing stored."""

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import channel_layers
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from chat.models import Message
from chat.protocol import CLIENT_MESSAGE_ID_MAX
from tests.chat.conftest import (
    Visitor,
    _anonymous_visitor,
    ask,
    open_socket,
    receive_until,
    stored_messages,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(90)]

LIMIT = 4000  # characters in a question, after trimming


async def still_open(socket) -> None:
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from() == {"type": "pong"}


async def error_for(
    socket, *, text: str | None = None, frame: Any = None, data: bytes | None = None
) -> dict[str, Any]:
    """Send one frame and return its one reply, an `error`; the socket must stay open and
    nothing may be stored."""
    before = await sync_to_async(Message.objects.count)()
    if data is not None:
        await socket.send_to(bytes_data=data)
    else:
        await socket.send_to(text_data=json.dumps(frame) if frame is not None else text)
    reply = await socket.receive_json_from(timeout=5)
    assert reply["type"] == "error", reply
    assert set(reply) == {"type", "code", "detail", "client_message_id"}
    assert isinstance(reply["detail"], str) and reply["detail"]
    await still_open(socket)
    assert await sync_to_async(Message.objects.count)() == before, "a rejected frame was stored"
    return reply


@pytest.fixture(autouse=True)
def _question_limit(settings):
    settings.CHAT_MAX_MESSAGE_CHARS = LIMIT


@pytest.fixture
async def socket(make_visitor, connected):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    return await open_socket(visitor, conversation, connected)


# --- frames that are not a usable JSON object -------------------------------------------------


@pytest.mark.parametrize("text", ["not json", "{", '{"type": "ping",}', "{'type': 'ping'}"])
async def test_text_that_is_not_json_gets_invalid_json_and_socket_stays_open(socket, text):
    assert (await error_for(socket, text=text))["code"] == "invalid_json"


async def test_binary_frame_gets_invalid_message_and_socket_stays_open(socket):
    assert (await error_for(socket, data=b"\x00\xff"))["code"] == "invalid_message"


@pytest.mark.parametrize("text", ["[]", '"x"', "42", "null", "true", '[{"type": "ping"}]'])
async def test_json_that_is_not_an_object_gets_invalid_message(socket, text):
    assert (await error_for(socket, text=text))["code"] == "invalid_message"


@pytest.mark.parametrize(
    "frame",
    [{}, {"content": "hi"}, {"type": None}, {"type": 1}, {"type": ["ping"]}, {"type": {}}],
    ids=["empty", "no-type", "null", "number", "list", "object"],
)
async def test_frame_without_a_string_type_gets_invalid_message(socket, frame):
    assert (await error_for(socket, frame=frame))["code"] == "invalid_message"


@pytest.mark.parametrize("kind", ["", "PING", "user-message", "history", "x" * 10000])
async def test_unknown_frame_type_gets_invalid_message(socket, kind):
    reply = await error_for(socket, frame={"type": kind})
    assert reply["code"] == "invalid_message"
    assert len(reply["detail"]) < 200  # the echo of the unknown type is cut short


async def test_deeply_nested_json_gets_invalid_json(socket):
    text = "[" * 30_000 + "]" * 30_000  # under the frame byte limit, too deep to parse
    assert (await error_for(socket, text=text))["code"] == "invalid_json"


async def test_deep_json_over_the_byte_limit_is_too_long(socket):
    text = "[" * 100_000 + "]" * 100_000
    assert (await error_for(socket, text=text))["code"] == "too_long"


async def test_integer_too_long_to_convert_gets_invalid_json(socket):
    # CPython refuses to convert integers of more than 4300 digits.
    text = '{"type":"ping","n":' + "9" * 10_000 + "}"
    assert (await error_for(socket, text=text))["code"] == "invalid_json"


# --- user_message validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    ["<missing>", 42, 1.5, ["hi"], {"text": "hi"}, None, True, "", "   ", "\n\t \u3000"],
    ids=["missing", "int", "float", "list", "object", "null", "bool", "empty", "spaces", "ws"],
)
async def test_question_without_usable_text_gets_invalid_message(socket, content):
    frame = {"type": "user_message", "client_message_id": "c1"}
    if content != "<missing>":
        frame["content"] = content
    reply = await error_for(socket, frame=frame)
    assert reply["code"] == "invalid_message"
    assert reply["client_message_id"] == "c1"


@pytest.mark.parametrize(
    "client_message_id",
    [42, ["c1"], {"id": "c1"}, True, "", "x" * (CLIENT_MESSAGE_ID_MAX + 1)],
    ids=["int", "list", "object", "bool", "empty", "too-long"],
)
async def test_unusable_client_message_id_gets_invalid_message_without_echo(
    socket, client_message_id
):
    frame = {"type": "user_message", "content": "hello", "client_message_id": client_message_id}
    reply = await error_for(socket, frame=frame)
    assert reply["code"] == "invalid_message"
    assert reply["client_message_id"] is None


async def test_question_one_character_over_the_limit_after_trimming_is_too_long(socket):
    reply = await error_for(
        socket,
        frame={
            "type": "user_message",
            "content": "  " + "y" * (LIMIT + 1) + "\n",
            "client_message_id": "long",
        },
    )
    assert reply["code"] == "too_long"
    assert reply["client_message_id"] == "long"


async def test_question_with_a_nul_character_gets_invalid_message(socket):
    reply = await error_for(
        socket, frame={"type": "user_message", "content": "shoes\x00", "client_message_id": "nul"}
    )
    assert reply["code"] == "invalid_message"
    assert reply["client_message_id"] == "nul"


async def test_client_message_id_with_a_nul_character_gets_invalid_message(socket):
    reply = await error_for(
        socket, frame={"type": "user_message", "content": "shoes", "client_message_id": "c\x001"}
    )
    assert reply["code"] == "invalid_message"


async def test_question_with_a_lone_surrogate_gets_invalid_message(socket):
    # Valid JSON (`"\ud800"`), but no UTF-8 text: it can be neither stored nor sent back.
    reply = await error_for(
        socket, text='{"type":"user_message","content":"shoes \\ud800","client_message_id":"s1"}'
    )
    assert reply["code"] == "invalid_message"
    assert reply["client_message_id"] == "s1"


@pytest.mark.parametrize("content", ["shoes", "w" * (LIMIT + 1)], ids=["short", "too-long"])
async def test_client_message_id_with_a_lone_surrogate_is_rejected_and_never_echoed(
    socket, content
):
    frame = json.dumps({"type": "user_message", "content": content, "client_message_id": "\udfff"})
    await socket.send_to(text_data=frame)
    raw = await socket.receive_from()
    raw.encode("utf-8")  # every frame the server sends must be valid UTF-8 on the wire
    reply = json.loads(raw)
    assert reply["type"] == "error" and reply["code"] == "invalid_message"
    assert reply["client_message_id"] is None
    await still_open(socket)
    assert await stored_messages() == []


async def test_question_of_exactly_the_limit_is_accepted_and_stored(make_visitor, connected):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    content = "z" * LIMIT
    await socket.send_json_to({"type": "user_message", "content": content})
    frames = await receive_until(socket, "turn_ended")
    assert frames[0]["type"] == "message" and frames[0]["message"]["content"] == content
    stored = await stored_messages(conversation)
    assert stored[0].role == "user" and stored[0].content == content


async def test_long_question_that_trims_under_the_limit_is_accepted_trimmed(
    make_visitor, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    core = "q" * 3990
    content = " " * 505 + core + "\n" * 505
    assert len(content) == 5000
    await socket.send_json_to({"type": "user_message", "content": content})
    await receive_until(socket, "turn_ended")
    stored = await stored_messages(conversation)
    assert stored[0].role == "user" and stored[0].content == core


# --- rate limit ---------------------------------------------------------------------------------


async def test_third_question_within_a_minute_is_rate_limited_and_not_stored(
    make_visitor, connected, settings
):
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 2
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    await ask(socket, "hello", "q1")
    await ask(socket, "hello again", "q2")

    reply = await error_for(
        socket, frame={"type": "user_message", "content": "third", "client_message_id": "q3"}
    )
    assert reply["code"] == "rate_limited"
    assert reply["client_message_id"] == "q3"
    stored = await stored_messages(conversation)
    assert [m.content for m in stored if m.role == "user"] == ["hello", "hello again"]


async def test_rate_limit_counts_the_visitors_questions_in_every_conversation(
    make_visitor, connected, settings
):
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 2
    visitor = await make_visitor()
    first = await open_socket(visitor, await visitor.conversation(), connected)
    second_conversation = await visitor.conversation()
    second = await open_socket(visitor, second_conversation, connected)
    await ask(first, "hello", "q1")
    await ask(first, "hello again", "q2")

    reply = await error_for(
        second, frame={"type": "user_message", "content": "elsewhere", "client_message_id": "q3"}
    )
    assert reply["code"] == "rate_limited"
    assert await stored_messages(second_conversation) == []


async def test_rate_limit_is_per_visitor_and_ignores_the_client_address(
    make_visitor, connected, settings
):
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 2
    limited = await make_visitor()
    other = await make_visitor()
    conversation = await limited.conversation()
    one = await open_socket(
        limited, conversation, connected, headers=[(b"x-forwarded-for", b"203.0.113.1")]
    )
    await ask(one, "hello", "q1")
    await ask(one, "hello again", "q2")

    # A new socket claiming another address is still the same visitor.
    two = await open_socket(
        limited, conversation, connected, headers=[(b"x-forwarded-for", b"198.51.100.7")]
    )
    reply = await error_for(
        two, frame={"type": "user_message", "content": "third", "client_message_id": "q3"}
    )
    assert reply["code"] == "rate_limited"

    # Another visitor from the very address the limited one used can still ask.
    other_conversation = await other.conversation()
    three = await open_socket(
        other, other_conversation, connected, headers=[(b"x-forwarded-for", b"203.0.113.1")]
    )
    frames = await ask(three, "hello from elsewhere", "o1")
    assert frames[-1] == {"type": "turn_ended", "status": "complete"}
    assert [m.content for m in await stored_messages(other_conversation) if m.role == "user"] == [
        "hello from elsewhere"
    ]
    assert len([m for m in await stored_messages(conversation) if m.role == "user"]) == 2


# --- fuzz ---------------------------------------------------------------------------------------

KNOWN_TYPES = ("user_message", "stop", "ping")

# Strings inside JSON may hold anything JSON can escape, lone surrogates and NUL included (a
# text frame itself is always valid UTF-8: the server checks that before we see it). Characters
# that break text handling are planted in strings far more often than chance would.
tricky = st.sampled_from(["\x00", "\ud800", "\udfff", "\ufeff", "\u2028", "\U0001f44b"])
plain_text = st.text(st.characters(codec=None), max_size=10)
any_text = plain_text | st.builds(lambda a, c, b: a + c + b, plain_text, tricky, plain_text)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3)
    ),
    max_leaves=6,
)
client_message_ids = any_text | st.none() | st.just("x" * (CLIENT_MESSAGE_ID_MAX + 1)) | json_values
# A question the server would answer is not a mistake: content is never a short string here.
unanswerable_contents = json_values.filter(lambda v: not isinstance(v, str)) | st.builds(
    lambda pad, tail: pad + "w" * (LIMIT + 1) + tail, any_text, any_text
)


@st.composite
def protocol_frames(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.just("user_message")  # the frame with the most rules, drawn most often
        | st.sampled_from(KNOWN_TYPES)
        | any_text.filter(lambda t: t not in KNOWN_TYPES)
        | json_values
    )
    frame: dict[str, Any] = draw(st.dictionaries(any_text, json_values, max_size=2))
    frame["type"] = kind
    if draw(st.booleans()):
        frame["content"] = draw(unanswerable_contents)
    if draw(st.booleans()):
        frame["client_message_id"] = draw(client_message_ids)
    content = frame.get("content")
    if kind == "user_message" and isinstance(content, str) and len(content.strip()) <= LIMIT:
        frame["content"] = "w" * (LIMIT + 1)  # a random extra key may have been "content"
    return frame


def not_an_answerable_question(text: str) -> bool:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return True
    return not (isinstance(value, dict) and value.get("type") == "user_message")


protocol_text = protocol_frames().map(json.dumps)
other_text = (
    st.text(max_size=60).filter(not_an_answerable_question)
    | json_values.map(json.dumps).filter(not_an_answerable_question)
    | st.binary(max_size=32)
)
frame_batches = st.lists(protocol_text | other_text, min_size=100, max_size=300)


def usable_client_message_id(value: Any) -> bool:
    if not isinstance(value, str) or not 0 < len(value) <= CLIENT_MESSAGE_ID_MAX:
        return False
    return "\x00" not in value and not any("\ud800" <= c <= "\udfff" for c in value)


def expected_reply(frame: str | bytes) -> tuple[str, str | None, str | None] | None:
    """The one reply the protocol promises: (type, error code, echoed id), or None for silence."""
    if isinstance(frame, bytes):
        return ("error", "invalid_message", None)
    try:
        value = json.loads(frame)
    except (ValueError, RecursionError):
        return ("error", "invalid_json", None)
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return ("error", "invalid_message", None)
    if value["type"] == "ping":
        return ("pong", None, None)
    if value["type"] == "stop":
        return None  # no turn is running: there is nothing to stop and nothing to say
    if value["type"] != "user_message":
        return ("error", "invalid_message", None)
    cmid = value.get("client_message_id")
    echoed = cmid if usable_client_message_id(cmid) else None
    content = value.get("content")
    if (
        isinstance(content, str)
        and len(content.strip()) > LIMIT
        and (cmid is None or echoed is not None)
    ):
        return ("error", "too_long", echoed)
    return ("error", "invalid_message", echoed)


async def throw_frames(visitor: Visitor, conversation_id: str, batch: list[str | bytes]) -> None:
    socket = visitor.socket(conversation_id)
    ok, _ = await socket.connect()
    assert ok
    try:
        assert (await socket.receive_json_from())["type"] == "history"
        expected = []
        for frame in batch:
            kind = "bytes" if isinstance(frame, bytes) else "text"
            await socket.send_input({"type": "websocket.receive", kind: frame})
            if (reply := expected_reply(frame)) is not None:
                expected.append(reply)
        await socket.send_json_to({"type": "ping"})
        expected.append(("pong", None, None))

        got = []
        for _ in expected:
            raw = await socket.receive_from(timeout=10)
            raw.encode("utf-8")  # valid UTF-8 on the wire, whatever came in
            reply = json.loads(raw)
            got.append((reply["type"], reply.get("code"), reply.get("client_message_id")))
        assert got == expected
        assert await socket.receive_nothing(timeout=0.2)  # exactly one reply per frame
    finally:
        await socket.disconnect()


@pytest.fixture
def fuzz_target(transactional_db) -> tuple[Visitor, str]:
    visitor = _anonymous_visitor()
    conversation = visitor._create("New chat")
    return visitor, str(conversation.id)


@hypothesis_settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    database=None,
    # Shrinking a batch of hundreds of frames takes minutes; the unshrunk batch is reported.
    phases=[Phase.explicit, Phase.generate],
)
@given(batch=frame_batches)
def test_random_frames_each_get_one_error_or_pong_and_store_nothing(fuzz_target, batch):
    visitor, conversation_id = fuzz_target
    channel_layers.backends.clear()  # each example runs on a fresh event loop
    async_to_sync(throw_frames)(visitor, conversation_id, batch)
    assert not Message.objects.exists()


async def test_frame_over_the_byte_limit_is_too_long_and_socket_stays_open(
    make_visitor, connected, settings
):
    settings.CHAT_MAX_FRAME_BYTES = 1000
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    # 400 characters of 3-byte text: under the character limit, over the byte limit.
    await socket.send_to(text_data='{"type":"user_message","content":"' + "€" * 400 + '"}')
    error = await socket.receive_json_from()
    assert error["type"] == "error" and error["code"] == "too_long"
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from() == {"type": "pong"}
