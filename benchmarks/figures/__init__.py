"""The benchmark's figures, one module each, in the order a full run measures them.

Every module has ``NAME`` (its id for ``--only`` and its key in the results file), ``TITLE``
(for ``--list``), ``run(ctx) -> dict`` (measures; the dict is what the results file keeps) and
``render(data) -> str`` (the figure's tables from that dict alone, so a saved run can be
printed again without running it).
"""

import importlib
from types import ModuleType
from typing import Any

# Run order, kept from the first version of the benchmark (results files list figures in it).
_MODULES = (
    "overhead",
    "bytes",
    "db",
    "ttfc",
    "cross",
    "rss",
    "bedrock",
    "uvicorn",
    "turn",
    "visitors",
    "peers",
)

FIGURES: dict[str, ModuleType] = {}
for _module in (importlib.import_module(f"{__name__}.{name}") for name in _MODULES):
    FIGURES[_module.NAME] = _module


def render(name: str, data: dict[str, Any]) -> str:
    """One saved figure's tables; a figure that failed while running shows its error."""
    if "error" in data:
        return f"\n## {name}\nfailed: {data['error']}"
    return FIGURES[name].render(data)
