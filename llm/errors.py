"""Model failures as one project exception, whatever the provider raised.

Each provider translates its own exceptions (`Provider.translate_error`); the texts shown to
people are here, so that every provider words the same kind of failure the same way.
"""

from shop.errors import ShopError

BUSY = "The assistant is busy right now. Please try again."
UNAVAILABLE = "The assistant is not available right now."
STOPPED = "The assistant stopped unexpectedly. Please try again."
TOO_SLOW = "The assistant took too long to answer."


class LLMError(ShopError):
    """The model failed; `partial_text` holds what it had written of the current message."""

    code = "llm_error"
    default_detail = "The assistant could not answer. Please try again."

    def __init__(
        self, detail: str | None = None, *, reason: str = "model_error", partial_text: str = ""
    ) -> None:
        super().__init__(detail)
        self.reason = reason
        self.partial_text = partial_text

    def http_status(self) -> int:
        # 503 when the model cannot be reached at all, 502 when it answered badly.
        return (
            503 if self.reason in {"unavailable", "access_denied", "throttled", "timeout"} else 502
        )
