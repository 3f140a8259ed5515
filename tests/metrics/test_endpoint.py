"""GET /metrics answers Prometheus with the token, and nobody without it."""

import pytest
from channels.testing import HttpCommunicator
from prometheus_client.parser import text_string_to_metric_families

from config.asgi import application
from llm.tools import TOOL_SPECS
from metrics import record
from tests.metrics.scrape import TOKEN, get_metrics, scrape

# Every figure docs/deploy.md lists; a scrape shows each, before anything has happened.
LISTED = {
    "chat_turns",
    "chat_turn_duration_seconds",
    "chat_time_to_first_token_seconds",
    "chat_time_to_first_chunk_seconds",
    "chat_tokens",
    "chat_tool_calls",
    "chat_tool_duration_seconds",
    "chat_active_turns",
    "chat_open_sockets",
    "chat_layer_failures",
    "chat_catch_ups",
    "llm_errors",
    "chat_actions",
}


async def test_with_the_token_a_scrape_is_prometheus_text_with_every_listed_figure():
    response = await get_metrics()

    assert response["status"] == 200
    headers = dict(response["headers"])
    assert headers[b"content-type"].startswith(b"text/plain; version=")
    assert headers[b"cache-control"] == b"no-store"
    families = {f.name: f for f in text_string_to_metric_families(response["body"].decode())}
    assert families.keys() >= LISTED
    tokens = {s.labels["kind"] for s in families["chat_tokens"].samples}
    assert tokens == {"input", "output", "cache_read", "cache_write"}


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong-token", TOKEN, f"Basic {TOKEN}", f"Bearer {TOKEN}x"],
)
async def test_without_the_exact_bearer_token_it_is_401(authorization):
    headers = [(b"host", b"localhost")]
    if authorization is not None:
        headers.append((b"authorization", authorization.encode()))
    response = await HttpCommunicator(
        application, "GET", "/metrics", headers=headers
    ).get_response()

    assert response["status"] == 401
    assert dict(response["headers"])[b"www-authenticate"].startswith(b"Bearer")
    assert b"chat_turns" not in response["body"]


async def test_with_no_token_configured_there_is_no_endpoint(settings):
    settings.METRICS_TOKEN = ""

    assert (await get_metrics())["status"] == 404
    assert (await get_metrics(token=""))["status"] == 404


async def test_only_get_and_head_are_answered():
    assert (await get_metrics(method="POST"))["status"] == 405
    head = await get_metrics(method="HEAD")
    assert head["status"] == 200 and head["body"] == b""


async def test_a_pod_address_as_host_reaches_metrics_though_django_refuses_it():
    # Prometheus sends the address it scrapes as Host; Django answers 400 to it elsewhere.
    assert (await get_metrics(host=b"10.0.0.7:8000"))["status"] == 200
    page = await HttpCommunicator(
        application, "GET", "/healthz", headers=[(b"host", b"10.0.0.7:8000")]
    ).get_response()
    assert page["status"] == 400


async def test_labels_outside_their_fixed_sets_are_recorded_as_other():
    before = await scrape()

    record.tool_call_finished("email me at someone@example.com", ok=False, seconds=0.01)
    record.llm_error("Traceback: secret detail")
    record.action_status_changed("drop_table", "pwned")

    after = await scrape()
    assert after.since(before, "chat_tool_calls_total", tool="other", outcome="error") == 1
    assert after.since(before, "llm_errors_total", reason="other") == 1
    assert after.since(before, "chat_actions_total", tool="other", status="other") == 1
    assert "someone@example.com" not in after.label_values("chat_tool_calls_total", "tool")
    assert "drop_table" not in after.label_values("chat_actions_total", "tool")
    assert "pwned" not in after.label_values("chat_actions_total", "status")


async def test_known_tools_are_labelled_by_name_from_the_first_scrape():
    first = await scrape()

    assert first.label_values("chat_tool_calls_total", "tool") >= {spec.name for spec in TOOL_SPECS}
    record.action_status_changed("search_products", "pending")
    after = await scrape()
    assert after.since(first, "chat_actions_total", tool="search_products", status="pending") == 1
