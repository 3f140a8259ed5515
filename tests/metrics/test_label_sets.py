"""The fixed label sets keep up with what the shop can produce, so nothing real reads `other`."""

from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from chat.events import ACTION_REQUIRED
from chat.models import Action, Message
from llm.providers.bedrock import _BY_AWS_CODE, BedrockProvider
from metrics import record


def test_every_end_of_a_turn_has_its_own_status():
    ended = set(Message.Status.values) - {Message.Status.STREAMING} | {ACTION_REQUIRED}

    assert set(record.TURN_STATUSES) == ended


def test_every_status_of_an_action_has_its_own_label():
    assert set(record.ACTION_STATUSES) == set(Action.Status.values)


def test_every_reason_the_bedrock_provider_gives_has_its_own_label():
    provider = BedrockProvider()
    reasons = {reason for reason, _ in _BY_AWS_CODE.values()} | {
        provider.translate_error(exc).reason
        for exc in (
            ReadTimeoutError(endpoint_url="http://bedrock"),
            EndpointConnectionError(endpoint_url="http://bedrock"),
            ValueError("anything else"),
        )
    }

    assert reasons <= set(record.LLM_ERROR_REASONS)
