"""The unit-year panel for event-history analysis, with exposure covariates.

One row per observed region × adopted programme × year, from the first
adoption year in the data up to the region's last report year (right
censoring: after its last report we do not know what a region did). A year
without a report of the region's own (``coverage.csv``) before its adoption is
missing data: ``adopted`` and ``event`` are empty there, not 0. The
covariates are lagged one year: ``peer_exposure`` in year t is the share of a
region's observed peers that had adopted by t − 1, which is what a discrete-time
hazard model of adoption in t may condition on (Berry & Berry 1990).
"""

from __future__ import annotations

import pandas as pd

from kg.export.schema import pandas_dtypes

__all__ = ["ancestor_pairs", "panel_table"]


def ancestor_pairs(units: pd.DataFrame) -> pd.DataFrame:
    """Directed (unit, other) pairs: ``other`` is an observed prefecture or province above ``unit``."""
    codes = set(units["adcode"].dropna())
    rows = [
        (u, a)
        for u, p, v in zip(
            units["adcode"], units["prefecture_code"], units["province_code"], strict=True
        )
        for a in (p, v)
        if isinstance(a, str) and a != u and a in codes
    ]
    return (
        pd.DataFrame(rows, columns=["unit", "other"])
        .astype("string")
        .drop_duplicates(ignore_index=True)
    )


def _lagged_counts(panel: pd.DataFrame, pairs: pd.DataFrame, firsts: pd.DataFrame) -> pd.Series:
    """Per panel row (sorted by adcode, programme, year): ``other``s adopted by year − 1."""
    hits = pairs.merge(firsts.rename(columns={"adcode": "other"}), on="other")
    start = int(panel["year"].min())
    hits = hits.assign(year=(hits["first_year"] + 1).clip(lower=start))
    counts = (
        hits.groupby(["unit", "programme", "year"])
        .size()
        .rename("n")
        .reset_index()
        .rename(columns={"unit": "adcode"})
    )
    merged = panel[["adcode", "programme", "year"]].merge(
        counts, on=["adcode", "programme", "year"], how="left"
    )
    return (
        merged["n"]
        .fillna(0)
        .astype("int64")
        .groupby([merged["adcode"], merged["programme"]], sort=False)
        .cumsum()
        .set_axis(panel.index)
    )


def _known_counts(panel: pd.DataFrame, pairs: pd.DataFrame, firsts: pd.DataFrame,
                  cov: pd.DataFrame, adopted: pd.Series) -> pd.Series:
    """Per panel row: ``other``s whose state at year − 1 is known, i.e. adopted by then
    (``adopted``, the lagged counts) or covered by a report of their own that year:
    covered + adopted − (adopted and covered)."""
    keys = ["adcode", "programme", "year"]
    seen = pairs.merge(cov.rename(columns={"adcode": "other"}), on="other")
    covered = (seen.assign(year=seen["year"] + 1).groupby(["unit", "year"]).size()
               .rename("c").reset_index().rename(columns={"unit": "adcode"}))
    hits = pairs.merge(firsts.rename(columns={"adcode": "other"}), on="other")
    both = hits.merge(cov.rename(columns={"adcode": "other"}), on="other")
    both = both[both["year"] >= both["first_year"]]
    overlap = (both.assign(year=both["year"] + 1).groupby(["unit", "programme", "year"]).size()
               .rename("ac").reset_index().rename(columns={"unit": "adcode"}))
    merged = panel[keys].merge(covered, on=["adcode", "year"], how="left").merge(
        overlap, on=keys, how="left")
    c, ac = merged["c"].fillna(0).to_numpy(), merged["ac"].fillna(0).to_numpy()
    return pd.Series(c + adopted.to_numpy() - ac, index=panel.index).astype("int64")


def _share(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype("float64")


def panel_table(
    adoptions: pd.DataFrame,
    regions: pd.DataFrame,
    coverage: pd.DataFrame,
    *,
    peers: pd.DataFrame,
    neighbours: pd.DataFrame,
) -> pd.DataFrame:
    """The region × programme × year panel (columns as documented for ``panel.csv``).

    Args:
        adoptions: the adoption table (``adcode``, ``programme``, ``first_year``).
        regions: the observed units (``adcode``, ``region``, ``level``, ``last_report_year``, …).
        coverage: (``adcode``, ``year``) pairs covered by a report observing the unit.
        peers: directed (``unit``, ``other``) same-parent pairs
            (:func:`kg.export.neighbours.peer_pairs`).
        neighbours: directed (``unit``, ``other``) boundary pairs
            (:func:`kg.export.neighbours.neighbour_pairs`).
    """
    dtypes = pandas_dtypes("panel")
    if adoptions.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})
    start = int(adoptions["first_year"].min())
    last_adopt = adoptions.groupby("adcode")["first_year"].max()
    units = regions[["adcode", "region", "level"]].copy()
    ends = regions["last_report_year"].astype("float64").to_numpy()
    units["end"] = [
        max(v for v in (e, last_adopt.get(c)) if pd.notna(v))
        if pd.notna(e) or c in last_adopt
        else pd.NA
        for c, e in zip(regions["adcode"], ends, strict=True)
    ]
    units = units.dropna(subset=["end"])
    units["year"] = [list(range(start, int(e) + 1)) for e in units["end"]]
    unit_years = units.drop(columns="end").explode("year").dropna(subset=["year"])
    programmes = pd.DataFrame({"programme": sorted(adoptions["programme"].unique())})
    panel = unit_years.merge(programmes, how="cross")
    firsts = adoptions[["adcode", "programme", "first_year"]]
    panel = panel.merge(firsts, on=["adcode", "programme"], how="left")
    panel = panel.astype({"year": "int64"}).sort_values(
        ["adcode", "programme", "year"], ignore_index=True
    )
    cov = coverage[["adcode", "year"]].drop_duplicates().assign(reported=1)
    panel = panel.merge(cov, on=["adcode", "year"], how="left")
    panel["reported"] = panel["reported"].fillna(0).astype("int64")
    fy, year = panel["first_year"], panel["year"]
    done = (fy <= year).fillna(False).astype(bool)
    known = done | (panel["reported"] == 1)  # adopted by then, or a report of its own says not
    panel["adopted"] = done.astype("Int64").where(known, pd.NA)
    panel["event"] = (fy == year).fillna(False).astype("Int64").where(known, pd.NA)
    panel["at_risk"] = (fy.isna() | (year <= fy)).astype("int64")

    for prefix, pairs, count in (
        ("peer", peers, "n_peers"),
        ("neighbour", neighbours, "n_neighbours"),
    ):
        n = pairs.groupby("unit").size()
        panel[f"{prefix}s_adopted"] = _lagged_counts(panel, pairs, firsts)
        panel[count] = panel["adcode"].map(n).fillna(0).astype("int64")
        panel[f"{prefix}s_known"] = _known_counts(panel, pairs, firsts, cov[["adcode", "year"]],
                                                  panel[f"{prefix}s_adopted"])
        panel[f"{prefix}_exposure"] = _share(panel[f"{prefix}s_adopted"], panel[count])
    anc = ancestor_pairs(regions)
    has_anc = panel["adcode"].isin(set(anc["unit"]))
    anc_count = _lagged_counts(panel, anc, firsts)
    panel["ancestor_adopted"] = (anc_count > 0).astype("Int64").where(has_anc, pd.NA)
    return panel[list(dtypes)].astype(dtypes)
