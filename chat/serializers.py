"""Plain-value shapes of messages and conversations, for JSON and the channel layer."""

from typing import Any

from chat.models import Action, Conversation, Feedback, Message


def message_to_dict(message: Message, sibling_ids: list[str] | None = None) -> dict[str, Any]:
    """`sibling_ids`: the message's versions (chat.paths.sibling_ids); a message stored just
    now, at the end of the path, has none but itself."""
    return {
        "id": str(message.id),
        "role": message.role,
        "content": message.content,
        "status": message.status,
        "created_at": message.created_at.isoformat(),
        "client_message_id": message.client_message_id,
        "tool_name": message.tool_name or None,
        "tool_calls": message.tool_calls or [],
        "cards": message.cards or [],
        "context": _public_context(message.context),
        "feedback": feedback_to_dict(_feedback_of(message)),
        "parent_id": str(message.parent_id) if message.parent_id else None,
        "sibling_ids": sibling_ids or [str(message.id)],
    }


_FEEDBACK = Message._meta.get_field("feedback")


def _feedback_of(message: Message) -> Feedback | None:
    """The answer's feedback if it was loaded with it (chat.selectors select it); never a
    query here, so serialising a message just stored costs nothing more (it has none)."""
    if message.role != Message.Role.ASSISTANT or not _FEEDBACK.is_cached(message):
        return None
    return _FEEDBACK.get_cached_value(message)


def feedback_to_dict(feedback: Feedback | None) -> dict[str, Any] | None:
    if feedback is None:
        return None
    return {"rating": feedback.rating, "reasons": feedback.reasons, "comment": feedback.comment}


def _public_context(context: dict[str, Any] | None) -> dict[str, Any] | None:
    if not context:
        return None
    return {k: context.get(k) for k in ("product_id", "name", "url")}


def action_to_dict(action: Action) -> dict[str, Any]:
    return {
        "id": str(action.id),
        "message_id": str(action.message_id),
        "tool": action.tool,
        "args": action.args,
        "summary": action.summary,
        "status": action.status,
        "result": action.result,
        "created_at": action.created_at.isoformat(),
        "expires_at": action.expires_at.isoformat(),
        "decided_at": action.decided_at.isoformat() if action.decided_at else None,
    }


def conversation_to_dict(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": str(conversation.id),
        "title": conversation.title,
        "created_at": conversation.created_at.isoformat(),
        "updated_at": conversation.updated_at.isoformat(),
    }
