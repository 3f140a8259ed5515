"""Login moves an anonymous visitor's conversations to the account; logout closes sockets."""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from chat import events, services
from chat.groups import user_group
from chat.owners import SESSION_KEY

logger = logging.getLogger(__name__)


@receiver(user_logged_in)
def adopt_anonymous_conversations(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    key = request.session.get(SESSION_KEY) if request is not None else None
    if key:
        moved = services.conversations_adopt(anonymous_key=key, user_id=user.pk)
        request.session.pop(SESSION_KEY, None)
        if moved:
            logger.info(
                "conversations adopted at login", extra={"user_id": user.pk, "count": moved}
            )


@receiver(user_logged_out)
def close_sockets_at_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    try:
        async_to_sync(get_channel_layer().group_send)(
            user_group(user.pk), events.session_ended_event()
        )
    except Exception as exc:
        # Logging out must still succeed when the layer is down; the sockets then stay open.
        logger.warning("logout broadcast failed", extra={"error": type(exc).__name__})
