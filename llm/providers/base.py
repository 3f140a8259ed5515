"""What every model provider offers the rest of the shop: `Provider`."""

import logging
import threading
from abc import ABC, abstractmethod
from typing import Any, ClassVar, TypeVar

from django.core.exceptions import ImproperlyConfigured
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable

from llm.errors import LLMError

logger = logging.getLogger(__name__)


class Provider(ABC):
    """One way of reaching a model, chosen by `name` with the LLM_PROVIDER setting.

    A process holds one instance (see `llm.providers.current`), so the model it builds, with
    its clients and connection pools, is shared by every turn of the process.
    """

    name: ClassVar[str]

    def __init__(self) -> None:
        self._model: BaseChatModel | None = None
        self._bound: Runnable[Any, Any] | None = None
        self._lock = threading.RLock()  # bound_model() builds the model under it

    @property
    @abstractmethod
    def label(self) -> str:
        """The provider and model, in words for people (the chat page, describe_config)."""

    @property
    @abstractmethod
    def model_id(self) -> str:
        """The model's id as stored with each answer."""

    @abstractmethod
    def build(self) -> BaseChatModel:
        """A new streaming chat model from the current settings."""

    def chat_model(self) -> BaseChatModel:
        """The model every turn shares, built on first use.

        The lock keeps two threads asking at once from building two: a model's clients and
        pools are meant to be shared.
        """
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self.build()
        return self._model

    def call_options(self) -> dict[str, Any]:
        """Options sent with every model call (e.g. Bedrock's prompt caching); none here."""
        return {}

    def bound_model(self) -> Runnable[Any, Any]:
        """The shared model with the shop's tools bound: the same for every turn and user
        (the user is bound in the tools' functions, not in their schemas), so bound once."""
        if self._bound is None:
            # Imported here: a provider module may be imported before Django is set up
            # (benchmarks/stamped_provider.py), and the tools need the models.
            from llm.tools import tool_schemas

            with self._lock:
                if self._bound is None:
                    self._bound = self.chat_model().bind_tools(
                        list(tool_schemas()), **self.call_options()
                    )
        return self._bound

    def translate_error(self, exc: BaseException, *, partial_text: str = "") -> LLMError:
        """`exc` as an LLMError whose detail is safe to show; nothing of the provider's text."""
        if isinstance(exc, LLMError):
            exc.partial_text = exc.partial_text or partial_text
            return exc
        reason, detail = self.classify_error(exc)
        return LLMError(detail, reason=reason, partial_text=partial_text)

    def classify_error(self, exc: BaseException) -> tuple[str, str]:
        """(reason, user-safe detail) for a failure; providers add what their client raises."""
        logger.warning("model call failed", extra={"error": type(exc).__name__})
        return "model_error", LLMError.default_detail


P = TypeVar("P", bound=type[Provider])

# Classes only, written once when their module is imported (llm.providers lists them).
_registered: dict[str, type[Provider]] = {}


def register(cls: P) -> P:
    """Class decorator: make `cls` selectable as LLM_PROVIDER=`cls.name`."""
    other = _registered.get(cls.name)
    if other is not None and other.__qualname__ != cls.__qualname__:
        raise ImproperlyConfigured(
            f"Two providers are named {cls.name!r}: {other.__module__}.{other.__qualname__} "
            f"and {cls.__module__}.{cls.__qualname__}"
        )
    _registered[cls.name] = cls
    return cls
