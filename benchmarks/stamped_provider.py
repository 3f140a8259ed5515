"""LLM_PROVIDER=stamped: benchmarks.model.StampedChatModel as one of the shop's providers.

Importing this module registers it; benchmarks.stamped_asgi does so before Django reads its
settings, so the worker's warm-up already builds this model.
"""

from langchain_core.language_models import BaseChatModel

from llm.providers import Provider, register


@register
class StampedProvider(Provider):
    name = "stamped"
    label = "Benchmark model (wall-clock stamps, benchmarks/model.py)"
    model_id = "bench-stamped"

    def build(self) -> BaseChatModel:
        # Imported here: the model builds on the offline one, which needs Django set up.
        from benchmarks.model import StampedChatModel

        return StampedChatModel(model_id=self.model_id)
