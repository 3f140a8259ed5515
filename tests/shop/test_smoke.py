import pytest
from django.conf import settings


def test_settings_loaded():
    assert settings.ROOT_URLCONF == "shop.urls"


@pytest.mark.django_db
def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}
