"""Which model provider is configured, in words for people."""

from django.conf import settings


def provider_label() -> str:
    if settings.LLM_PROVIDER == "bedrock":
        return f"Amazon Bedrock · {settings.BEDROCK_MODEL_ID}"
    return "Offline demo model (no AWS; set LLM_PROVIDER=bedrock for Bedrock)"
