"""The offline demo model (llm/offline.py): no network, no AWS account."""

from django.conf import settings
from langchain_core.language_models import BaseChatModel

from llm.offline import OFFLINE_MODEL_ID, OfflineChatModel
from llm.providers.base import Provider, register


@register
class OfflineProvider(Provider):
    name = "offline"
    label = "Offline demo model (no AWS; set LLM_PROVIDER=bedrock for Bedrock)"
    model_id = OFFLINE_MODEL_ID

    def build(self) -> BaseChatModel:
        return OfflineChatModel(delay_ms=settings.LLM_OFFLINE_DELAY_MS)
