"""Model failures as one project exception, whatever the provider raised."""

import logging

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeout

from shop.errors import ShopError

logger = logging.getLogger(__name__)

_BUSY = "The assistant is busy right now. Please try again."
_UNAVAILABLE = "The assistant is not available right now."
_STOPPED = "The assistant stopped unexpectedly. Please try again."
_TOO_SLOW = "The assistant took too long to answer."

# AWS error code (HTTP errors spell it "ThrottlingException", stream events
# "throttlingException"; looked up with a capital first letter) -> (reason, user-safe detail)
_BY_AWS_CODE: dict[str, tuple[str, str]] = {
    "ThrottlingException": ("throttled", _BUSY),
    "ServiceQuotaExceededException": ("throttled", _BUSY),
    "ValidationException": ("invalid_request", "The assistant could not process this request."),
    "AccessDeniedException": ("access_denied", _UNAVAILABLE),
    "ResourceNotFoundException": ("access_denied", _UNAVAILABLE),
    "ModelStreamErrorException": ("model_error", _STOPPED),
    "ModelErrorException": ("model_error", _STOPPED),
    "ModelTimeoutException": ("timeout", _TOO_SLOW),
    "InternalServerException": ("unavailable", _UNAVAILABLE),
    "ServiceUnavailableException": ("unavailable", _UNAVAILABLE),
    "ModelNotReadyException": ("unavailable", _UNAVAILABLE),
}


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


def to_llm_error(exc: BaseException, *, partial_text: str = "") -> LLMError:
    """Translate a provider exception into an LLMError without leaking request details."""
    if isinstance(exc, LLMError):
        exc.partial_text = exc.partial_text or partial_text
        return exc
    if isinstance(exc, ClientError):
        aws_code = exc.response.get("Error", {}).get("Code", "")
        reason, detail = _BY_AWS_CODE.get(
            aws_code[:1].upper() + aws_code[1:], ("model_error", LLMError.default_detail)
        )
        logger.warning("model call failed", extra={"aws_code": aws_code, "reason": reason})
    elif isinstance(
        exc, ReadTimeoutError | ConnectTimeoutError | TimeoutError | Urllib3ReadTimeout
    ):
        # A read timeout in the middle of an event stream surfaces from urllib3, not botocore.
        reason, detail = "timeout", _TOO_SLOW
        logger.warning("model call timed out", extra={"error": type(exc).__name__})
    elif isinstance(exc, EndpointConnectionError | BotoCoreError | ConnectionError | Urllib3Error):
        reason, detail = "unavailable", _UNAVAILABLE
        logger.warning("model endpoint unreachable", extra={"error": type(exc).__name__})
    else:
        # langchain-aws re-raises some ClientErrors as ValueError with AWS text inside:
        # never show that text, only log the type.
        reason, detail = "model_error", LLMError.default_detail
        logger.warning("model call failed", extra={"error": type(exc).__name__})
    return LLMError(detail, reason=reason, partial_text=partial_text)
