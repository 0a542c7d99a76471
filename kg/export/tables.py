"""The research tables: regions, adoptions, programmes and NetworkInference cascades.

Pure functions from :class:`kg.export.facts.Facts` (or from each other's
output) to DataFrames whose columns and dtypes are those documented in
:mod:`kg.export.schema`. An *adoption* is a (region, programme) pair with at
least one implementation fact; its year is the first year of those facts.
Plans (``fz:planned true``: "next year we will …") are not adoptions unless
``include_planned`` is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

import pandas as pd

from kg.export.facts import Facts
from kg.export.geography import PLACE_DTYPES

__all__ = [
    "DEFAULT_SCOPE",
    "Scope",
    "adoption_table",
    "cascade_table",
    "counted_facts",
    "coverage_table",
    "KIND_COLUMNS",
    "LAPSE_RULE",
    "TIE_RULE",
    "observations",
    "programme_evidence",
    "programme_table",
    "region_table",
]

LEVEL_RANK = {"province": 1, "prefecture": 2, "county": 3, "township": 4, "village": 5}


@dataclass(frozen=True, slots=True)
class Scope:
    """Which facts count: candidate (uncurated) programmes? plans?"""

    include_candidates: bool = False
    include_planned: bool = False


DEFAULT_SCOPE = Scope()


def _tail(iri: str) -> str:
    """The last path segment of an IRI, percent-decoded.

    >>> _tail("https://w3id.org/fazhi-kg/id/programme/%E6%9E%AB%E6%A1%A5%E7%BB%8F%E9%AA%8C")
    '枫桥经验'
    """
    return unquote(iri.rstrip("/").rsplit("/", 1)[-1])


def _local_code(iri: str) -> str:
    """The key of a region without a GB/T code (a township): its IRI's path under region/,
    percent-decoded, so that two 龙山镇 of different counties stay apart.

    >>> _local_code("https://w3id.org/fazhi-kg/id/region/330282/%E9%BE%99%E5%B1%B1%E9%95%87")
    '330282/龙山镇'
    """
    head = "/id/region/"
    return unquote(iri.split(head, 1)[1]) if head in iri else _tail(iri)


def _ancestors(regions: pd.DataFrame) -> pd.DataFrame:
    """Per region IRI: its prefecture and province (the region itself when it is one)."""
    parent = dict(zip(regions["region"], regions["parent"], strict=True))
    level = dict(zip(regions["region"], regions["level"], strict=True))
    rows = []
    for iri in regions["region"]:
        found: dict[str, str | None] = {"prefecture": None, "province": None}
        seen, cur = set(), iri
        while isinstance(cur, str) and cur not in seen:
            seen.add(cur)
            if level.get(cur) in found and found[level[cur]] is None:
                found[level[cur]] = cur
            cur = parent.get(cur)
        rows.append(
            {
                "region": iri,
                "prefecture_iri": found["prefecture"],
                "province_iri": found["province"],
            }
        )
    return pd.DataFrame(rows, columns=["region", "prefecture_iri", "province_iri"])


def observations(facts: Facts) -> pd.DataFrame:
    """(region IRI, report IRI, year covered) for every report observing a region.

    A report observes the region it is about and every region it states an
    implementation fact (planned or not) about.
    """
    reps = facts.reports
    observe = pd.concat(
        [
            reps[["about", "report"]].rename(columns={"about": "region"}).dropna(),
            facts.implementations[["region", "report"]].dropna(),
        ]
    ).drop_duplicates()
    return observe.merge(reps[["report", "year"]], on="report", how="left").sort_values(
        ["region", "report"], ignore_index=True
    )


KIND_COLUMNS = {
    "GovernmentReport": "n_government",
    "DepartmentReport": "n_department",
    "TownshipReport": "n_township",
}
"""Report kinds that cover a year (``fz:yearCovered``) → their count column in coverage.csv."""


def coverage_table(facts: Facts, regions: pd.DataFrame) -> pd.DataFrame:
    """One row per (region, year) that a report is about (``fz:aboutRegion`` × ``fz:yearCovered``):
    the region-years with data, as the graph's ``fz:RegionYearCoverage`` nodes say.

    Counts the reports by document kind; ``kinds`` joins the kinds present with ``;``
    (``unknown`` for a report without ``fz:documentKind``: hand-made graphs). A region-year
    not listed has no report of its own: "no data", not "not adopted".
    """
    reps = facts.reports.dropna(subset=["about", "year"])
    reg = regions.set_index("region_iri")
    reps = reps[reps["about"].isin(reg.index)].drop_duplicates("report")
    reps = reps.assign(kind=reps["kind"].fillna("unknown").astype("object"),
                       year=reps["year"].astype("int64"))
    if reps.empty:
        return _cast(pd.DataFrame(columns=list(COVERAGE_DTYPES)), COVERAGE_DTYPES)
    counts = pd.crosstab([reps["about"], reps["year"]], reps["kind"])
    out = counts.sum(axis=1).rename("n_reports").to_frame()
    for k, col in KIND_COLUMNS.items():
        out[col] = counts[k] if k in counts.columns else 0
    out["kinds"] = [";".join(c for c, n in zip(counts.columns, row, strict=True) if n)
                    for row in counts.to_numpy()]
    out = out.reset_index().rename(columns={"about": "region_iri"})
    out = out.assign(
        adcode=reg.loc[out["region_iri"], "adcode"].to_numpy(),
        region=reg.loc[out["region_iri"], "region"].to_numpy(),
        level=reg.loc[out["region_iri"], "level"].to_numpy(),
    )
    return _cast(out[list(COVERAGE_DTYPES)], COVERAGE_DTYPES).sort_values(
        ["adcode", "year", "region_iri"], ignore_index=True
    )


COVERAGE_DTYPES = {
    "adcode": "string",
    "region": "string",
    "level": "string",
    "year": "int64",
    "n_reports": "int64",
    **{col: "int64" for col in KIND_COLUMNS.values()},
    "kinds": "string",
    "region_iri": "string",
}


def region_table(facts: Facts) -> pd.DataFrame:
    """One row per *observed* region: the subject of a report or of an implementation fact.

    ``first_report_year``/``last_report_year`` span the years covered by the
    reports that observe the region (about it, or stating a fact about it);
    ``last_report_year`` is where the panel is right-censored.
    """
    regs = facts.regions
    observe = observations(facts)
    stats = observe.groupby("region").agg(
        n_reports=("report", "nunique"),
        first_report_year=("year", "min"),
        last_report_year=("year", "max"),
    )
    names = dict(zip(regs["region"], regs["name"], strict=True))
    codes = dict(zip(regs["region"], regs["code"], strict=True))
    anc = _ancestors(regs).set_index("region")
    units = sorted(set(observe["region"]) & set(regs["region"]))
    base = regs.set_index("region").loc[units]
    out = pd.DataFrame(
        {
            "adcode": [codes.get(r) if isinstance(codes.get(r), str) else _local_code(r)
                       for r in units],
            "region": base["name"].to_numpy(),
            "level": base["level"].to_numpy(),
            "parent_code": [codes.get(p) if isinstance(p, str) else None for p in base["parent"]],
            "prefecture_code": [codes.get(anc.at[r, "prefecture_iri"]) for r in units],
            "prefecture": [names.get(anc.at[r, "prefecture_iri"]) for r in units],
            "province_code": [codes.get(anc.at[r, "province_iri"]) for r in units],
            "province": [names.get(anc.at[r, "province_iri"]) for r in units],
            "lon": base["lon"].to_numpy(),
            "lat": base["lat"].to_numpy(),
            "approximate_location": base["approximate"].to_numpy(),
            "n_reports": stats["n_reports"].reindex(units).to_numpy(),
            "first_report_year": stats["first_report_year"].reindex(units).to_numpy(),
            "last_report_year": stats["last_report_year"].reindex(units).to_numpy(),
            "region_iri": units,
        }
    )
    return _cast(
        out,
        {
            **PLACE_DTYPES,
            "n_reports": "int64",
            "first_report_year": "Int64",
            "last_report_year": "Int64",
            "region_iri": "string",
        },
    ).sort_values(["adcode", "region_iri"], ignore_index=True)


def _cast(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    return frame.astype({c: t for c, t in dtypes.items() if c in frame.columns})


def _in_scope_programmes(facts: Facts, scope: Scope) -> pd.DataFrame:
    progs = facts.programmes
    if not scope.include_candidates:
        progs = progs[progs["curated"].fillna(False)]
    return progs.assign(
        label=progs["label"].fillna(progs["programme"].map(_tail)),
        curated=progs["curated"].fillna(False),
    )


def counted_facts(facts: Facts, scope: Scope) -> pd.DataFrame:
    """The implementation facts that count as adoptions under ``scope``."""
    progs = _in_scope_programmes(facts, scope)
    imps = facts.implementations
    if not scope.include_planned:
        imps = imps[~imps["planned"]]
    return imps[imps["programme"].isin(progs["programme"]) & imps["year"].notna()]


def adoption_table(
    facts: Facts,
    *,
    scope: Scope = DEFAULT_SCOPE,
    regions: pd.DataFrame | None = None,
    coverage: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (region, programme) adopted: first and last mention year, ties, possible
    lapse, reports, one piece of evidence.

    The evidence is that of the first-year fact (ties broken by the report's
    source, then the sentence), so it supports ``first_year`` itself. The tie and lapse
    columns follow :data:`TIE_RULE` and :data:`LAPSE_RULE`; ``coverage`` (default: computed)
    is :func:`coverage_table`.
    """
    regions = region_table(facts) if regions is None else regions
    coverage = coverage_table(facts, regions) if coverage is None else coverage
    progs = _in_scope_programmes(facts, scope)
    imps = counted_facts(facts, scope).merge(
        facts.reports[["report", "source"]], on="report", how="left"
    )
    keys = ["region", "programme"]
    grouped = imps.groupby(keys, sort=True)
    agg = grouped.agg(
        first_year=("year", "min"),
        last_year=("year", "max"),
        n_reports=("report", "nunique"),
        n_facts=("imp", "nunique"),
        n_mention_years=("year", "nunique"),
        planned_only=("planned", "all"),
    ).reset_index()
    first = imps.sort_values(
        keys + ["year", "planned", "source", "evidence"], na_position="last"
    ).drop_duplicates(keys)[keys + ["source", "evidence", "report"]]
    agg = agg.merge(first, on=keys, how="left")
    reg = regions.set_index("region_iri")
    prog = progs.set_index("programme")
    agg = agg[agg["region"].isin(reg.index)]
    out = pd.DataFrame(
        {
            "adcode": reg.loc[agg["region"], "adcode"].to_numpy(),
            "region": reg.loc[agg["region"], "region"].to_numpy(),
            "level": reg.loc[agg["region"], "level"].to_numpy(),
            "prefecture_code": reg.loc[agg["region"], "prefecture_code"].to_numpy(),
            "prefecture": reg.loc[agg["region"], "prefecture"].to_numpy(),
            "province_code": reg.loc[agg["region"], "province_code"].to_numpy(),
            "province": reg.loc[agg["region"], "province"].to_numpy(),
            "programme": prog.loc[agg["programme"], "label"].to_numpy(),
            "theme": prog.loc[agg["programme"], "theme_zh"].to_numpy(),
            "theme_id": prog.loc[agg["programme"], "theme_id"].to_numpy(),
            "curated": prog.loc[agg["programme"], "curated"].fillna(False).to_numpy(),
            "first_year": agg["first_year"].to_numpy(),
            "last_year": agg["last_year"].to_numpy(),
            "n_mention_years": agg["n_mention_years"].to_numpy(),
            "n_reports": agg["n_reports"].to_numpy(),
            "n_facts": agg["n_facts"].to_numpy(),
            "planned_only": agg["planned_only"].to_numpy(),
            "evidence_source": agg["source"].to_numpy(),
            "evidence": agg["evidence"].to_numpy(),
            "evidence_report": agg["report"].to_numpy(),
            "region_iri": agg["region"].to_numpy(),
            "programme_iri": agg["programme"].to_numpy(),
        }
    )
    out = _mention_columns(_cast(out, ADOPTION_DTYPES), coverage)
    return out[list(ADOPTION_DTYPES)].sort_values(
        ["programme", "first_year", "adcode", "region_iri"], ignore_index=True
    )


TIE_RULE = (
    "Regions whose first_year is the same are tied. `adoption_order` is the "
    "dense rank of first_year among a programme's adopters (1 = the pioneers; tied regions "
    "share a rank) and `same_year_adopters` counts the other regions tied with this one. A tied "
    "region never counts in another's exposure (panel exposure at year t uses adoptions up to "
    "t − 1), and cascades give tied regions equal times, from which NetworkInference and "
    "netdiffuseR infer no transmission. Several reports of one region naming different years: "
    "the earliest year counts."
)
LAPSE_RULE = (
    "`last_year` is the last year any report mentions the measure as carried out. "
    "`years_reported_after` counts the later years that the region's own reports cover "
    "(coverage.csv) without mentioning it; `possible_lapse` is true when the measure is "
    "mentioned in one year only (`n_mention_years` = 1) and at least one such later year exists "
    "(mentioned once and never again although the region kept reporting). Lapses are flagged, "
    "not imposed: the panel keeps `adopted` = 1 from first_year on (adoption as an absorbing "
    "state, SPID's convention)."
)


def _mention_columns(out: pd.DataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    """Add the tie and lapse columns of :data:`TIE_RULE` and :data:`LAPSE_RULE`."""
    if out.empty:
        return out.assign(**{c: pd.Series(dtype=t) for c, t in ADOPTION_DTYPES.items()
                             if c not in out.columns})
    by_prog = out.groupby("programme_iri")["first_year"]
    covered = coverage[["region_iri", "year"]].drop_duplicates()
    before = set(zip(covered["region_iri"], covered["year"] + 1, strict=True))
    later = out[["region_iri", "last_year"]].reset_index().merge(covered, on="region_iri")
    after = later[later["year"] > later["last_year"]].groupby("index").size()
    out = out.assign(
        adoption_order=by_prog.rank(method="dense").astype("int64"),
        same_year_adopters=out.groupby(["programme_iri", "first_year"])["region_iri"]
        .transform("size")
        .astype("int64")
        - 1,
        reported_before=[(r, y) in before for r, y in zip(out["region_iri"], out["first_year"],
                                                          strict=True)],
        years_reported_after=after.reindex(out.index, fill_value=0).astype("int64"),
    )
    out["possible_lapse"] = (out["n_mention_years"] == 1) & (out["years_reported_after"] > 0)
    return _cast(out, ADOPTION_DTYPES)


ADOPTION_DTYPES = {
    "adcode": "string",
    "region": "string",
    "level": "string",
    "prefecture_code": "string",
    "prefecture": "string",
    "province_code": "string",
    "province": "string",
    "programme": "string",
    "theme": "string",
    "theme_id": "string",
    "curated": "bool",
    "first_year": "int64",
    "last_year": "int64",
    "n_mention_years": "int64",
    "adoption_order": "int64",
    "same_year_adopters": "int64",
    "reported_before": "bool",
    "years_reported_after": "int64",
    "possible_lapse": "bool",
    "n_reports": "int64",
    "n_facts": "int64",
    "planned_only": "bool",
    "evidence_source": "string",
    "evidence": "string",
    "evidence_report": "string",
    "region_iri": "string",
    "programme_iri": "string",
}


def programme_table(
    facts: Facts, adoptions: pd.DataFrame, *, scope: Scope = DEFAULT_SCOPE
) -> pd.DataFrame:
    """One row per programme in scope (adopted or not): theme, years, adopters, first adopters."""
    progs = _in_scope_programmes(facts, scope).sort_values(["label", "programme"])
    counted = counted_facts(facts, scope)
    by = adoptions.groupby("programme_iri")
    rows = []
    for p in progs.itertuples(index=False):
        if p.programme in by.groups:
            a = by.get_group(p.programme)
            first = int(a["first_year"].min())
            lead = a[a["first_year"] == first].sort_values(["adcode", "region"])
            rows.append(
                {
                    "first_year": first,
                    "last_year": int(a["last_year"].max()),
                    "adopt_count": a["region_iri"].nunique(),
                    "n_provinces": a["province_code"].dropna().nunique(),
                    "n_reports": int(
                        counted.loc[counted["programme"] == p.programme, "report"].nunique()
                    ),
                    "first_adopters": "; ".join(
                        f"{r} ({c})" for r, c in zip(lead["region"], lead["adcode"], strict=True)
                    ),
                    "first_adopter_codes": ";".join(lead["adcode"]),
                }
            )
        else:
            rows.append(
                {
                    "first_year": None,
                    "last_year": None,
                    "adopt_count": 0,
                    "n_provinces": 0,
                    "n_reports": 0,
                    "first_adopters": None,
                    "first_adopter_codes": None,
                }
            )
        rows[-1] |= {
            "programme": p.label,
            "theme": p.theme_zh,
            "theme_en": p.theme_en,
            "theme_id": p.theme_id,
            "curated": bool(p.curated),
            "programme_iri": p.programme,
        }
    cols = list(PROGRAMME_DTYPES)
    return _cast(pd.DataFrame(rows, columns=cols), PROGRAMME_DTYPES).sort_values(
        ["adopt_count", "programme"], ascending=[False, True], ignore_index=True
    )


PROGRAMME_DTYPES = {
    "programme": "string",
    "theme": "string",
    "theme_en": "string",
    "theme_id": "string",
    "curated": "bool",
    "first_year": "Int64",
    "last_year": "Int64",
    "adopt_count": "int64",
    "n_provinces": "int64",
    "n_reports": "int64",
    "first_adopters": "string",
    "first_adopter_codes": "string",
    "programme_iri": "string",
}


def cascade_table(adoptions: pd.DataFrame) -> pd.DataFrame:
    """NetworkInference long form: ``node`` (adcode), ``cascade`` (programme), ``time`` (year)."""
    out = pd.DataFrame(
        {
            "node": adoptions["adcode"],
            "cascade": adoptions["programme"],
            "time": adoptions["first_year"],
        }
    )
    return out.astype({"node": "string", "cascade": "string", "time": "int64"}).sort_values(
        ["cascade", "time", "node"], ignore_index=True
    )


def programme_evidence(
    facts: Facts, programme: str, *, include_planned: bool = True
) -> pd.DataFrame:
    """Every implementation fact of one programme (by Chinese label or IRI), with its sentence.

    Columns: ``adcode``, ``region``, ``year``, ``planned``, ``source``, ``evidence``;
    sorted by year, then region.
    """
    progs = facts.programmes
    iris = set(
        progs.loc[(progs["label"] == programme) | (progs["programme"] == programme), "programme"]
    )
    imps = facts.implementations[facts.implementations["programme"].isin(iris)]
    if not include_planned:
        imps = imps[~imps["planned"]]
    regs = facts.regions.set_index("region")
    imps = imps.merge(facts.reports[["report", "source"]], on="report", how="left")
    out = pd.DataFrame(
        {
            "adcode": regs["code"].reindex(imps["region"]).to_numpy(),
            "region": regs["name"].reindex(imps["region"]).to_numpy(),
            "year": imps["year"].to_numpy(),
            "planned": imps["planned"].to_numpy(),
            "source": imps["source"].to_numpy(),
            "evidence": imps["evidence"].to_numpy(),
        }
    )
    return out.astype(
        {
            "adcode": "string",
            "region": "string",
            "year": "Int64",
            "planned": "boolean",
            "source": "string",
            "evidence": "string",
        }
    ).sort_values(["year", "adcode", "source"], ignore_index=True)
