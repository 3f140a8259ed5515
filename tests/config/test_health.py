"""GET /healthz tells a load balancer whether this worker can serve."""

import time
import uuid

import pytest
import redis
from django.db import connection

from tests.config.settings_probe import channel_layers_for

SECRET = "s3cret-token-7781"


def _pubsub_layers(redis_url: str, *, prefix: str | None = None) -> dict:
    layers = channel_layers_for(redis_url)
    if prefix is not None:
        layers["default"]["CONFIG"]["prefix"] = prefix
    return layers


@pytest.mark.django_db
def test_healthz_ok_with_configured_database_and_layer(client):
    response = client.get("/healthz")

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}


@pytest.mark.django_db
def test_healthz_round_trips_a_message_through_redis_pubsub(client, settings, redis_url):
    prefix = f"healthtest-{uuid.uuid4().hex[:8]}."
    watcher = redis.Redis.from_url(redis_url).pubsub()
    watcher.psubscribe(f"{prefix}*")
    assert watcher.get_message(timeout=2)["type"] == "psubscribe"
    # Changing CHANNEL_LAYERS makes channels drop its cached layer (setting_changed).
    settings.CHANNEL_LAYERS = _pubsub_layers(redis_url, prefix=prefix)

    try:
        response = client.get("/healthz")
        published = []
        deadline = time.monotonic() + 3
        while not published and time.monotonic() < deadline:
            message = watcher.get_message(timeout=0.5)
            if message and message["type"] == "pmessage":
                published.append(message["channel"].decode())
    finally:
        watcher.close()

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}
    assert published and published[0].startswith(f"{prefix}specific.")


@pytest.mark.django_db
def test_healthz_unreachable_redis_is_503_without_url_or_credentials(client, settings):
    settings.CHANNEL_LAYERS = _pubsub_layers(f"redis://shop:{SECRET}@127.0.0.1:1/0")

    response = client.get("/healthz")
    body = response.content.decode()

    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "error"
    assert data["database"] == "ok"
    assert data["channel_layer"] != "ok" and data["channel_layer"]
    assert SECRET not in body
    assert "redis://" not in body


@pytest.mark.django_db
def test_liveness_asks_only_whether_the_worker_answers(client, settings):
    settings.CHANNEL_LAYERS = _pubsub_layers("redis://127.0.0.1:1/0")

    assert client.get("/healthz").status_code == 503
    live = client.get("/healthz?live")
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True)
def test_healthz_unreachable_database_is_503_without_credentials(client, postgres_url):
    original = dict(connection.settings_dict)
    connection.close()
    # The pool is built from the settings once per process: rebuild it around the change.
    connection.close_pool()
    # A closed port on localhost refuses at once; the password must never reach the body.
    connection.settings_dict.update({"HOST": "127.0.0.1", "PORT": 1, "PASSWORD": SECRET})
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.close_pool()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)

    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "error"
    assert data["channel_layer"] == "ok"
    assert data["database"] != "ok" and data["database"]
    assert SECRET not in response.content.decode()
