"""POST /api/llm/query: one question in, the whole answer out as JSON, errors user-safe."""

import json

import pytest
from django.test import Client

from devkit.bedrock_emulator import (
    http_error_response,
    stream_error_response,
    text_response,
    tool_use_response,
)

# The async view reaches the ORM from another thread, so rows must be committed. Requests
# that need no rows run without database access at all: answering them must not need it.
with_db = pytest.mark.django_db(transaction=True)

URL = "/api/llm/query"
AWS_MESSAGE = (
    "User: arn:aws:iam::123456789012:user/ci is not authorized "
    "(RequestId: 7d0c2f9e-1b4a-4c1e-9a55-3f0e8b1d2c44)"
)


def ask(client: Client, body: object) -> tuple[int, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body)
    response = client.post(URL, raw, content_type="application/json")
    return response.status_code, response.json()


def assert_error_body(body: dict) -> None:
    assert isinstance(body["error"], str) and body["error"]
    assert "answer" not in body


# -- answers -----------------------------------------------------------------------------------


@with_db
def test_product_question_is_answered_from_a_catalogue_search(client, catalogue, provider):
    status, body = ask(client, {"query": "Do you have running shoes under 100?"})

    assert status == 200
    assert set(body) == {"answer", "tool_calls", "usage"}
    assert body["tool_calls"] == [
        {"name": "search_products", "args": {"query": "running shoes", "max_price": 100.0}}
    ]
    assert "Trail Runner 2" in body["answer"]
    assert "Road Racer" not in body["answer"]  # over budget
    assert set(body["usage"]) == {"input_tokens", "output_tokens"}
    assert all(isinstance(n, int) and n > 0 for n in body["usage"].values())


def test_greeting_is_answered_without_tools(client, provider):
    status, body = ask(client, {"query": "  hello  "})

    assert status == 200
    assert body["tool_calls"] == []
    assert isinstance(body["answer"], str) and body["answer"].strip()


@with_db
def test_usage_adds_up_every_model_round(client, catalogue, bedrock):
    bedrock.push(
        tool_use_response("search_products", {"query": "jacket"}, usage=(100, 7)),
        text_response("The Storm Rain Jacket.", usage=(250, 12)),
    )

    status, body = ask(client, {"query": "Any jackets?"})

    assert status == 200
    assert body["usage"] == {"input_tokens": 350, "output_tokens": 19}
    assert body["answer"] == "The Storm Rain Jacket."
    assert body["tool_calls"] == [{"name": "search_products", "args": {"query": "jacket"}}]


def test_a_query_of_the_maximum_length_is_accepted(client, bedrock):
    query = "a" * 4000

    status, body = ask(client, {"query": query})

    assert status == 200 and body["answer"]
    assert bedrock.requests[0]["body"]["messages"][-1]["content"][0] == {"text": query}


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        [{"query": "shoes"}],
        {},
        {"question": "shoes"},
        {"query": 42},
        {"query": None},
        {"query": ["shoes"]},
        {"query": ""},
        {"query": " \n\t "},
        {"query": "a" * 4001},
    ],
    ids=[
        "not-json",
        "empty-body",
        "json-list",
        "empty-object",
        "missing-query",
        "number",
        "null",
        "list",
        "empty",
        "whitespace",
        "too-long",
    ],
)
def test_bad_input_is_rejected_before_the_model_is_asked(client, bedrock, body):
    status, answer = ask(client, body)

    assert status == 400
    assert_error_body(answer)
    assert bedrock.requests == []


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_only_post_is_allowed(client, bedrock, method):
    response = getattr(client, method)(URL)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert bedrock.requests == []


# -- model failures ----------------------------------------------------------------------------


FAILURES = {
    "validation": (http_error_response(400, "ValidationException", AWS_MESSAGE), 502),
    "access-denied": (http_error_response(403, "AccessDeniedException", AWS_MESSAGE), 503),
    "throttled": (http_error_response(429, "ThrottlingException", AWS_MESSAGE), 503),
    "unavailable": (http_error_response(503, "ServiceUnavailableException", AWS_MESSAGE), 503),
    "mid-stream": (
        stream_error_response("modelStreamErrorException", AWS_MESSAGE, after_text="We have "),
        502,
    ),
}


@pytest.mark.parametrize("kind", list(FAILURES))
def test_model_failure_is_a_user_safe_error(client, bedrock, settings, kind):
    failure, status = FAILURES[kind]
    bedrock.push(*[failure] * settings.BEDROCK_MAX_ATTEMPTS)  # outlasts botocore's retries

    response = client.post(URL, {"query": "hello"}, content_type="application/json")

    assert response.status_code == status
    body = response.json()
    assert_error_body(body)
    assert body["code"] == "llm_error"
    text = response.content.decode()
    for leak in (AWS_MESSAGE, "arn:", "RequestId", "Exception", "Traceback", "We have"):
        assert leak not in text


def test_unreachable_model_is_service_unavailable(client, bedrock, settings):
    settings.BEDROCK_ENDPOINT_URL = "http://127.0.0.1:9"

    response = client.post(URL, {"query": "hello"}, content_type="application/json")

    assert response.status_code == 503
    assert_error_body(response.json())
    assert "127.0.0.1" not in response.content.decode()


# -- CSRF --------------------------------------------------------------------------------------


@with_db
def test_post_without_csrf_token_is_forbidden(catalogue, settings):
    """The endpoint is CSRF-protected like every other form of the site.

    An API client calls it like the browser does: GET a page (e.g. /chat/) to receive the
    `csrftoken` cookie (and the session cookie), then POST with both cookies and the token
    repeated in the `X-CSRFToken` header.
    """
    settings.LLM_PROVIDER = "offline"
    browser = Client(enforce_csrf_checks=True)

    refused = browser.post(URL, {"query": "running shoes"}, content_type="application/json")
    assert refused.status_code == 403

    assert browser.get("/chat/").status_code == 200
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = browser.post(
        URL,
        {"query": "running shoes"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 200
    assert "Trail Runner 2" in accepted.json()["answer"]

    forged = browser.post(
        URL,
        {"query": "running shoes"},
        content_type="application/json",
        headers={"X-CSRFToken": "x" * 32},
    )
    assert forged.status_code == 403
