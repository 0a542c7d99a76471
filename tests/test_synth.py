"""kg synth: deterministic corpora whose ground truth a build recovers."""

from __future__ import annotations

import csv

from click.testing import CliRunner

from kg import build
from kg.cli import main
from kg.store import open_store
from kg.synth import generate, score


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_corpus(tmp_path):
    a = generate(25, tmp_path / "a", seed=3)
    generate(25, tmp_path / "b", seed=3)
    generate(25, tmp_path / "c", seed=4)
    assert a.reports == 25 and a.truth_rows > 0
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a") != _files(tmp_path / "c")


def test_reports_look_like_reports_and_truth_is_consistent(tmp_path):
    generate(30, tmp_path / "s", seed=5)
    with (tmp_path / "s" / "reports.csv").open(encoding="utf-8") as f:
        reports = list(csv.DictReader(f))
    with (tmp_path / "s" / "truth.csv").open(encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    assert len(reports) == 30
    assert {p.suffix for p in (tmp_path / "s" / "reports").rglob("*.*")} <= {".txt", ".html"}
    names = {r["file"] for r in reports}
    for t in truth:  # the first report named by the truth exists and is of that region and year
        assert t["first_report"] in names
        assert t["first_report"].split("/")[1].startswith(f"{t['region_code']}_{t['first_year']}")
        assert int(t["first_year"]) >= int(t["adopted_year"])
    text = next((tmp_path / "s" / "reports").rglob("*.txt")).read_bytes()
    decoded = text.decode("utf-8", errors="replace")
    assert "一、" in decoded or "一、" in text.decode("gb18030", errors="replace")


def test_a_build_recovers_the_truth(tmp_path):
    generate(40, tmp_path / "s", seed=11)
    result = build.run([tmp_path / "s" / "reports"], tmp_path / "out", workers=2)
    assert len(result.ok) == 40 and not result.violations
    s = score(tmp_path / "s", open_store(tmp_path / "out"))
    assert s["reports"]["precision"] == 1.0 and s["reports"]["recall"] == 1.0
    assert s["first_years"]["precision"] >= 0.95 and s["first_years"]["recall"] >= 0.95
    runner = CliRunner()
    shown = runner.invoke(main, ["eval", "--truth", str(tmp_path / "s"), "--out", str(tmp_path / "out")])
    assert shown.exit_code == 0, shown.output
    assert "first_years" in shown.output and "adoptions" in shown.output


def test_synth_command(tmp_path):
    shown = CliRunner().invoke(main, ["synth", "--reports", "12", "--seed", "2", "--out", str(tmp_path / "c")])
    assert shown.exit_code == 0, shown.output
    assert (tmp_path / "c" / "truth.csv").is_file() and (tmp_path / "c" / "truth.json").is_file()
    assert len(list((tmp_path / "c" / "reports").rglob("*.*"))) == 12
