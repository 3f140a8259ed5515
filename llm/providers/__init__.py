"""Model providers: one `Provider` class per provider, registered by name.

A provider is one file: a module of this package (llm/providers/<name>.py, found by listing
the package) or of another package (imported before the provider is needed, as
benchmarks/stamped_provider.py is) whose `Provider` subclass is decorated with `@register`.
`LLM_PROVIDER` names the one to use; `current()` is this process's instance of it.

The registry holds classes, written once when their module is imported; the instance, with
the model it built, belongs to the llm app's config (llm/apps.py), which drops it when a
setting it reads changes.
"""

import functools
import importlib
import pkgutil

from django.apps import apps

from llm.providers.base import Provider, _registered, register

__all__ = [
    "Provider",
    "current",
    "provider_class",
    "provider_label",
    "provider_names",
    "register",
]


@functools.cache
def _import_package_providers() -> None:
    # Once per process: the package's files do not change while it runs (providers defined
    # elsewhere register when their module is imported, whenever that is).
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")


def provider_names() -> list[str]:
    _import_package_providers()
    return sorted(_registered)


def provider_class(name: str) -> type[Provider]:
    """The provider registered as `name`; a ValueError naming the known ones otherwise."""
    _import_package_providers()
    if name not in _registered:
        *others, last = sorted(_registered)
        choices = f"{', '.join(others)} or {last}" if others else last
        raise ValueError(f"Unknown LLM_PROVIDER {name!r}: use {choices}")
    return _registered[name]


def current() -> Provider:
    """The configured provider of this process, created on first use."""
    return apps.get_app_config("llm").provider()  # type: ignore[attr-defined]


def provider_label() -> str:
    """The configured provider in words for people, for pages and the startup description.

    It never raises: with a wrong LLM_PROVIDER the shop still serves (each answer reports the
    problem), so its pages name the problem instead of failing.
    """
    try:
        return current().label
    except ValueError as exc:
        return str(exc)
