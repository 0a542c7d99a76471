"""Order of adoption down the administrative hierarchy: centre → province → prefecture → county.

Two views. Per programme, the first year at each tier; the national tier is
the earliest national-level policy document cited with the programme
(:func:`kg.export.research.national_signals`, which the codebook export shares).
Per adoption, whether an observed ancestor (the region's prefecture or province)
had adopted strictly earlier.
"""

from __future__ import annotations

import pandas as pd

from kg.export.research import national_signals

__all__ = ["TIERS", "national_signals", "tier_order", "vertical_table"]

TIERS = ("national", "province", "prefecture", "county")


def tier_order(adoptions: pd.DataFrame, signals: pd.DataFrame) -> pd.DataFrame:
    """Per programme: first year at each tier, the order they appear in and a pattern label.

    ``pattern`` is ``top-down`` when, along national → province → prefecture →
    county (tiers present only), years never decrease; ``bottom-up`` when the
    lowest tier present started strictly before the highest one; ``mixed``
    otherwise; ``single-tier`` with one tier.

    >>> a = pd.DataFrame({"programme": ["x", "x"], "programme_iri": ["X", "X"],
    ...                   "level": ["prefecture", "county"], "first_year": [2019, 2021]})
    >>> s = pd.DataFrame(columns=["programme_iri", "document", "year", "year_source"])
    >>> tier_order(a, s)[["prefecture_year", "county_year", "order", "pattern"]].values.tolist()
    [[2019, 2021, 'prefecture → county', 'top-down']]
    """
    cols = ["programme", *(f"{t}_year" for t in TIERS), "national_document", "order", "pattern"]
    rows = []
    for (prog, iri), a in adoptions.groupby(["programme", "programme_iri"], sort=True):
        years: dict[str, int | None] = {t: None for t in TIERS}
        for level, g in a.groupby("level"):
            if level in years:
                years[level] = int(g["first_year"].min())
        sig = signals[signals["programme_iri"] == iri]
        doc = None
        if not sig.empty:
            years["national"], doc = int(sig["year"].iloc[0]), sig["document"].iloc[0]
        present = [(t, y) for t, y in years.items() if y is not None]
        if len(present) < 2:
            pattern = "single-tier"
        elif all(y1 <= y2 for (_, y1), (_, y2) in zip(present, present[1:], strict=False)):
            pattern = "top-down"
        elif present[-1][1] < present[0][1]:
            pattern = "bottom-up"
        else:
            pattern = "mixed"
        order = " → ".join(
            t for t, _ in sorted(present, key=lambda ty: (ty[1], TIERS.index(ty[0])))
        )
        rows.append(
            {
                "programme": prog,
                **{f"{t}_year": y for t, y in years.items()},
                "national_document": doc,
                "order": order,
                "pattern": pattern,
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    return out.astype({f"{t}_year": "Int64" for t in TIERS})


def vertical_table(adoptions: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Per adoption below province level: did its observed prefecture / province adopt earlier?

    Columns: ``adcode``, ``region``, ``level``, ``programme``, ``first_year``,
    ``prefecture_year``/``province_year`` (the ancestor's adoption year, empty if
    it is not observed or never adopted), ``prefecture_observed``/``province_observed``,
    ``after_ancestor`` (True when an observed ancestor adopted strictly earlier,
    False when observed ancestors adopted later or never, NA when none is observed).
    """
    observed = set(regions["adcode"])
    first = {(r.adcode, r.programme): int(r.first_year) for r in adoptions.itertuples(index=False)}
    rows = []
    for a in adoptions[adoptions["level"].isin(["prefecture", "county"])].itertuples(index=False):
        row = {
            "adcode": a.adcode,
            "region": a.region,
            "level": a.level,
            "programme": a.programme,
            "first_year": int(a.first_year),
        }
        earlier, any_obs = False, False
        for tier, code in (("prefecture", a.prefecture_code), ("province", a.province_code)):
            obs = isinstance(code, str) and code != a.adcode and code in observed
            y = first.get((code, a.programme)) if obs else None
            row[f"{tier}_year"], row[f"{tier}_observed"] = y, obs
            any_obs |= obs
            earlier |= y is not None and y < a.first_year
        row["after_ancestor"] = earlier if any_obs else None
        rows.append(row)
    cols = [
        "adcode",
        "region",
        "level",
        "programme",
        "first_year",
        "prefecture_year",
        "prefecture_observed",
        "province_year",
        "province_observed",
        "after_ancestor",
    ]
    return pd.DataFrame(rows, columns=cols).astype(
        {"prefecture_year": "Int64", "province_year": "Int64", "after_ancestor": "boolean"}
    )
