"""Local AWS Bedrock Runtime emulator for tests and benchmarks (development only).

A real HTTP server on ``127.0.0.1`` that speaks the Bedrock Runtime wire
protocol, so an unmodified boto3 ``bedrock-runtime`` client (and therefore
``langchain_aws.ChatBedrockConverse``) talks to it as it would to AWS::

    with BedrockEmulator() as emu:
        emu.push(text_response("Hi there", chunks=3, delay=0.05))
        client = boto3.client(
            "bedrock-runtime", endpoint_url=emu.url, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
        )
        client.converse_stream(modelId="m", messages=[...])

Routes
    ``POST /model/{modelId}/converse``        JSON Converse response.
    ``POST /model/{modelId}/converse-stream`` ``application/vnd.amazon.eventstream``
        body, chunked, one event per chunk, flushed as produced.
    ``GET /inference-profiles/{id}``          control-plane GetInferenceProfile;
        ``ChatBedrockConverse`` calls it for application-inference-profile ARNs.
        Answers with ``emu.inference_profile_model`` as the base model.

Response builders (each returns an immutable ``ScriptedResponse``; usable on
either route, the non-streaming route aggregates the same script)
    ``text_response(text, *, chunks=None | int | list[str], first_delay=0.0,
    delay=0.0, stop_reason="end_turn", usage=None | (input, output))``
    ``tool_use_response(name, input, *, tool_use_id=None, text_before="",
    delay=0.0, first_delay=0.0, usage=None)``
    ``tool_uses_response([(name, input) | (name, input, tool_use_id), ...],
    *, text_before="", delay=0.0, first_delay=0.0, usage=None)``
    ``stream_error_response(exception_type, message, *, after_text="",
    delay=0.0)``: text deltas, then an exception frame (e.g.
    ``throttlingException``), then end of body. On ``/converse`` it becomes
    the matching HTTP error (modelStreamErrorException -> 424 ModelErrorException).
    ``http_error_response(status, error_type, message)``: e.g.
    ``(429, "ThrottlingException", "slow down")``.
    ``hang_response(seconds, *, then=None)``: headers + messageStart, then
    silence for ``seconds``; afterwards ``then``'s remaining events, or the
    body simply ends (no messageStop, like a dropped stream).

Timing: ``delay`` is slept before every delta; ``first_delay`` is slept in
addition before the first delta (time to first token = first_delay + delay).
Headers and ``messageStart`` are sent immediately.

Emulator
    ``BedrockEmulator()``: ``start()`` / ``stop()`` or context manager;
    ``.url`` is ``http://127.0.0.1:PORT``.
    ``emu.push(*responses)``: FIFO consumed by the next requests on either
    route (a ``str`` means ``text_response(str)``). Note botocore retries
    429/500/503 by default and each retry consumes a queued response.
    ``emu.responder = fn(request) -> ScriptedResponse | str | None``: used
    when the queue is empty; ``None`` falls through to ``emu.default``
    (``text_response("Hello from the emulator.")``). A raising responder
    yields HTTP 500 InternalServerException carrying the traceback.
    ``emu.requests``: snapshot list of recorded requests, each a dict with
    ``path``, ``model_id`` (URL-decoded), ``stream``, ``headers``, ``body``
    (parsed JSON), ``time`` (monotonic).
    ``emu.wait_for_requests(n, timeout=5.0)`` / ``emu.wait_for_aborted(n,
    timeout=5.0)`` block until reached, else raise ``TimeoutError``.
    ``emu.aborted_streams``: streams the client closed before the end
    (noticed immediately while waiting, via EOF on the socket, or at the next
    write). ``emu.active_streams`` / ``emu.peak_active_streams``: in-flight
    stream counters, to prove the concurrency a benchmark reached.
    ``emu.reset()`` clears queue, records and counters.
    ``emu.encode(event)`` builds the frame written for one event, right before
    the write; a subclass may override it (benchmarks.emulator stamps deltas).

Modules
    ``responses`` (scripts and their builders), ``wire`` (event-stream
    encoding, the ``/converse`` JSON body), ``handler`` (routes, streaming),
    ``emulator`` (``BedrockEmulator``). Import the names above from here.
"""

from devkit.bedrock_emulator.emulator import BedrockEmulator
from devkit.bedrock_emulator.responses import (
    ScriptedResponse,
    StreamEvent,
    hang_response,
    http_error_response,
    stream_error_response,
    text_response,
    tool_use_response,
    tool_uses_response,
)
from devkit.bedrock_emulator.wire import encode_event_message

__all__ = [
    "BedrockEmulator",
    "ScriptedResponse",
    "StreamEvent",
    "encode_event_message",
    "hang_response",
    "http_error_response",
    "stream_error_response",
    "text_response",
    "tool_use_response",
    "tool_uses_response",
]
