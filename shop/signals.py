"""Login: hand the visitor's anonymous key to every adopter once, then merge the cart."""

import logging
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from shop import cart_services
from shop.owners import SESSION_KEY, visitor_logged_in

logger = logging.getLogger(__name__)


@receiver(user_logged_in)
def hand_over_anonymous_key(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # The only reader of the key at login: it pops the key and passes it on, so no adopter
    # depends on running before another one removes it.
    key = request.session.pop(SESSION_KEY, None) if request is not None else None
    if key:
        visitor_logged_in.send(sender=hand_over_anonymous_key, anonymous_key=key, user=user)


@receiver(visitor_logged_in)
def merge_anonymous_cart(sender: Any, anonymous_key: str, user: Any, **kwargs: Any) -> None:
    moved = cart_services.cart_merge(anonymous_key=anonymous_key, user_id=user.pk)
    if moved:
        logger.info("cart merged at login", extra={"user_id": user.pk, "lines": moved})
