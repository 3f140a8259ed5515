"""config/settings.py turns the environment into settings; each case runs in a fresh process."""

import re
from pathlib import Path

from tests.config.settings_probe import (
    PROJECT_DIR,
    STRONG_SECRET_KEY,
    probe_env,
    run_python,
    settings_in_subprocess,
)


def test_settings_module_is_the_project_package():
    assert settings_in_subprocess("ROOT_URLCONF")["ROOT_URLCONF"] == "config.urls"


def test_without_database_url_uses_sqlite_file_in_project_dir():
    db = settings_in_subprocess("DATABASES")["DATABASES"]["default"]

    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(db["NAME"]).parent == PROJECT_DIR


def test_postgres_database_url_uses_a_bounded_checked_connection_pool():
    db = settings_in_subprocess(
        "DATABASES",
        DATABASE_URL="postgres://u:p@db.example:5432/x",
        DB_POOL_MIN_SIZE="2",
        DB_POOL_MAX_SIZE="7",
    )["DATABASES"]["default"]

    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == ("db.example", 5432, "x", "u")
    # A bounded psycopg pool that checks connections replaces per-thread persistent ones.
    assert db["CONN_MAX_AGE"] == 0
    assert (db["OPTIONS"]["pool"]["min_size"], db["OPTIONS"]["pool"]["max_size"]) == (2, 7)
    assert db["CONN_HEALTH_CHECKS"] is True


def test_redis_url_selects_pubsub_layer_sized_for_many_streams():
    layer = settings_in_subprocess("CHANNEL_LAYERS", REDIS_URL="redis://r:6379/0")[
        "CHANNEL_LAYERS"
    ]["default"]

    assert layer["BACKEND"] == "config.pubsub_layer.PipelinedRedisPubSubChannelLayer"
    [host] = layer["CONFIG"]["hosts"]
    assert host["address"] == "redis://r:6379/0"
    # redis-py 8 defaults (pool of 100 that raises when full, 5 s socket timeout) break
    # long-lived subscriptions under load.
    assert host["max_connections"] >= 1000
    assert host["socket_timeout"] > 10


def test_without_redis_url_uses_in_memory_layer():
    layer = settings_in_subprocess("CHANNEL_LAYERS")["CHANNEL_LAYERS"]["default"]

    assert layer["BACKEND"] == "channels.layers.InMemoryChannelLayer"


def test_debug_off_without_secret_key_refuses_to_start():
    result = run_python(
        "from django.conf import settings\nsettings.DEBUG\n", env=probe_env(DEBUG="0")
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_debug_on_without_secret_key_starts_with_development_key():
    loaded = settings_in_subprocess("DEBUG", "SECRET_KEY", DEBUG="1", SECRET_KEY="")

    assert loaded["DEBUG"] is True
    assert loaded["SECRET_KEY"].startswith("django-insecure-")


def test_allowed_hosts_are_parsed_from_a_comma_separated_list():
    loaded = settings_in_subprocess("ALLOWED_HOSTS", ALLOWED_HOSTS="a.example,b.example")

    assert loaded["ALLOWED_HOSTS"] == ["a.example", "b.example"]


def test_csrf_trusted_origins_are_parsed_from_a_comma_separated_list():
    loaded = settings_in_subprocess(
        "CSRF_TRUSTED_ORIGINS", CSRF_TRUSTED_ORIGINS="https://a.example,https://b.example"
    )

    assert loaded["CSRF_TRUSTED_ORIGINS"] == ["https://a.example", "https://b.example"]


def test_deploy_check_only_warns_about_what_the_tls_proxy_provides(tmp_path):
    # As deployed: collectstatic has written the manifest (config.checks requires it).
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    result = run_python(
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(['manage.py', 'check', '--deploy'])\n",
        env=probe_env(DEBUG="0", SECRET_KEY=STRONG_SECRET_KEY, STATIC_ROOT=str(tmp_path)),
    )
    output = result.stdout + result.stderr

    assert result.returncode == 0, output
    # HSTS (W004) and the HTTP->HTTPS redirect (W008) are configured on the TLS proxy.
    assert set(re.findall(r"security\.W\d+", output)) == {"security.W004", "security.W008"}
    assert not re.search(r"\.E\d+", output), output
