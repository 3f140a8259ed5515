"""The benchmark's figures render from saved results alone; its command line lists and reprints.

quick_run.json is what ``make bench BENCH_ARGS=--quick`` wrote (PostgreSQL and Redis, every
figure); quick_run.txt is the tables that run printed, trailing spaces stripped. No servers.
"""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import run
from benchmarks.figures import FIGURES, render
from benchmarks.stats import median_row, pct, summary, table

HERE = Path(__file__).parent
SAMPLE = HERE / "quick_run.json"


@pytest.fixture
def saved() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text())


def stripped(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def test_the_sample_has_every_figure(saved):
    assert list(saved["figures"]) == list(FIGURES)


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_figure_renders_its_saved_data(saved, name):
    text = render(name, saved["figures"][name])
    number = FIGURES[name].TITLE.split(".", 1)[0]
    assert f"\n## {number}." in text
    assert "error" not in saved["figures"][name]
    assert "failed" not in text


def test_rendering_the_sample_gives_the_tables_its_run_printed(saved):
    printed = (HERE / "quick_run.txt").read_text()
    rendered = "\n".join(render(name, data) for name, data in saved["figures"].items())
    assert stripped(rendered) == stripped(printed)


def test_figure_names_and_titles_are_distinct():
    assert len({figure.NAME for figure in FIGURES.values()}) == len(FIGURES)
    numbers = [figure.TITLE.split(".", 1)[0] for figure in FIGURES.values()]
    assert sorted(numbers, key=int) == [str(i) for i in range(1, len(FIGURES) + 1)]
    assert all(name == figure.NAME for name, figure in FIGURES.items())


def test_skipped_cross_worker_figure_renders_its_reason():
    text = render("cross", {"skipped": "skipped: needs REDIS_URL and a PostgreSQL DATABASE_URL"})
    assert stripped(text) == [
        "",
        "## 6. Cross-worker",
        "skipped: needs REDIS_URL and a PostgreSQL DATABASE_URL",
    ]


def test_a_figure_that_failed_renders_its_error():
    text = render("bytes", {"error": "RuntimeError: client not ready"})
    assert "## bytes" in text
    assert "RuntimeError: client not ready" in text


def test_rss_reads_the_socket_counts_from_the_saved_keys(saved):
    # A full run measures 500 idle and 200 streaming sockets; the keys carry the counts.
    full = {}
    for target, row in saved["figures"]["rss"].items():
        full[target] = {
            "idle_kib": row["idle_kib"],
            "idle_500_sockets_kib": row["idle_10_sockets_kib"],
            "streaming_200_peak_kib": row["streaming_5_peak_kib"],
            "after_kib": row["after_kib"],
        }
    header = stripped(render("rss", full))[2]
    assert "500 idle sockets" in header
    assert "200 streaming (peak)" in header


def test_overhead_shows_each_runs_p99_when_levels_were_repeated(saved):
    data = copy.deepcopy(saved["figures"]["overhead"])
    data["rows"][0]["p99_runs"] = [2.5, 3.0, 2.7]
    assert "2.5/3.0/2.7" in render("overhead", data)


def test_list_names_every_figure_with_its_title(capsys):
    assert run.main(["--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(FIGURES)
    for line, figure in zip(lines, FIGURES.values(), strict=True):
        assert line.endswith(figure.TITLE)


def test_render_prints_a_saved_file_without_running(capsys, monkeypatch):
    def no_run(*args, **kwargs):
        raise AssertionError("--render must not run anything")

    monkeypatch.setattr(run, "measure", no_run)
    assert run.main(["--render", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("quick_run.json: started 2026-12-01T20:19:04+00:00")
    assert stripped(out)[1:] == stripped((HERE / "quick_run.txt").read_text())


def test_render_with_only_prints_those_figures(capsys):
    assert run.main(["--render", str(SAMPLE), "--only", "db,rss"]) == 0
    headings = [line for line in capsys.readouterr().out.splitlines() if line.startswith("## ")]
    assert [h.split(".")[0] for h in headings] == ["## 4", "## 5"]


def test_render_keeps_figures_this_version_does_not_know(tmp_path, saved, capsys):
    saved["figures"] = {"gone": {"rows": []}, "db": saved["figures"]["db"]}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(saved))
    assert run.main(["--render", str(path)]) == 0
    out = capsys.readouterr().out
    assert "## gone\n(no such figure" in out
    assert "## 4. Database work per turn" in out


@pytest.mark.parametrize(
    "argv", [["--only", "overhead,nope", "--render", str(SAMPLE)], ["--render", "missing.json"]]
)
def test_unknown_figures_and_missing_files_are_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        run.main(argv)
    assert exit_.value.code == 2


def test_percentiles_are_nearest_rank_samples():
    values = [float(v) for v in range(1, 101)]
    assert pct(values, 50) == 50.0
    assert pct(values, 99) == 99.0
    assert pct([], 50) is None
    assert summary([3.0, 1.0, 2.0]) == {"n": 3, "p50": 2.0, "p99": 3.0, "max": 3.0}


def test_repeated_runs_keep_medians_and_the_worst_extremes():
    runs = [
        {"p50": 1.0, "p99": 4.0, "max": 9.0, "errors": ["a"], "target": "project"},
        {"p50": 3.0, "p99": 2.0, "max": 5.0, "errors": [], "target": "project"},
        {"p50": 2.0, "p99": 3.0, "max": 7.0, "errors": ["b"], "target": "project"},
    ]
    row = median_row(runs)
    assert (row["p50"], row["p99"], row["max"]) == (2.0, 3.0, 9.0)
    assert row["errors"] == ["a", "b"]
    assert (row["p99_runs"], row["repeats"]) == ([4.0, 2.0, 3.0], 3)


def test_tables_align_cells_under_their_headers():
    text = table("T", ["name", "value"], [["a", 1.25], ["bb", None]])
    assert text.splitlines() == ["", "## T", "name  value", "   a    1.2", "  bb      -"]
