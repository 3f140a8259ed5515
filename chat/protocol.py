"""The WebSocket protocol's client frames: parsing and validation, with no I/O.

See docs/protocol.md. Every problem raises ShopError with the code sent in the `error` frame.
"""

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from shop.errors import ShopError

CLIENT_MESSAGE_ID_MAX = 64


@dataclass(frozen=True)
class UserMessage:
    content: str
    client_message_id: str | None
    product_id: int | None = None  # the product page it was asked on (`context`)


@dataclass(frozen=True)
class ActionDecision:
    action_id: str
    approve: bool


def parse_frame(text_data: str | None) -> dict[str, Any]:
    """A JSON object with a string `type`, or ShopError(invalid_json / invalid_message)."""
    if text_data is None:
        raise ShopError("Binary frames are not supported; send JSON text.", code="invalid_message")
    limit = settings.CHAT_MAX_FRAME_BYTES
    # Characters never outnumber UTF-8 bytes, so the cheap length check comes first.
    if len(text_data) > limit or len(text_data.encode("utf-8", "surrogatepass")) > limit:
        raise ShopError(f"A frame may be at most {limit} bytes.", code="too_long")
    try:
        frame = json.loads(text_data)
    except (ValueError, RecursionError):
        # ValueError also covers integers too long to convert (CPython's digit limit).
        raise ShopError("The frame is not valid JSON.", code="invalid_json") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise ShopError(
            "A frame must be a JSON object with a string `type`.", code="invalid_message"
        )
    return frame


def is_storable_text(text: str) -> bool:
    """Text the database can store and UTF-8 can carry back: no NUL, no lone surrogate.

    JSON allows `"\\ud800"`, so a valid frame can still hold text UTF-8 cannot encode.
    """
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _usable_client_message_id(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= CLIENT_MESSAGE_ID_MAX
        and is_storable_text(value)
    )


def client_message_id_of(frame: dict[str, Any]) -> str | None:
    """The frame's client_message_id if it is usable, for echoing back in errors."""
    value = frame.get("client_message_id")
    return value if _usable_client_message_id(value) else None


@dataclass(frozen=True)
class Regenerate:
    message_id: str | None  # the answer to give again; None: the last one
    client_message_id: str | None


@dataclass(frozen=True)
class Edit:
    message_id: str  # the question it is a new version of
    content: str
    client_message_id: str | None


def _client_message_id(frame: dict[str, Any]) -> str | None:
    client_message_id = frame.get("client_message_id")
    if client_message_id is not None and not _usable_client_message_id(client_message_id):
        raise ShopError(
            f"`client_message_id` must be a string of 1 to {CLIENT_MESSAGE_ID_MAX} characters"
            " (no NUL, no unpaired surrogate).",
            code="invalid_message",
        )
    return client_message_id


def _message_id(frame: dict[str, Any], *, required: bool) -> str | None:
    message_id = frame.get("message_id")
    if message_id is None and not required:
        return None
    if not isinstance(message_id, str) or not 0 < len(message_id) <= 64:
        raise ShopError("`message_id` must be the id of a message.", code="invalid_message")
    return message_id


def parse_regenerate(frame: dict[str, Any]) -> Regenerate:
    return Regenerate(
        message_id=_message_id(frame, required=False),
        client_message_id=_client_message_id(frame),
    )


def parse_edit(frame: dict[str, Any]) -> Edit:
    message_id = _message_id(frame, required=True)
    assert message_id is not None
    question = parse_user_message({"content": frame.get("content"), **_only_id(frame)})
    return Edit(
        message_id=message_id,
        content=question.content,
        client_message_id=question.client_message_id,
    )


def _only_id(frame: dict[str, Any]) -> dict[str, Any]:
    return {"client_message_id": frame["client_message_id"]} if "client_message_id" in frame else {}


def parse_switch_branch(frame: dict[str, Any]) -> str:
    message_id = _message_id(frame, required=True)
    assert message_id is not None
    return message_id


def parse_user_message(frame: dict[str, Any]) -> UserMessage:
    content = frame.get("content")
    if not isinstance(content, str):
        raise ShopError("`content` must be a string.", code="invalid_message")
    client_message_id = _client_message_id(frame)
    content = content.strip()
    if not content:
        raise ShopError("The question is empty.", code="invalid_message")
    limit = settings.CHAT_MAX_MESSAGE_CHARS
    if len(content) > limit:
        raise ShopError(f"The question is longer than {limit} characters.", code="too_long")
    if not is_storable_text(content):
        raise ShopError(
            "The question contains a NUL character or an unpaired surrogate.",
            code="invalid_message",
        )
    return UserMessage(
        content=content,
        client_message_id=client_message_id,
        product_id=_context_product_id(frame.get("context")),
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)  # `true` is not an id


def _context_product_id(context: Any) -> int | None:
    if context is None:
        return None
    product_id = context.get("product_id") if isinstance(context, dict) else None
    if not _is_int(product_id) or not 0 < product_id < 2**63:
        raise ShopError(
            "`context` must be an object with an integer `product_id`.", code="invalid_message"
        )
    return product_id


def parse_action_decision(frame: dict[str, Any]) -> ActionDecision:
    action_id = frame.get("action_id")
    if not isinstance(action_id, str) or not 0 < len(action_id) <= 64:
        raise ShopError("`action_id` must be a string.", code="invalid_message")
    decision = frame.get("decision")
    if decision not in ("approve", "reject"):
        raise ShopError('`decision` must be "approve" or "reject".', code="invalid_message")
    return ActionDecision(action_id=action_id, approve=decision == "approve")
