"""The project's one error type: a stable code plus a message safe to show users.

A code means the same everywhere: `http_status()` maps it for HTTP, `error_response()` here
builds every HTTP error body, and chat.events.error_frame the WebSocket `error` frame.
"""

from typing import Literal

from django.http import JsonResponse

_HTTP_STATUS = {
    "invalid_json": 400,
    "invalid_message": 400,
    "too_long": 400,
    "invalid_quantity": 400,
    "login_required": 403,
    "not_found": 404,
    "busy": 409,
    "out_of_stock": 409,
    "insufficient_stock": 409,
    "rate_limited": 429,
    "budget_exceeded": 429,
    "llm_error": 502,
    "unavailable": 503,
}


class ShopError(Exception):
    """An expected failure with a machine-readable `code` and a user-safe `detail`."""

    code = "error"
    default_detail = "Something went wrong."

    def __init__(self, detail: str | None = None, *, code: str | None = None) -> None:
        self.detail = detail or self.default_detail
        if code is not None:
            self.code = code
        super().__init__(self.detail)

    def http_status(self) -> int:
        return _HTTP_STATUS.get(self.code, 400)

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "detail": self.detail}


class DatabaseUnavailable(ShopError):
    code = "unavailable"
    default_detail = "The shop's database is unavailable. Please try again shortly."


def error_response(
    error: ShopError, *, shape: Literal["nested", "flat"] = "nested"
) -> JsonResponse:
    """The HTTP form of an error.

    `nested` is `{"error": {"code", "detail"}}` (the conversation API); `flat` is
    `{"error": detail, "code": code}`, the documented shape of POST /api/llm/query.
    """
    if shape == "flat":
        body: dict[str, object] = {"error": error.detail, "code": error.code}
    else:
        body = {"error": error.as_dict()}
    return JsonResponse(body, status=error.http_status())
