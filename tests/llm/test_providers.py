"""Providers: one class each, chosen by LLM_PROVIDER, one instance per process until a setting
it reads changes; each names itself and turns its client's failures into user-safe errors."""

import pkgutil
from io import StringIO

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from django.core.management import call_command
from django.test import override_settings
from langchain_core.language_models import BaseChatModel
from urllib3.exceptions import ProtocolError

import llm.providers
from llm.bedrock import ScalableChatBedrockConverse
from llm.errors import BUSY, TOO_SLOW, UNAVAILABLE, LLMError
from llm.offline import OFFLINE_MODEL_ID, OfflineChatModel
from llm.providers import (
    Provider,
    current,
    provider_class,
    provider_label,
    provider_names,
    register,
)
from llm.providers.bedrock import BedrockProvider
from llm.providers.offline import OfflineProvider
from tests.llm.conftest import MODEL_ID

AWS_TEXT = "User: arn:aws:iam::123456789012:user/ci is not authorized (RequestId: 7d0c2f9e)"


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": AWS_TEXT}}, "ConverseStream")


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


def test_each_provider_has_its_label_and_model_id(settings):
    settings.LLM_PROVIDER = "offline"
    offline = current()
    assert isinstance(offline, OfflineProvider) and offline.name == "offline"
    assert offline.label == "Offline demo model (no AWS; set LLM_PROVIDER=bedrock for Bedrock)"
    assert offline.model_id == OFFLINE_MODEL_ID == "offline-demo"
    settings.LLM_PROVIDER = "bedrock"
    settings.BEDROCK_MODEL_ID = MODEL_ID
    bedrock = current()
    assert isinstance(bedrock, BedrockProvider) and bedrock.name == "bedrock"
    assert bedrock.label == f"Amazon Bedrock · {MODEL_ID}"
    assert bedrock.model_id == MODEL_ID


def test_an_unknown_provider_is_refused_naming_the_known_ones(settings):
    settings.LLM_PROVIDER = "nonsense"
    with pytest.raises(ValueError, match="Unknown LLM_PROVIDER 'nonsense'") as info:
        current()
    assert "offline" in str(info.value) and "bedrock" in str(info.value)
    assert str(info.value).startswith("Unknown LLM_PROVIDER 'nonsense': use bedrock")


@pytest.mark.django_db
def test_a_wrong_provider_is_named_on_the_page_and_at_startup_instead_of_failing(client, settings):
    settings.LLM_PROVIDER = "nonsense"
    assert provider_label() == "Unknown LLM_PROVIDER 'nonsense': use bedrock or offline"
    assert "Unknown LLM_PROVIDER" in client.get("/chat/").content.decode()
    out = StringIO()
    call_command("describe_config", stdout=out)
    assert "LLM provider:  Unknown LLM_PROVIDER 'nonsense'" in out.getvalue()


def test_every_module_of_the_package_is_one_registered_provider():
    modules = {m.name for m in pkgutil.iter_modules(llm.providers.__path__)} - {"base"}
    assert modules == {"offline", "bedrock"}
    assert modules <= set(provider_names())
    for name in modules:
        cls = provider_class(name)
        assert cls.name == name and cls.__module__ == f"llm.providers.{name}"


@pytest.fixture
def registry_restored():  # type: ignore[no-untyped-def]
    """Providers a test registers are gone after it."""
    from llm.providers.base import _registered

    saved = dict(_registered)
    yield
    _registered.clear()
    _registered.update(saved)


def test_a_provider_from_elsewhere_is_one_registered_class(settings, registry_restored):

    @register
    class EchoProvider(Provider):
        name = "echo"
        label = "Echo"
        model_id = "echo-1"

        def build(self) -> BaseChatModel:
            return OfflineChatModel(model_id=self.model_id)

    settings.LLM_PROVIDER = "echo"
    assert isinstance(current(), EchoProvider)
    assert current().chat_model().model_id == "echo-1"
    assert "echo" in provider_names()

    with pytest.raises(Exception, match="Two providers are named 'echo'"):

        @register
        class OtherEcho(EchoProvider):
            pass


def test_one_provider_and_one_model_per_process_until_a_setting_changes(settings):
    settings.LLM_PROVIDER = "offline"
    provider = current()
    assert current() is provider
    model = provider.chat_model()
    assert provider.chat_model() is model
    settings.CHAT_MAX_MESSAGE_CHARS = 123  # read by no provider
    assert current() is provider
    settings.LLM_OFFLINE_DELAY_MS = 7
    fresh = current()
    assert fresh is not provider
    assert fresh.chat_model().delay_ms == 7


@pytest.mark.parametrize(
    "setting, value",
    [("LLM_PROVIDER", "offline"), ("BEDROCK_READ_TIMEOUT", 3), ("AWS_REGION", "eu-west-1")],
)
def test_override_settings_gives_a_fresh_provider(setting, value):
    before = current()
    with override_settings(**{setting: value}):
        during = current()
        assert during is not before
    assert current() is not during


def test_bedrock_builds_one_client_for_every_turn(bedrock):
    provider = current()
    model = provider.chat_model()
    assert isinstance(model, ScalableChatBedrockConverse)
    assert current().chat_model() is model
    assert model.endpoint_url == bedrock.url and model.model_id == MODEL_ID
    assert model.loop_clients is current().chat_model().loop_clients


@pytest.mark.parametrize(
    "exc, reason, detail",
    [
        (client_error("ThrottlingException"), "throttled", BUSY),
        (client_error("throttlingException"), "throttled", BUSY),  # a stream event's spelling
        (client_error("AccessDeniedException"), "access_denied", UNAVAILABLE),
        (client_error("ModelTimeoutException"), "timeout", TOO_SLOW),
        (client_error("SomethingNewException"), "model_error", LLMError.default_detail),
        (ReadTimeoutError(endpoint_url="https://bedrock"), "timeout", TOO_SLOW),
        (EndpointConnectionError(endpoint_url="https://bedrock"), "unavailable", UNAVAILABLE),
        (ProtocolError("connection broken"), "unavailable", UNAVAILABLE),
        (ValueError(AWS_TEXT), "model_error", LLMError.default_detail),
    ],
)
def test_bedrock_translates_its_clients_errors(exc, reason, detail):
    error = BedrockProvider().translate_error(exc, partial_text="So far")
    assert (error.reason, error.detail, error.partial_text) == (reason, detail, "So far")
    assert "arn:aws" not in error.detail


@pytest.mark.parametrize("exc", [ValueError(AWS_TEXT), client_error("ThrottlingException")])
def test_offline_translates_any_error_generically(exc):
    error = OfflineProvider().translate_error(exc, partial_text="x")
    assert (error.reason, error.detail, error.partial_text) == (
        "model_error",
        LLMError.default_detail,
        "x",
    )


@pytest.mark.parametrize("provider_cls", [OfflineProvider, BedrockProvider])
def test_an_llm_error_passes_through_keeping_its_partial_text(provider_cls):
    raised = LLMError("Busy", reason="throttled")
    assert provider_cls().translate_error(raised, partial_text="Hi") is raised
    assert raised.partial_text == "Hi"
    kept = LLMError(reason="timeout", partial_text="earlier")
    assert provider_cls().translate_error(kept, partial_text="later").partial_text == "earlier"
