"""Channel-layer group names (ASCII, under 100 characters)."""

import uuid


def conversation_group(conversation_id: uuid.UUID | str) -> str:
    """Every socket of one conversation, on every worker."""
    return f"chat.{conversation_id}"


def turn_control_group(conversation_id: uuid.UUID | str) -> str:
    """The worker running the conversation's turn listens here for `stop`."""
    return f"chat-control.{conversation_id}"


def user_group(user_id: int) -> str:
    """Every socket of one user, to close them all at logout."""
    return f"chat-user.{user_id}"
