"""The environment of a daphne worker started on this machine by the tests or the benchmarks.

DEBUG off like production, but plain HTTP on loopback (cookies not Secure), static files served
without a manifest, and the offline model unless the caller says otherwise.
"""

import os
from pathlib import Path


def local_worker_env(
    *,
    bin_dirs: list[Path],
    database_url: str,
    redis_url: str,
    prefix: str,
    secret_key: str,
    drop: frozenset[str] = frozenset(),
    **settings: str,
) -> dict[str, str]:
    """This process's environment without `drop`, the given `settings` on top.

    `bin_dirs` go first on PATH (the virtualenv's daphne); an empty `redis_url` leaves the
    worker on the in-memory channel layer.
    """
    env = {k: v for k, v in os.environ.items() if k not in drop | {"DJANGO_SETTINGS_MODULE"}}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    path = ":".join([*(str(d) for d in bin_dirs), os.environ.get("PATH", "")])
    env |= {
        "PATH": path,
        "DATABASE_URL": database_url,
        "CHANNEL_LAYER_PREFIX": prefix,
        "SECRET_KEY": secret_key,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "LLM_PROVIDER": "offline",
        **settings,  # last: a caller's setting wins, a REDIS_URL of its own included
    }
    return env
