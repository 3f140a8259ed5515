"""Bedrock prompt caching reaches the wire; what the cache saved is stored with each answer,
priced from LLM_PRICES, and shown in the admin and in `manage.py usage_report`."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from chat.costs import message_cost
from chat.models import Conversation, Message
from chat.services import message_append
from devkit.bedrock_emulator import text_response
from llm.history import PastMessage
from llm.pricing import token_cost
from tests.llm.conftest import MODEL_ID, agent_events
from tests.llm.test_agent_bedrock import CACHE_POINT, assert_valid_converse, count_cache_points

PRICES = {MODEL_ID: {"input": 3.0, "output": 15.0, "cache_read": 0.3, "cache_write": 3.75}}
PAST = [
    PastMessage("user", "Do you sell rain jackets?"),
    PastMessage("assistant", "Yes: the Storm Rain Jacket."),
]


async def test_cache_points_follow_the_system_prompt_the_tools_and_the_history(bedrock):
    bedrock.push(text_response("It is waterproof."))

    await agent_events("Is it waterproof?", past=PAST)

    body = bedrock.requests[0]["body"]
    assert body["system"][-1] == CACHE_POINT
    assert body["toolConfig"]["tools"][-1] == CACHE_POINT
    previous, new = body["messages"][-2:]
    assert previous["content"][-1] == CACHE_POINT  # the end of the earlier conversation
    assert new["content"][-1] == CACHE_POINT
    assert count_cache_points(body) <= 4  # Bedrock's limit
    assert_valid_converse(body["messages"])


@pytest.mark.parametrize(
    "setting, model_id",
    [({"BEDROCK_PROMPT_CACHE": False}, MODEL_ID), ({}, "meta.llama3-3-70b-instruct-v1:0")],
)
async def test_no_cache_points_when_off_or_for_a_model_without_caching(
    bedrock, settings, setting, model_id
):
    for name, value in setting.items():
        setattr(settings, name, value)
    settings.BEDROCK_MODEL_ID = model_id
    bedrock.push(text_response("Fine."))

    await agent_events("Hello", past=PAST)

    assert count_cache_points(bedrock.requests[0]["body"]) == 0


async def test_cache_reads_and_writes_from_bedrocks_usage_reach_the_events(bedrock):
    bedrock.push(text_response("Cached.", usage=(40, 5), cache_tokens=(900, 60)))

    events = await agent_events("Hello", past=PAST)

    finished = [e for e in events if type(e).__name__ == "MessageFinished"][-1]
    assert (finished.cache_read_tokens, finished.cache_write_tokens) == (900, 60)
    assert finished.input_tokens == 40 + 900 + 60  # all of the input
    assert finished.output_tokens == 5


def test_a_calls_cost_prices_cached_input_apart(settings):
    settings.LLM_PRICES = PRICES
    cost = token_cost(
        model_id=MODEL_ID,
        input_tokens=1_000_000,
        output_tokens=100_000,
        cache_read_tokens=600_000,
        cache_write_tokens=100_000,
    )
    # 300k uncached x 3 + 100k out x 15 + 600k read x 0.3 + 100k written x 3.75, per million
    assert cost == Decimal("0.9") + Decimal("1.5") + Decimal("0.18") + Decimal("0.375")
    assert token_cost(model_id="unpriced", input_tokens=10, output_tokens=1) is None


@pytest.fixture
def answered(db, settings, django_user_model):  # type: ignore[no-untyped-def]
    settings.LLM_PRICES = PRICES
    ana = django_user_model.objects.create_user("ana", password="x-123456789")
    cheap = Conversation.objects.create(user=ana, title="Cheap")
    dear = Conversation.objects.create(anonymous_key="k" * 32, title="Dear")
    rows = [
        (cheap, 1_000, 100, 800, 0),
        (dear, 200_000, 20_000, 0, 150_000),
    ]
    for conversation, tokens_in, tokens_out, read, written in rows:
        message_append(
            conversation=conversation,
            role="assistant",
            content="answer",
            model_id=MODEL_ID,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            cache_read_tokens=read,
            cache_write_tokens=written,
        )
    return {"cheap": cheap, "dear": dear}


def test_the_database_prices_messages_as_the_python_does(answered):
    for message in Message.objects.annotate(cost=message_cost()):
        expected = token_cost(
            model_id=message.model_id,
            input_tokens=message.input_tokens,
            output_tokens=message.output_tokens,
            cache_read_tokens=message.cache_read_tokens,
            cache_write_tokens=message.cache_write_tokens,
        )
        assert message.cost == pytest.approx(expected)


def test_the_admin_shows_and_sorts_costs(admin_client, answered):
    page = admin_client.get("/admin/chat/conversation/", {"o": "-4"}).content.decode()
    assert page.index("Dear") < page.index("Cheap")  # dearest first
    assert "$1.0125" in page  # 50k uncached x 3 + 20k out x 15 + 150k written x 3.75
    messages = admin_client.get("/admin/chat/message/").content.decode()
    assert "$1.0125" in messages and "$0.0023" in messages
    users = admin_client.get("/admin/auth/user/").content.decode()
    assert "Assistant cost" in users and "$0.0023" in users


def test_usage_report_by_model_user_and_day(answered):
    out = StringIO()
    call_command("usage_report", "--by", "model", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == [
        "model",
        "calls",
        "input",
        "cache",
        "read",
        "cache",
        "write",
        "output",
        "cost",
        "(USD)",
    ]
    assert lines[1].split()[0] == MODEL_ID and lines[1].split()[-1] == "1.0148"
    assert lines[-2].split()[0] == "total"

    out = StringIO()
    call_command("usage_report", "--by", "user", stdout=out)
    report = out.getvalue()
    assert "(anonymous visitors)" in report and "ana" in report
    assert "k" * 32 not in report  # an anonymous key is a session secret

    out = StringIO()
    call_command("usage_report", "--since", "2999-01-01", stdout=out)
    assert len(out.getvalue().splitlines()) == 2  # header and the note: nothing since then

    with pytest.raises(CommandError):
        call_command("usage_report", "--since", "yesterday")
