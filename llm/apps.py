import threading
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.conf import settings
from django.test.signals import setting_changed

if TYPE_CHECKING:
    from llm.providers.base import Provider


def _read_by_providers(setting: str) -> bool:
    return setting == "AWS_REGION" or setting.startswith(("LLM_", "BEDROCK_"))


class LlmConfig(AppConfig):
    """Also the owner of this process's model provider (`llm.providers.current()`).

    The app registry lives exactly as long as the process, which is the lifetime of the one
    provider and the model it builds. When a setting a provider reads changes (tests, through
    override_settings), the provider is dropped and the next caller gets a fresh one.
    """

    name = "llm"
    verbose_name = "LLM assistant"

    def ready(self) -> None:
        from llm.tools import TOOL_SPECS
        from metrics import record

        record.tools_known(spec.name for spec in TOOL_SPECS)
        self._provider: Provider | None = None
        self._provider_lock = threading.Lock()
        setting_changed.connect(self._on_setting_changed, dispatch_uid="llm.provider")

    def provider(self) -> "Provider":
        provider = self._provider
        if provider is None:
            from llm.providers import provider_class

            with self._provider_lock:
                if self._provider is None:
                    self._provider = provider_class(settings.LLM_PROVIDER)()
                provider = self._provider
        return provider

    def reset_provider(self) -> None:
        with self._provider_lock:
            self._provider = None

    def _on_setting_changed(self, *, setting: str, **_: Any) -> None:
        if _read_by_providers(setting):
            self.reset_provider()
