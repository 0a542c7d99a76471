"""Adoption curves: how many regions had adopted each programme, year by year."""

from __future__ import annotations

import pandas as pd

__all__ = ["adoption_curves"]


def adoption_curves(
    adoptions: pd.DataFrame, regions: pd.DataFrame, *, programmes: list[str] | None = None
) -> pd.DataFrame:
    """One row per programme and year, from the programme's first year to the data's last year.

    Columns: ``programme``, ``year``, ``new`` (regions adopting that year),
    ``cumulative`` (adopted by the end of that year), ``n_units`` (observed
    regions of the levels that adopted it: the denominator) and ``share``
    (cumulative / n_units). The curve stops at the latest year any report covers
    (or the latest adoption year, if later).

    >>> a = pd.DataFrame({"programme": ["x", "x"], "adcode": ["1", "2"], "level": ["county"] * 2,
    ...                   "first_year": [2020, 2022]})
    >>> r = pd.DataFrame({"adcode": ["1", "2", "3", "4"], "level": ["county"] * 4,
    ...                   "last_report_year": [2022] * 4})
    >>> adoption_curves(a, r)[["year", "cumulative", "share"]].to_dict("list")
    {'year': [2020, 2021, 2022], 'cumulative': [1, 1, 2], 'share': [0.25, 0.25, 0.5]}
    """
    cols = ["programme", "year", "new", "cumulative", "n_units", "share"]
    if adoptions.empty:
        return pd.DataFrame(columns=cols)
    last = pd.Series(regions["last_report_year"]).dropna()
    end = int(max(int(last.max()) if not last.empty else 0, int(adoptions["first_year"].max())))
    units_by_level = regions.groupby("level")["adcode"].nunique()
    chosen = sorted(adoptions["programme"].unique()) if programmes is None else programmes
    rows = []
    for prog in chosen:
        a = adoptions[adoptions["programme"] == prog]
        if a.empty:
            continue
        n_units = int(units_by_level.reindex(a["level"].unique()).fillna(0).sum())
        new = a.groupby("first_year")["adcode"].nunique()
        cum = 0
        for year in range(int(a["first_year"].min()), end + 1):
            k = int(new.get(year, 0))
            cum += k
            rows.append(
                {
                    "programme": prog,
                    "year": year,
                    "new": k,
                    "cumulative": cum,
                    "n_units": n_units,
                    "share": cum / n_units if n_units else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=cols).astype(
        {
            "year": "int64",
            "new": "int64",
            "cumulative": "int64",
            "n_units": "int64",
            "share": "float64",
        }
    )
