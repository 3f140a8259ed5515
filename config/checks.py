"""Start-up checks for a serving process: problems that would otherwise be a 500 per request."""

from typing import Any

from django.conf import STATICFILES_STORAGE_ALIAS, settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import CheckMessage, Error, register, run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages

SERVING = "serving"  # the tag config.asgi runs before it serves anything


# A deployment check: migrate and collectstatic must still run before the manifest exists.
@register(SERVING, deploy=True)
def static_manifest_exists(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """With DEBUG off, a manifest storage without its manifest fails every page that links a
    static file; say so once, at start-up, with the command that fixes it."""
    storage = storages[STATICFILES_STORAGE_ALIAS]
    if settings.DEBUG or not isinstance(storage, ManifestFilesMixin):
        return []
    if storage.read_manifest() is not None:
        return []
    return [
        Error(
            f"No static files manifest ({storage.manifest_name}) in STATIC_ROOT "
            f"({settings.STATIC_ROOT}); with DEBUG off every page would fail.",
            hint="Run `python manage.py collectstatic --noinput` before serving "
            "(make run and the Docker image do), or set DEBUG=1 for development.",
            id="project.E001",
        )
    ]


def raise_serving_errors() -> None:
    """Refuse to serve with a check error: daphne runs no system checks of its own."""
    errors = [
        message
        for message in run_checks(tags=[SERVING], include_deployment_checks=True)
        if message.is_serious()
    ]
    if errors:
        raise ImproperlyConfigured("\n".join(str(error) for error in errors))
