"""What model calls cost: prices per model from settings (LLM_PRICES), in USD per million tokens.

Input tokens are priced in three parts: those read from the prompt cache, those written to it,
and the rest. The stored counts (chat.models.Message) keep all three, so a cost can be worked
out again for any price list.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

MILLION = Decimal(1_000_000)
KINDS = ("input", "output", "cache_read", "cache_write")


@dataclass(frozen=True)
class Price:
    """USD per million tokens of each kind."""

    input: Decimal
    output: Decimal
    cache_read: Decimal
    cache_write: Decimal


def price_list() -> dict[str, Price]:
    """Every configured model's price (a kind left out costs nothing)."""
    return {
        model_id: Price(**{kind: Decimal(str(prices.get(kind, 0))) for kind in KINDS})
        for model_id, prices in settings.LLM_PRICES.items()
    }


def token_cost(
    *,
    model_id: str,
    input_tokens: int | None,
    output_tokens: int | None,
    cache_read_tokens: int | None = None,
    cache_write_tokens: int | None = None,
) -> Decimal | None:
    """USD for one model call, or None when the model has no price (or nothing was counted)."""
    price = price_list().get(model_id)
    if price is None or input_tokens is None:
        return None
    read, written = cache_read_tokens or 0, cache_write_tokens or 0
    uncached = max(input_tokens - read - written, 0)
    total = (
        uncached * price.input
        + (output_tokens or 0) * price.output
        + read * price.cache_read
        + written * price.cache_write
    )
    return total / MILLION
