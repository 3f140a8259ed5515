"""Channel-layer group names (ASCII, under 100 characters)."""

import uuid


def conversation_group(conversation_id: uuid.UUID | str) -> str:
    """Every socket of one conversation, on every worker."""
    return f"chat.{conversation_id}"


def turn_control_group() -> str:
    """Every worker listens here, once, for `stop` and for hubs that joined a conversation;
    each event names its conversation."""
    return "chat-control"


def user_group(user_id: int) -> str:
    """Every socket of one user, to close them all at logout."""
    return f"chat-user.{user_id}"


def owner_group(owner_key: str) -> str:
    """Every socket of one owner (a user or an anonymous visitor), for their cart's changes.

    The key holds only URL-safe characters (shop.owners), which group names allow.
    """
    return f"chat-owner.{owner_key.replace(':', '.')}"
