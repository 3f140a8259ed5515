"""Amazon Bedrock (llm/bedrock.py), and what its client raises in words for people."""

import logging
import re
from typing import Any

from aiohttp import ClientError as AiohttpError
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from django.conf import settings
from langchain_core.language_models import BaseChatModel
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeout

from llm.errors import BUSY, STOPPED, TOO_SLOW, UNAVAILABLE, LLMError
from llm.providers.base import Provider, register

logger = logging.getLogger(__name__)

# AWS error code (HTTP errors spell it "ThrottlingException", stream events
# "throttlingException"; looked up with a capital first letter) -> (reason, user-safe detail)
_BY_AWS_CODE: dict[str, tuple[str, str]] = {
    "ThrottlingException": ("throttled", BUSY),
    "ServiceQuotaExceededException": ("throttled", BUSY),
    "ValidationException": ("invalid_request", "The assistant could not process this request."),
    "AccessDeniedException": ("access_denied", UNAVAILABLE),
    "ResourceNotFoundException": ("access_denied", UNAVAILABLE),
    "ModelStreamErrorException": ("model_error", STOPPED),
    "ModelErrorException": ("model_error", STOPPED),
    "ModelTimeoutException": ("timeout", TOO_SLOW),
    "InternalServerException": ("unavailable", UNAVAILABLE),
    "ServiceUnavailableException": ("unavailable", UNAVAILABLE),
    "ModelNotReadyException": ("unavailable", UNAVAILABLE),
}


# Models whose Converse requests take cache points (Bedrock's prompt caching documentation).
_CACHING_MODELS = re.compile(
    r"anthropic\.claude-(3-5-haiku|3-7-sonnet|sonnet-4|opus-4|haiku-4)|amazon\.nova", re.I
)


def prompt_cache_supported(model_id: str, provider: str = "") -> bool:
    """Whether the model takes cache points; an inference profile ARN names no model, so the
    configured provider (BEDROCK_PROVIDER) decides for it."""
    if model_id.startswith("arn:"):
        return provider.lower() == "anthropic"
    return bool(_CACHING_MODELS.search(model_id))


@register
class BedrockProvider(Provider):
    name = "bedrock"

    @property
    def label(self) -> str:
        return f"Amazon Bedrock · {settings.BEDROCK_MODEL_ID}"

    @property
    def model_id(self) -> str:
        return settings.BEDROCK_MODEL_ID

    def build(self) -> BaseChatModel:
        """One model, hence one boto3 client and connection pool, for the whole process.

        Creating the client is blocking work; config/warm_up.py does it before the first
        answer (docs/benchmarks.md).
        """
        # langchain-aws is imported only when Bedrock is the configured provider.
        from llm.bedrock import build_bedrock_model

        return build_bedrock_model(settings)

    def call_options(self) -> dict[str, Any]:
        """Prompt caching through langchain-aws: its `cache_control` places cache points after
        the system prompt, the tools, the previous history and the new turn, within Bedrock's
        limit of four, so that a turn pays full price only for what is new."""
        if settings.BEDROCK_PROMPT_CACHE and prompt_cache_supported(
            settings.BEDROCK_MODEL_ID, settings.BEDROCK_PROVIDER
        ):
            return {"cache_control": {"type": "default"}}
        return {}

    def classify_error(self, exc: BaseException) -> tuple[str, str]:
        if isinstance(exc, ClientError):
            aws_code = exc.response.get("Error", {}).get("Code", "")
            reason, detail = _BY_AWS_CODE.get(
                aws_code[:1].upper() + aws_code[1:], ("model_error", LLMError.default_detail)
            )
            logger.warning("model call failed", extra={"aws_code": aws_code, "reason": reason})
            return reason, detail
        if isinstance(
            exc, ReadTimeoutError | ConnectTimeoutError | TimeoutError | Urllib3ReadTimeout
        ):
            # A read timeout in the middle of an event stream surfaces from the HTTP client
            # (aiohttp's is a TimeoutError), not botocore.
            logger.warning("model call timed out", extra={"error": type(exc).__name__})
            return "timeout", TOO_SLOW
        if isinstance(
            exc,
            EndpointConnectionError | BotoCoreError | ConnectionError | Urllib3Error | AiohttpError,
        ):
            logger.warning("model endpoint unreachable", extra={"error": type(exc).__name__})
            return "unavailable", UNAVAILABLE
        # langchain-aws re-raises some ClientErrors as ValueError with AWS text inside:
        # never show that text, only log the type.
        return super().classify_error(exc)
