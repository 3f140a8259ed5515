"""benchmarks.instructions: its workload runs for both models, and callgrind's count is read."""

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import instructions

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("model", ["offline", "bedrock"])
def test_the_counted_workload_runs_for_both_models(model, tmp_path):
    done = subprocess.run(
        instructions.round_command(),
        cwd=ROOT,
        env=instructions.round_env(ROOT, model, 2, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr[-2000:]


def test_callgrind_counts_instructions_per_round(tmp_path, monkeypatch):
    # A small stand-in for the workload (the real one takes minutes under callgrind): a loop
    # of known work per round, whose count per round must come out the same for 2 and 4.
    work = "sum(i * i for i in range(20000))"
    program = f"import os\nfor _ in range(int(os.environ['BENCH_ROUNDS'])): {work}"
    monkeypatch.setattr(instructions, "round_command", lambda: [sys.executable, "-c", program])

    two = instructions.per_round(ROOT, "offline", 2, tmp_path)
    four = instructions.per_round(ROOT, "offline", 4, tmp_path)

    assert 1e6 < two < 1e8
    assert abs(four - two) / two < 0.02
