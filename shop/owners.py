"""Who owns a conversation or a cart: a logged-in user, or an anonymous visitor's key.

The anonymous key lives in the session data (not the session id), so it survives the
session-key rotation at login, when what the visitor owned moves to their account.

At login one receiver (shop.signals) takes the key out of the session and sends
`visitor_logged_in` with it, so every app that adopts the visitor's rows (the cart here, the
conversations in chat) gets the key whatever the order the receivers were connected in.
"""

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Q
from django.dispatch import Signal

# The value predates the cart; existing sessions hold their key under this name.
SESSION_KEY = "chat_anonymous_key"

# Sent with `anonymous_key` and `user` when a visitor with an anonymous key logs in.
visitor_logged_in = Signal()


@dataclass(frozen=True)
class Owner:
    user_id: int | None
    anonymous_key: str
    user: Any = None  # the user object, for tools bound to the chatting user

    @property
    def key(self) -> str:
        """The owner as one string, e.g. to count their open sockets."""
        return f"user:{self.user_id}" if self.user_id else f"anon:{self.anonymous_key}"

    def row_filter(self) -> Q:
        """The owner's rows of a model with `user` and `anonymous_key` fields."""
        if self.user_id:
            return Q(user_id=self.user_id)
        return Q(user__isnull=True, anonymous_key=self.anonymous_key)

    def as_fields(self) -> dict[str, Any]:
        if self.user_id:
            return {"user_id": self.user_id, "anonymous_key": ""}
        return {"user_id": None, "anonymous_key": self.anonymous_key}


def ensure_anonymous_key(session: SessionBase) -> str:
    """The visitor's anonymous key, created and saved with the session if missing."""
    key = session.get(SESSION_KEY)
    if not key:
        key = secrets.token_urlsafe(24)
        session[SESSION_KEY] = key
    if session.session_key is None or session.modified:
        session.save()
    return key


def owner_from(user: Any, session: SessionBase | None) -> Owner | None:
    """The owner for a request or socket scope, or None when there is no identity at all."""
    if user is not None and user.is_authenticated:
        return Owner(user_id=user.pk, anonymous_key="", user=user)
    key = session.get(SESSION_KEY) if session is not None else None
    if not key:
        return None
    return Owner(user_id=None, anonymous_key=key, user=None)
