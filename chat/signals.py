"""Login moves an anonymous visitor's conversations to the account; logout closes sockets;
a change to a cart reaches every open chat socket of its owner."""

import logging
from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from chat import broadcast, events, services
from chat.groups import owner_group, user_group
from shop import cart_selectors
from shop.cart_services import cart_changed
from shop.owners import Owner, visitor_logged_in

logger = logging.getLogger(__name__)


@receiver(visitor_logged_in)
def adopt_anonymous_conversations(
    sender: Any, anonymous_key: str, user: Any, **kwargs: Any
) -> None:
    # shop.signals takes the key out of the session at login and sends it here.
    moved = services.conversations_adopt(anonymous_key=anonymous_key, user_id=user.pk)
    if moved:
        logger.info("conversations adopted at login", extra={"user_id": user.pk, "count": moved})


@receiver(user_logged_out)
def close_sockets_at_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    # Logging out must still succeed when the layer is down; the sockets then stay open.
    broadcast.from_sync_code(user_group(user.pk), events.session_ended_event(), what="logout")


@receiver(cart_changed)
def send_cart_to_sockets(sender: Any, owner: Owner, **kwargs: Any) -> None:
    # After the change committed (shop.cart_services), whichever page, API call or action
    # made it; a socket that misses it still gets the cart from the API or the next change.
    cart = cart_selectors.cart_to_dict(cart_selectors.cart_get(owner=owner))
    broadcast.from_sync_code(owner_group(owner.key), events.cart_event(cart), what="cart")
