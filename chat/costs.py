"""Costs of stored answers as database expressions, so the admin and reports can sum and sort
them in the query (prices from llm.pricing; messages of unpriced models cost nothing)."""

from decimal import Decimal

from django.db.models import Case, DecimalField, ExpressionWrapper, F, Sum, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Greatest

from llm.pricing import MILLION, price_list

COST = DecimalField(max_digits=20, decimal_places=8)


def _tokens(path: str, name: str) -> Combinable:
    return Coalesce(F(f"{path}{name}"), Value(0))


def message_cost(path: str = "") -> Case:
    """One message's cost in USD; `path` reaches the message from the queried model (e.g.
    "messages__" from a conversation)."""
    read, written = _tokens(path, "cache_read_tokens"), _tokens(path, "cache_write_tokens")
    uncached = Greatest(_tokens(path, "input_tokens") - read - written, Value(0))
    output = _tokens(path, "output_tokens")
    cases = [
        When(
            **{f"{path}model_id": model_id},
            then=ExpressionWrapper(
                (
                    uncached * Value(price.input)
                    + output * Value(price.output)
                    + read * Value(price.cache_read)
                    + written * Value(price.cache_write)
                )
                / Value(MILLION),
                output_field=COST,
            ),
        )
        for model_id, price in price_list().items()
    ]
    return Case(*cases, default=Value(Decimal(0)), output_field=COST)


def total_cost(path: str = "") -> Coalesce:
    """The summed cost of the messages reached through `path`."""
    return Coalesce(Sum(message_cost(path)), Value(Decimal(0)), output_field=COST)
