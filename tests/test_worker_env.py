"""The environment the tests and benchmarks give the daphne workers they start."""

from pathlib import Path

from devkit.worker_env import local_worker_env


def env(**settings: str) -> dict[str, str]:
    return local_worker_env(
        bin_dirs=[Path("/venv/bin")],
        database_url="postgres://db/x",
        redis_url="redis://shared:6379/0",
        prefix="p",
        secret_key="k",
        **settings,
    )


def test_a_callers_setting_wins_over_the_defaults_and_the_shared_redis():
    worker = env(REDIS_URL="redis://private:7000/0", LLM_PROVIDER="bedrock", DEBUG="1")

    assert worker["REDIS_URL"] == "redis://private:7000/0"
    assert (worker["LLM_PROVIDER"], worker["DEBUG"]) == ("bedrock", "1")


def test_defaults_are_production_like_on_loopback():
    worker = env()

    assert worker["REDIS_URL"] == "redis://shared:6379/0"
    assert worker["DEBUG"] == "0" and worker["SESSION_COOKIE_SECURE"] == "0"
    assert worker["PATH"].startswith("/venv/bin:")
    assert "DJANGO_SETTINGS_MODULE" not in worker


def test_no_redis_url_leaves_the_worker_on_the_in_memory_layer(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://from-the-shell:6379/0")

    worker = local_worker_env(
        bin_dirs=[], database_url="sqlite:///x", redis_url="", prefix="p", secret_key="k"
    )

    assert "REDIS_URL" not in worker
