"""The stamped stream's parameters and deltas, shared by the stamped model and the bare app.

Nothing of the project is imported here: the bare baseline must run without it.
"""

import re
import time

_PARAM = re.compile(r"\b(n|rate|size)=(\d+(?:\.\d+)?)")
FILL = "abcdefghijklmnopqrstuvwxyz"


def parse_question(text: str) -> dict[str, float]:
    """``bench n=100 rate=20 size=0``: deltas, deltas per second, characters per delta."""
    params = {"n": 100.0, "rate": 20.0, "size": 0.0}
    params.update({k: float(v) for k, v in _PARAM.findall(text)})
    return params


def stamp() -> str:
    return f"⟨{time.time():.6f}⟩"
