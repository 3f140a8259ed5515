"""The one place that knows which model provider is configured."""

from django.conf import settings
from langchain_core.language_models import BaseChatModel

from llm.offline import OFFLINE_MODEL_ID, OfflineChatModel


def get_chat_model() -> BaseChatModel:
    """A streaming chat model built from settings (`LLM_PROVIDER`)."""
    if settings.LLM_PROVIDER == "bedrock":
        from llm.bedrock import shared_bedrock_model

        return shared_bedrock_model(settings)
    if settings.LLM_PROVIDER != "offline":
        raise ValueError(f"Unknown LLM_PROVIDER {settings.LLM_PROVIDER!r}: use offline or bedrock")
    return OfflineChatModel(delay_ms=settings.LLM_OFFLINE_DELAY_MS)


def model_id() -> str:
    return settings.BEDROCK_MODEL_ID if settings.LLM_PROVIDER == "bedrock" else OFFLINE_MODEL_ID
