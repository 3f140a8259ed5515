"""Work a serving process does once at startup, so no request or answer pays for it."""

import gc
import logging

logger = logging.getLogger(__name__)

# Collector thresholds for a streaming worker (CPython's defaults are 700, 10, 10).
# LangChain keeps every chunk of an answer until it ends (~11 tracked objects each), so under
# load the live heap is large and full collections are long: measured on one worker with
# 100-200 streams, the defaults ran one every 1-2 s, each pausing the loop 50-110 ms (the
# per-chunk p99). Here a full collection comes after 1,000 young ones instead of 100, and the
# middle generation is collected more often so that each of its pauses stays under ~5 ms.
GC_THRESHOLDS = (1000, 5, 200)


def warm_up_worker() -> None:
    """Build the configured chat model and its tool schemas, then freeze the heap.

    Building a Bedrock model creates a boto3 client (~0.1-0.3 s of blocking work) and imports
    the rest of LangChain; doing it here keeps that off the first answer.

    Freezing moves everything alive after startup (Django, LangChain, botocore's service
    models: ~150-200k objects) to the permanent generation, which the collector no longer
    scans: a full collection took 100-150 ms before, 15-60 ms after under 100 streams.
    """
    from llm.providers import current
    from llm.tools import tool_schemas

    try:
        current().chat_model().bind_tools(list(tool_schemas()))
    except Exception:
        # A misconfigured provider must not stop the shop: each answer reports it instead.
        logger.warning("chat model could not be built at startup", exc_info=True)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
