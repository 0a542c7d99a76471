"""A discrete-time event-history model of adoption on neighbour exposure at t − 1.

    fit = kg.analyse.hazard.fit_hazard(panel)          # panel: kg.export.panel_for(tables)
    fit.coef, fit.low, fit.high                        # the neighbour effect and its 95% CI
    print(fit.summary())

The model (Berry & Berry 1990; Allison 1982) is a logit of ``event`` on the risk set of
the panel, one row per region × programme × year:

    logit P(adopt in t | not adopted by t − 1) = α_t + β · E_{t−1}

E is the share of the region's boundary neighbours that had adopted by t − 1; α_t is one
baseline (``time="none"``), a linear trend (``"linear"``) or one term per year
(``"dummies"``). The risk set, with the coverage rule applied (``coverage=True``):

* a region leaves the risk set after its adoption year (``at_risk``);
* a region-year whose region has no report of its own and no adoption by then is
  missing (``event`` empty in the panel) and dropped, not counted as non-adoption;
* E is ``neighbour_exposure`` (adopted by t − 1 ÷ every observed neighbour) by default;
  ``exposure="known"`` divides by the neighbours whose state at t − 1 is known instead,
  which on generated corpora with missing years biases β down (a neighbour that adopted
  stays known, one that did not is unknown in its missing years, so the share is inflated);
* a programme's risk set opens the year after its first adoption in the data (before it
  nobody could adopt it; its first adopters are its origins, not hazard events).

``coverage=False`` is the naive reading, for comparison: missing years counted as
non-adoption (``event`` 0). Known limit: an adoption in a year without a report is seen
at the next report, so dropping the missing years overstates the baseline hazard a little
(interval censoring is not modelled).
The fit is statsmodels' ``Logit`` (maximum likelihood, Newton); the interval is the
Wald 95% interval, from the observed information unless ``cluster=True`` (regions as
clusters, for repeated rows of one region).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from kg.errors import KGError

__all__ = ["HazardFit", "baseline_hazard", "fit_hazard", "risk_set"]

Time = Literal["none", "linear", "dummies"]
Exposure = Literal["all", "known"]


@dataclass(frozen=True)
class HazardFit:
    """The fitted neighbour effect (log-odds per unit of exposure share) and its model."""

    coef: float
    low: float
    high: float
    se: float
    rows: int
    events: int
    regions: int
    programmes: int
    coverage: bool
    time: str
    params: pd.DataFrame  # every term: coef, se, low, high
    result: Any  # the statsmodels results object

    def covers(self, value: float) -> bool:
        """Whether ``value`` lies inside the 95% interval."""
        return self.low <= value <= self.high

    def summary(self) -> str:
        rule = "覆盖规则 coverage rule" if self.coverage else "缺失当 0 missing as 0"
        return (f"邻居效应 neighbour effect β = {self.coef:.3f} "
                f"(95% CI {self.low:.3f} – {self.high:.3f}, se {self.se:.3f}); "
                f"{self.rows} 行 rows at risk, {self.events} 次采纳 events, {self.regions} 个地区 "
                f"regions, {self.programmes} 项 programmes; {rule}; time: {self.time}")


def risk_set(panel: pd.DataFrame, *, coverage: bool = True, exposure: Exposure = "all",
             programmes: Sequence[str] | None = None) -> pd.DataFrame:
    """The rows the model is fitted on: ``adcode``, ``programme``, ``year``, ``event`` (0/1),
    ``exposure`` (share in [0, 1]); see the module docstring for the rule."""
    need = {"adcode", "programme", "year", "event", "at_risk",
            "neighbours_adopted", "neighbours_known", "neighbour_exposure"}
    if missing := need - set(panel.columns):
        raise KGError(f"面板缺少列 / the panel lacks columns: {', '.join(sorted(missing))} "
                      "(make it with kg.export.panel_for)")
    p = panel if programmes is None else panel[panel["programme"].isin(list(programmes))]
    first = p[p["event"] == 1].groupby("programme")["year"].min()
    opens = p["programme"].map(first)
    p = p[(p["at_risk"] == 1) & (p["year"] > opens)]
    event = p["event"] if coverage else p["event"].fillna(0)
    if exposure == "known":
        known = p["neighbours_known"].astype("float64")
        share = p["neighbours_adopted"].astype("float64") / known.where(known > 0)
    elif exposure == "all":
        share = p["neighbour_exposure"]
    else:
        raise KGError(f"exposure 只能是 all、known / exposure must be all or known, not {exposure!r}")
    out = pd.DataFrame({"adcode": p["adcode"], "programme": p["programme"], "year": p["year"],
                        "event": event, "exposure": share})
    out = out.dropna(subset=["event", "exposure"])
    return out.astype({"event": "int64", "exposure": "float64", "year": "int64"}).reset_index(
        drop=True)


def _design(rows: pd.DataFrame, time: Time) -> pd.DataFrame:
    x = pd.DataFrame({"const": 1.0, "exposure": rows["exposure"]})
    if time == "linear":
        x["year"] = (rows["year"] - rows["year"].min()).astype("float64")
    elif time == "dummies":
        years = pd.get_dummies(rows["year"], prefix="year", drop_first=True, dtype="float64")
        x = pd.concat([x, years], axis=1)
    elif time != "none":
        raise KGError(f"time 只能是 none、linear、dummies / time must be none, linear or dummies, "
                      f"not {time!r}")
    return x


def fit_hazard(panel: pd.DataFrame, *, coverage: bool = True, exposure: Exposure = "all",
               time: Time = "none",
               programmes: Sequence[str] | None = None, cluster: bool = False) -> HazardFit:
    """Fit the discrete-time logit hazard of adoption on t − 1 neighbour exposure.

    Args:
        panel: the panel of :func:`kg.export.panel_for` (or ``panel.csv`` read back).
        coverage: apply the coverage rule (True) or read missing years as non-adoption.
        time: the baseline: one constant, a linear year trend, or a term per year.
        programmes: only these programmes (default: every programme, pooled).
        cluster: standard errors clustered by region.
    """
    try:
        import statsmodels.api as sm
    except ImportError as e:  # an optional extra, not a core dependency
        raise KGError("拟合需要 statsmodels / fitting needs statsmodels: "
                      "pip install 'fazhi-kg[notebooks]'") from e

    rows = risk_set(panel, coverage=coverage, exposure=exposure, programmes=programmes)
    if rows.empty or rows["event"].nunique() < 2 or rows["exposure"].nunique() < 2:
        raise KGError("风险集太小,无法拟合 / the risk set is too small to fit: "
                      f"{len(rows)} rows, {int(rows['event'].sum()) if len(rows) else 0} events")
    x = _design(rows, time)
    model = sm.Logit(rows["event"].to_numpy(), x)
    if cluster:
        groups = pd.factorize(rows["adcode"])[0]
        res = model.fit(disp=0, cov_type="cluster", cov_kwds={"groups": groups})
    else:
        res = model.fit(disp=0)
    ci = res.conf_int(0.05)
    params = pd.DataFrame({"coef": res.params, "se": res.bse, "low": ci[0], "high": ci[1]})
    b = params.loc["exposure"]
    return HazardFit(coef=float(b["coef"]), low=float(b["low"]), high=float(b["high"]),
                     se=float(b["se"]), rows=len(rows), events=int(rows["event"].sum()),
                     regions=int(rows["adcode"].nunique()),
                     programmes=int(rows["programme"].nunique()), coverage=coverage,
                     time=time, params=params, result=res)


def baseline_hazard(fit: HazardFit) -> float:
    """The fitted hazard at zero exposure in the first year, 1 / (1 + e^−α)."""
    return float(1.0 / (1.0 + np.exp(-fit.params.loc["const", "coef"])))
