"""Work a serving process does once at startup, so no request or answer pays for it."""

import gc
import logging

logger = logging.getLogger(__name__)

# Collector thresholds for a streaming worker (CPython's defaults are 700, 10, 10).
# LangChain keeps every chunk of an answer until it ends, so under load the live heap is large
# and full collections are long, pausing every stream at once. Here a full collection comes
# after 1,000 young ones instead of 100, and the middle generation is collected more often so
# that each of its pauses stays short. The pauses before and after: docs/benchmarks.md.
GC_THRESHOLDS = (1000, 5, 200)


def warm_up_worker() -> None:
    """Build the configured chat model and its tool schemas, then freeze the heap.

    Building a Bedrock model creates a boto3 client (blocking work) and imports the rest of
    LangChain; doing it here keeps that off the first answer.

    Freezing moves everything alive after startup (Django, LangChain, botocore's service
    models) to the permanent generation, which the collector no longer scans, so a full
    collection has far fewer objects to walk.
    """
    from llm.providers import current

    try:
        current().bound_model()
    except Exception:
        # A misconfigured provider must not stop the shop: each answer reports it instead.
        logger.warning("chat model could not be built at startup", exc_info=True)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
