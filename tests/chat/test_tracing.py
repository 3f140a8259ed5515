"""Optional traces: a span per turn with a child per model call and per tool call, carrying
ids, statuses and token counts but never text; with no endpoint, nothing is set up."""

import subprocess
import sys

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from chat import tracing
from tests.chat.conftest import open_socket, receive_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

QUESTION = "Do you have running shoes under 100?"


@pytest.fixture
def spans(settings):  # type: ignore[no-untyped-def]
    settings.OTEL_EXPORTER_OTLP_ENDPOINT = "http://127.0.0.1:4318"
    exporter = InMemorySpanExporter()
    tracing.use_exporter(exporter)
    yield exporter
    tracing.use_exporter(None)
    settings.OTEL_EXPORTER_OTLP_ENDPOINT = ""
    tracing.use_exporter(None)


async def test_a_turn_is_a_span_with_its_model_calls_and_tools_as_children(
    spans, make_visitor, catalogue, connected
):
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    socket = await open_socket(visitor, conversation, connected)
    await socket.send_json_to({"type": "user_message", "content": QUESTION})
    frames = await receive_until(socket, "turn_ended")
    assert frames[-1]["status"] == "complete"

    finished = spans.get_finished_spans()
    (turn,) = [s for s in finished if s.name == "chat.turn"]
    calls = [s for s in finished if s.name == "llm.call"]
    tools = [s for s in finished if s.name.startswith("tool ")]
    assert len(calls) == 2 and [t.name for t in tools] == ["tool search_products"]
    for child in (*calls, *tools):
        assert child.parent.span_id == turn.context.span_id
    assert turn.attributes["chat.conversation_id"] == str(conversation.id)
    assert turn.attributes["chat.status"] == "complete"
    assert turn.attributes["llm.tokens.output"] == sum(
        c.attributes["llm.tokens.output"] for c in calls
    )
    assert tools[0].attributes["tool.ok"] is True
    answer = next(f["message"]["content"] for f in reversed(frames) if f["type"] == "done")
    for span in finished:
        for value in span.attributes.values():
            assert QUESTION not in str(value) and answer[:30] not in str(value)


def test_without_an_endpoint_no_exporter_or_instrumentation_is_loaded(tmp_path):
    script = """
import asyncio, os, sys
os.environ.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
import django
django.setup()
import config.asgi  # the whole app, as a worker loads it
from chat import tracing
async def events():
    yield 1
events_out = tracing.traced_turn(events(), conversation_id="c", question_id="q", resumed=False)
assert events_out is not None
# langsmith (under langchain-core) imports the OpenTelemetry SDK whenever it is installed; the
# project itself sets up nothing: no exporter, no instrumentation, no tracer provider.
ours = ("opentelemetry.exporter", "opentelemetry.instrumentation")
loaded = sorted(m for m in sys.modules if m.startswith(ours))
print(loaded)
sys.exit(1 if loaded else 0)
"""
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "x" * 50,
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
