"""Every group event and every server frame of the chat, built here and nowhere else.

Group events travel through the channel layer between a turn (or the reaper) and the sockets
of a conversation on every worker; their `type` names the consumer method that receives them.
Frames are what a socket sends to its client (docs/protocol.md). A new frame type is one
builder here and one handler in chat.consumers.
"""

from typing import Any

from chat.models import Message
from shop.errors import ShopError

Event = dict[str, Any]
Frame = dict[str, Any]

# turn_ended's statuses are complete, stopped, error, blocked (by a guardrail) and
# action_required (paused until the customer decides): a turn that ended any other way (a
# model failure, a worker that died or stopped) reads as error.
ACTION_REQUIRED = "action_required"
_TURN_ENDED_STATUS: dict[str, str] = {
    Message.Status.COMPLETE: "complete",
    Message.Status.STOPPED: "stopped",
    Message.Status.BLOCKED: "blocked",
    ACTION_REQUIRED: ACTION_REQUIRED,
}


def turn_ended_status(status: str) -> str:
    """The `turn_ended` status for a turn that ended with this message or turn status."""
    return _TURN_ENDED_STATUS.get(status, "error")


# --- group events ---------------------------------------------------------------------------


def chunk_event(*, message_id: str, text: str) -> Event:
    """The whole text so far: a socket that missed one still continues from what it holds."""
    return {"type": "chat.chunk", "message_id": message_id, "text": text}


def message_event(message: dict[str, Any]) -> Event:
    return {"type": "chat.message", "message": message}


def info_event(*, message_id: str, tool: str, status: str, content: str) -> Event:
    return {
        "type": "chat.info",
        "message_id": message_id,
        "tool": tool,
        "status": status,
        "content": content,
    }


def done_event(message: dict[str, Any]) -> Event:
    return {"type": "chat.done", "message": message}


def error_event(error: ShopError, *, client_message_id: str | None = None) -> Event:
    return {"type": "chat.error", **error.as_dict(), "client_message_id": client_message_id}


def turn_ended_event(*, conversation_id: str, status: str, question_id: str | None) -> Event:
    """`question_id` names the turn (its question), so that a late copy of this event cannot
    end the next turn on a socket; None when the turn's question is unknown."""
    return {
        "type": "chat.turn_ended",
        "status": turn_ended_status(status),
        "conversation_id": conversation_id,
        "question_id": question_id,
    }


def action_event(action: dict[str, Any]) -> Event:
    return {"type": "chat.action", "action": action}


def cart_event(cart: dict[str, Any]) -> Event:
    """To every socket of the cart's owner (chat.groups.owner_group)."""
    return {"type": "chat.cart", "cart": cart}


def feedback_event(*, message_id: str, feedback: dict[str, Any] | None) -> Event:
    """An answer's feedback changed (from any socket, or over HTTP)."""
    return {"type": "chat.feedback", "message_id": message_id, "feedback": feedback}


def turn_resumed_event(*, question_id: str) -> Event:
    """A paused answer continues (its actions were decided): the turn of `question_id` runs
    again, so sockets expect its chunks and its turn_ended."""
    return {"type": "chat.turn_resumed", "question_id": question_id}


# Why a `history` frame was sent (its `reason`, docs/protocol.md).
HISTORY_CONNECTED = "connected"  # the socket was accepted (or accepted again)
HISTORY_PATH_CHANGED = "path_changed"  # an edit, a regenerate or a switch, from any socket
HISTORY_UNCHANGED = "unchanged"  # a switch to the version already shown: this socket catches up


def path_changed_event(*, client_message_id: str | None = None) -> Event:
    """The conversation's active path changed (an edit, a regenerate, a switch): every socket
    reads it again and sends a new `history` frame, naming the request that changed it."""
    return {"type": "chat.path_changed", "client_message_id": client_message_id}


def stop_event(*, conversation_id: str) -> Event:
    """To every worker, through the control group: the one running the turn stops it."""
    return {"type": "turn.stop", "conversation_id": conversation_id}


def hub_joined_event(*, conversation_id: str) -> Event:
    """To every worker, through the control group: a worker now has sockets of the
    conversation, so the one running its turn publishes its chunks again (chat.hub)."""
    return {"type": "hub.joined", "conversation_id": conversation_id}


def session_ended_event() -> Event:
    """To every socket of a user who logged out."""
    return {"type": "session.ended"}


def is_chunk(event: Event) -> bool:
    return event.get("type") == "chat.chunk"


def is_stop(event: Event) -> bool:
    return event.get("type") == "turn.stop"


def is_hub_joined(event: Event) -> bool:
    return event.get("type") == "hub.joined"


# --- server frames --------------------------------------------------------------------------


def history_frame(
    *,
    conversation_id: str,
    title: str,
    messages: list[dict[str, Any]],
    running: bool,
    truncated: bool,
    actions: list[dict[str, Any]],
    reason: str = HISTORY_CONNECTED,
    client_message_id: str | None = None,
) -> Frame:
    frame: Frame = {
        "type": "history",
        "reason": reason,
        "conversation": {"id": conversation_id, "title": title},
        "messages": messages,
        "running": running,
        "truncated": truncated,
        "actions": actions,
    }
    if client_message_id:
        frame["client_message_id"] = client_message_id
    return frame


def message_frame(message: dict[str, Any]) -> Frame:
    return {"type": "message", "message": message}


def chunk_frame(*, message_id: str, offset: int, delta: str) -> Frame:
    return {"type": "chunk", "message_id": message_id, "offset": offset, "delta": delta}


def info_frame(event: Event) -> Frame:
    return {k: event[k] for k in ("message_id", "tool", "status", "content")} | {"type": "info"}


def done_frame(message: dict[str, Any]) -> Frame:
    return {"type": "done", "message": message}


def turn_ended_frame(status: str) -> Frame:
    return {"type": "turn_ended", "status": status}


def turn_started_frame(*, question_id: str) -> Frame:
    return {"type": "turn_started", "question_id": question_id}


def feedback_frame(event: Event) -> Frame:
    return {"type": "feedback", "message_id": event["message_id"], "feedback": event["feedback"]}


def action_frame(action: dict[str, Any]) -> Frame:
    return {"type": "action", "action": action}


def cart_frame(cart: dict[str, Any]) -> Frame:
    return {"type": "cart", "cart": cart}


def error_frame(error: ShopError, *, client_message_id: str | None = None) -> Frame:
    """The WebSocket form of the project's error type (its HTTP form: shop.errors)."""
    return {"type": "error", **error.as_dict(), "client_message_id": client_message_id}


def error_frame_from_event(event: Event) -> Frame:
    return {
        "type": "error",
        "code": event["code"],
        "detail": event["detail"],
        "client_message_id": event.get("client_message_id"),
    }


def pong_frame() -> Frame:
    return {"type": "pong"}
