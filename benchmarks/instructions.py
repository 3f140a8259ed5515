"""Instructions per model round, counted by callgrind: a before/after that host speed can't move.

``python -m benchmarks.instructions [--model offline|bedrock] [--rounds 100]
[--checkout PATH ...]`` runs the agent's model round (`llm.agent._stream_round`: the bound
model's stream over a 41-message history, the text grown chunk by chunk, the final merge)
in-process under ``valgrind --tool=callgrind``, once with the warm-up only and once with
``--rounds`` more, and prints the difference per round. Each ``--checkout`` is counted the same
way with its own code (this checkout's `benchmarks/instructions_round.py` drives it), so a
change is measured against the code before it in one run.

The worker CPU figures (9, 7) drift with the host by up to 2x within an hour; an instruction
count is repeatable to well under 1 % for the same code and inputs, whatever else the machine
does. It counts the Python process only: with `--model bedrock` that includes the emulator's
thread answering in the same process, the same for every checkout. Python runs some 50x slower
under callgrind, so 100 rounds take a minute or two.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUND = Path(__file__).with_name("instructions_round.py")
WARM_UP = 20
_COLLECTED = re.compile(r"Collected : (\d+)")

# Nothing of the developer's own AWS setup; the emulator takes any signed request.
_AWS = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def round_command() -> list[str]:
    """The counted workload, run by path so that the measured checkout's code is imported."""
    return [
        sys.executable,
        "-c",
        f"import runpy; runpy.run_path({str(ROUND)!r}, run_name='__main__')",
    ]


def round_env(checkout: Path, model: str, rounds: int, work: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        **_AWS,
        "PYTHONPATH": str(checkout),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "instructions-" + "x" * 40,
        # The offline model needs no database; this keeps the count off PostgreSQL's client.
        "DATABASE_URL": f"sqlite:///{work / 'instructions.sqlite3'}",
        "BENCH_MODEL_KIND": model,
        "BENCH_WARM_UP": str(WARM_UP),
        "BENCH_ROUNDS": str(rounds),
    }


def _instructions(checkout: Path, model: str, rounds: int, work: Path) -> int:
    out = work / f"callgrind.{os.getpid()}.{model}.{rounds}.{abs(hash(checkout))}"
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            *round_command(),
        ],
        cwd=checkout,
        env=round_env(checkout, model, rounds, work),
        capture_output=True,
        text=True,
        timeout=3600,
    )
    found = _COLLECTED.findall(done.stderr)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"{checkout}: the counted run failed:\n{done.stderr[-3000:]}")
    return int(found[-1])


def per_round(checkout: Path, model: str, rounds: int, work: Path) -> float:
    """Instructions of one model round: (warm-up + rounds) minus (warm-up), over rounds."""
    with ThreadPoolExecutor(2) as pool:
        base, full = pool.map(lambda n: _instructions(checkout, model, n, work), (0, rounds))
    return (full - base) / rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["offline", "bedrock"], default="offline")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--checkout", action="append", default=[], help="another checkout")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is needed: apt-get install valgrind")
    with tempfile.TemporaryDirectory(prefix="instructions-") as tmp:
        rows = []
        for checkout in [ROOT, *map(Path, args.checkout)]:
            count = per_round(checkout.resolve(), args.model, args.rounds, Path(tmp))
            rows.append((str(checkout), count))
    this = rows[0][1]
    print(f"instructions per model round, {args.model} model, {args.rounds} rounds")
    for name, count in rows:
        print(f"{count / 1e6:10.2f} M  {count / this:5.2f}x this checkout  {name}")


if __name__ == "__main__":
    main()
