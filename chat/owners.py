"""Who owns a conversation: a logged-in user, or an anonymous visitor's key.

The anonymous key lives in the session data (not the session id), so it survives the
session-key rotation at login, when the visitor's conversations move to their account.
"""

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Q

SESSION_KEY = "chat_anonymous_key"


@dataclass(frozen=True)
class Owner:
    user_id: int | None
    anonymous_key: str
    user: Any = None  # the user object, for tools bound to the chatting user

    @property
    def key(self) -> str:
        """The owner as one string, e.g. to count their open sockets."""
        return f"user:{self.user_id}" if self.user_id else f"anon:{self.anonymous_key}"

    def conversation_filter(self) -> Q:
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
