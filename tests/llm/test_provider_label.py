"""Wherever the provider is shown, the offline demo model says what it is."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_chat_page_and_startup_name_the_offline_demo_model(client):
    assert "Offline demo model" in client.get("/chat/").content.decode()
    out = StringIO()
    call_command("describe_config", stdout=out)
    assert "LLM provider:  Offline demo model" in out.getvalue()


@pytest.mark.django_db
def test_bedrock_is_named_with_its_model(client, settings):
    settings.LLM_PROVIDER = "bedrock"
    settings.BEDROCK_MODEL_ID = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    page = client.get("/chat/").content.decode()
    assert "Amazon Bedrock · us.anthropic.claude-sonnet-4-5-20250929-v1:0" in page
    assert "Offline demo model" not in page
