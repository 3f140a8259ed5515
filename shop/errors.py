"""The project's one error type: a stable code plus a message safe to show users.

Views map it to HTTP statuses and the chat consumer to `error` frames, both through
`http_status()` here, so a code means the same thing everywhere.
"""

_HTTP_STATUS = {
    "invalid_json": 400,
    "invalid_message": 400,
    "too_long": 400,
    "not_found": 404,
    "busy": 409,
    "rate_limited": 429,
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
