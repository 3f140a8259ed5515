"""How the offline demo model uses a tool (`OfflineUse`), and what its rules can read.

The offline model cannot read tool descriptions, so every tool it can call has rules: when to
call it, given the question and the tool results the conversation already holds (`Turn`), and
how to word an answer from its result (`Outcome`). The rules of a tool live with its spec, or,
for a tool whose spec belongs elsewhere, in a module of the offline model's own keyed by the
tool's name (`llm/offline_cart.py`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Args = dict[str, Any]
Result = dict[str, Any]  # a tool's JSON result, parsed

# Where the offline model's own rules (greetings, "repeat after me", "write N words") come among
# the tools' `OfflineUse.priority`: a tool that answers any question (the catalogue search)
# ranks after them, so that small talk is not searched for.
CONVERSATION_PRIORITY = 100

# The tools whose results list products a shopper can refer to ("add two of those").
PRODUCT_TOOLS = ("search_products", "get_product_details")
# The tools whose results are the customer's cart.
CART_TOOLS = ("view_cart", "add_to_cart", "update_cart_item")


@dataclass(frozen=True)
class Outcome:
    """One tool call of the conversation and its result (`{}` when it was unreadable)."""

    name: str
    args: Args
    result: Result

    @property
    def ok(self) -> bool:
        """It ran and succeeded: not an error, and not an action the customer declined or
        let expire."""
        return not ({"error", "declined", "expired"} & self.result.keys())


@dataclass(frozen=True)
class Turn:
    """The question being answered and the tool calls around it.

    `earlier`: the calls of the conversation before the question, oldest first; `done`: the
    calls made since the question (this turn's earlier rounds), oldest first. `page`: the
    product whose page the question was asked on (`product_id`, `name`, `price`,
    `currency`), if any.
    """

    question: str
    earlier: Sequence[Outcome] = ()
    done: Sequence[Outcome] = field(default_factory=tuple)
    page: Result | None = None

    def made(self, name: str, args: Args) -> bool:
        """This call was already made in this turn."""
        return any(o.name == name and o.args == args for o in self.done)

    def latest(self, names: Sequence[str], *, this_turn: bool = False) -> Outcome | None:
        """The most recent successful call of one of `names` (only this turn's if asked)."""
        pool = self.done if this_turn else [*self.earlier, *self.done]
        return next((o for o in reversed(pool) if o.name in names and o.ok), None)

    def products(self, *, this_turn: bool = False) -> list[Result]:
        """The products of the most recent search or product lookup, in the order shown."""
        outcome = self.latest(PRODUCT_TOOLS, this_turn=this_turn)
        if outcome is None:
            return []
        if "product" in outcome.result:
            return [outcome.result["product"]]
        return list(outcome.result.get("products", []))

    def cart(self, *, this_turn: bool = False) -> Result | None:
        """The customer's cart as the most recent cart tool returned it."""
        outcome = self.latest(CART_TOOLS, this_turn=this_turn)
        return outcome.result.get("cart") if outcome else None


@dataclass(frozen=True, kw_only=True)
class OfflineUse:
    """How the offline demo model uses one tool.

    `plan(turn)` gives the calls to make (their arguments; several are made in one round), or
    none when the question is not for this tool; a call already made in this turn is not made
    again, so a rule may plan a call that follows from an earlier round's result. Rules are
    tried by ascending `priority` (ties in spec order); the first with a new call wins.
    `clarify(turn)`: what to ask when the question is for this tool but lacks what a call
    needs ("which one?"), or None.
    `answer(outcome, turn)` words the reply from a successful result.
    """

    answer: Callable[[Outcome, Turn], str]
    plan: Callable[[Turn], list[Args]] | None = None
    clarify: Callable[[Turn], str | None] | None = None
    priority: int = 0
