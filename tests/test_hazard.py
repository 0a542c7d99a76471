"""The event-history model against a generated corpus with a known neighbour effect.

`kg synth` with a Hazard simulates logit P(adopt in t) = baseline + β · (share of boundary
neighbours adopted by t − 1) among 绍兴市 and 金华市's 15 counties; the build's panel, fitted
with the coverage rule, must give β's sign and cover its true value; with a fifth of the
county-years deleted, reading the missing years as non-adoption must give a different
(lower) baseline hazard than dropping them.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kg import build
from kg.analyse.hazard import baseline_hazard, fit_hazard, risk_set
from kg.export import make_tables, panel_for
from kg.synth import Hazard, generate

TRUE = Hazard(beta=3.0, baseline=-3.5)


def _panel(root, drop: float = 0.0):
    generate(150, root / "corpus", seed=1, within=("3306", "3307"), hazard=TRUE)
    reports = pd.read_csv(root / "corpus" / "reports.csv")
    for name in reports.sample(frac=drop, random_state=1)["file"] if drop else []:
        (root / "corpus" / "reports" / name).unlink()
    build.run([root / "corpus" / "reports"], root / "out", validate="none", spread=False)
    return panel_for(make_tables(root / "out"))


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    return _panel(tmp_path_factory.mktemp("hazard-full"))


@pytest.fixture(scope="module")
def gappy(tmp_path_factory):
    return _panel(tmp_path_factory.mktemp("hazard-gaps"), drop=0.2)


def test_truth_json_records_the_hazard(tmp_path):
    generate(10, tmp_path / "c", seed=1, within=("3306",), hazard=TRUE)
    meta = json.loads((tmp_path / "c" / "truth.json").read_text(encoding="utf-8"))
    assert meta["hazard"]["neighbour_effect"] == 3.0 and meta["hazard"]["baseline"] == -3.5


def test_the_fit_recovers_the_neighbour_effect(full):
    fit = fit_hazard(full)
    assert fit.coef > 0 and fit.covers(TRUE.beta), fit.summary()
    assert fit.params.loc["const", "low"] <= TRUE.baseline <= fit.params.loc["const", "high"]
    assert fit.regions == 15 and fit.events > 100
    years = fit_hazard(full, time="dummies")
    assert years.covers(TRUE.beta), years.summary()


def test_risk_set_leaves_adopters_and_drops_missing_years(gappy):
    rows = risk_set(gappy)
    assert rows.groupby(["adcode", "programme"])["event"].sum().max() == 1
    last = rows.groupby(["adcode", "programme"])["year"].transform("max")
    assert (rows.loc[rows["event"] == 1, "year"] == last[rows["event"] == 1]).all()
    missing = gappy[(gappy["at_risk"] == 1) & gappy["event"].isna()]
    assert len(missing) > 300
    kept = set(zip(rows["adcode"], rows["programme"], rows["year"], strict=True))
    assert not kept & set(zip(missing["adcode"], missing["programme"], missing["year"], strict=True))


def test_ignoring_coverage_reads_missing_years_as_non_adoption(gappy):
    rule, naive = fit_hazard(gappy), fit_hazard(gappy, coverage=False)
    assert naive.events == rule.events and naive.rows > rule.rows * 1.1
    assert baseline_hazard(naive) < baseline_hazard(rule)
    assert rule.coef > 0 and naive.coef > 0
