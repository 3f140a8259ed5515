"""Reading a request, the same way in every view: who is asking, and the JSON body."""

import json
from typing import Any

from django.http import HttpRequest

from shop.errors import ShopError
from shop.owners import Owner, ensure_anonymous_key, owner_from


def request_owner(request: HttpRequest, *, create: bool = False) -> Owner | None:
    """The request's owner; with `create`, an anonymous visitor gets a key (and a session)."""
    if create and not request.user.is_authenticated:
        ensure_anonymous_key(request.session)
    return owner_from(request.user, request.session)


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The body as a JSON object ({} when empty), or ShopError invalid_json / invalid_message."""
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError):
        raise ShopError("The request body is not valid JSON.", code="invalid_json") from None
    if not isinstance(body, dict):
        raise ShopError("The request body must be a JSON object.", code="invalid_message")
    return body
