"""Plain-value shapes of messages and conversations, for JSON and the channel layer."""

from typing import Any

from chat.models import Conversation, Message


def message_to_dict(message: Message) -> dict[str, Any]:
    return {
        "id": str(message.id),
        "role": message.role,
        "content": message.content,
        "status": message.status,
        "created_at": message.created_at.isoformat(),
        "client_message_id": message.client_message_id,
        "tool_name": message.tool_name or None,
        "tool_calls": message.tool_calls or [],
    }


def conversation_to_dict(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": str(conversation.id),
        "title": conversation.title,
        "created_at": conversation.created_at.isoformat(),
        "updated_at": conversation.updated_at.isoformat(),
    }
