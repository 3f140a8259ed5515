"""Statistics and table formatting shared by every figure (pure functions, no servers)."""

import math
import statistics
from typing import Any


def pct(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: always one of the samples, None for no samples."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": pct(values, 50),
        "p99": pct(values, 99),
        "max": max(values) if values else None,
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def median_row(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Repeated loads of one target at one level: medians, with the worst of the extremes."""
    if len(runs) == 1:
        return runs[0] | {"repeats": 1}
    out = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = statistics.median(r[key] for r in runs)
    for key in ("max", "gc_max_ms", "loop_stall_max_ms"):
        if key in out:
            out[key] = max(r[key] for r in runs)
    out["errors"] = sorted({e for r in runs for e in r["errors"]})
    out["p99_runs"] = [r["p99"] for r in runs]
    out["repeats"] = len(runs)
    return out


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(title: str, headers: list[str], rows: list[list[Any]]) -> str:
    """One figure's table as text: a ``## title`` line, headers, right-aligned cells."""
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)
    ]
    lines = [f"\n## {title}", "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)
