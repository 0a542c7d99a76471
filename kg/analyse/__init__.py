"""Diffusion analytics over a build: curves, hierarchy, exposure, co-adoption, centrality.

    a = kg.analyse.analyse("output")            # everything, as DataFrames and graphs
    print(kg.analyse.summary(a))                # what `kg analyse` prints
    kg.analyse.write(a, "output/analysis")      # CSV tables + figures/*.png

Modules: :mod:`~kg.analyse.curves`, :mod:`~kg.analyse.hierarchy`,
:mod:`~kg.analyse.figures` (matplotlib, imported only when figures are drawn); the
neighbours, the panel and the co-adoption network come from the export below it
(:mod:`kg.export.neighbours`, :mod:`kg.export.panel`, :mod:`kg.export.network`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd
import pyoxigraph as ox

from kg.analyse.curves import adoption_curves
from kg.analyse.hierarchy import national_signals, tier_order, vertical_table
from kg.export.network import (
    coadoption_graph,
    communities,
    programme_centrality,
    region_centrality,
)
from kg.export import Scope, Tables, make_tables, panel_for
from kg.export.facts import Facts
from kg.export.tables import DEFAULT_SCOPE

__all__ = ["Analysis", "analyse", "community_table", "exposure_summary", "summary", "write"]

BUCKETS = (("0", 0.0, 0.0), ("(0, ½)", 0.0, 0.5), ("[½, 1]", 0.5, 1.0))


@dataclass(frozen=True)
class Analysis:
    """Every analytic product of one build and scope."""

    tables: Tables
    curves: pd.DataFrame
    tiers: pd.DataFrame
    vertical: pd.DataFrame
    panel: pd.DataFrame
    exposure: pd.DataFrame
    coadoption: nx.Graph
    communities: dict[str, int]
    programme_centrality: pd.DataFrame
    region_centrality: pd.DataFrame
    seed: int


def exposure_summary(panel: pd.DataFrame) -> pd.DataFrame:
    """Discrete-time hazard by lagged exposure: events ÷ region-years at risk, per bucket.

    Only at-risk rows with at least one observed peer (neighbour, ancestor) count
    for that covariate. Columns: ``covariate``, ``bucket``, ``at_risk``, ``events``, ``hazard``.
    """
    risk = panel[panel["at_risk"] == 1]
    rows = []
    for cov, den in (("peer_exposure", "n_peers"), ("neighbour_exposure", "n_neighbours")):
        r = risk[risk[den] > 0]
        for name, lo, hi in BUCKETS:
            x = r[cov]
            sel = (
                r[(x == 0)]
                if hi == 0
                else r[(x > lo) & (x < hi)]
                if lo == 0
                else r[(x >= lo) & (x <= hi)]
            )
            rows.append((cov, name, len(sel), int(sel["event"].sum())))
    r = risk[risk["ancestor_adopted"].notna()]
    for value, name in ((0, "否 no"), (1, "是 yes")):
        sel = r[r["ancestor_adopted"] == value]
        rows.append(("ancestor_adopted", name, len(sel), int(sel["event"].sum())))
    out = pd.DataFrame(rows, columns=["covariate", "bucket", "at_risk", "events"])
    out["hazard"] = (out["events"] / out["at_risk"].where(out["at_risk"] > 0)).astype("float64")
    return out


def community_table(g: nx.Graph, comm: dict[str, int]) -> pd.DataFrame:
    """Programmes per community: ``community``, ``size``, ``members`` (by adopters), top theme."""
    rows = []
    for c in sorted(set(comm.values())):
        nodes = sorted(
            (n for n, k in comm.items() if k == c),
            key=lambda n: (-g.nodes[n].get("adopt_count", 0), g.nodes[n]["label"]),
        )
        themes = pd.Series([g.nodes[n].get("theme") for n in nodes]).dropna()
        rows.append(
            {
                "community": c,
                "size": len(nodes),
                "top_theme": themes.mode().iloc[0] if not themes.empty else None,
                "members": "、".join(g.nodes[n]["label"] for n in nodes),
            }
        )
    return pd.DataFrame(rows, columns=["community", "size", "top_theme", "members"])


def analyse(
    source: Path | str | ox.Store | Facts, *, scope: Scope = DEFAULT_SCOPE, seed: int = 0
) -> Analysis:
    """Run every analysis on a build folder, store or loaded facts."""
    tables = make_tables(source, scope=scope)
    adoptions, regions = tables.adoptions, tables.regions
    panel = panel_for(tables)
    co = coadoption_graph(adoptions)
    return Analysis(
        tables=tables,
        curves=adoption_curves(adoptions, regions),
        tiers=tier_order(adoptions, national_signals(tables.facts, adoptions)),
        vertical=vertical_table(adoptions, regions),
        panel=panel,
        exposure=exposure_summary(panel),
        coadoption=co,
        communities=communities(co, seed=seed),
        programme_centrality=programme_centrality(co, seed=seed),
        region_centrality=region_centrality(adoptions, regions),
        seed=seed,
    )


def _fmt(frame: pd.DataFrame, n: int) -> str:
    if frame.empty:
        return "  (无 / none)"
    return "\n".join("  " + line for line in frame.head(n).to_string(index=False).splitlines())


def summary(a: Analysis, *, top: int = 10) -> str:
    """A bilingual plain-text summary (what ``kg analyse`` prints)."""
    t = a.tables
    ad = t.adoptions
    years = f"{int(ad['first_year'].min())}–{int(ad['first_year'].max())}" if not ad.empty else "—"
    lines = [
        f"范围 / scope: {'含候选 with candidates' if t.scope.include_candidates else '仅审定 curated only'}, "
        f"{'含计划 with plans' if t.scope.include_planned else '不含计划 no plans'}",
        f"地区 / regions observed: {len(t.regions)}; 采用 / adoptions: {len(ad)}; "
        f"举措 / programmes adopted: {ad['programme'].nunique()}; 年份 / years: {years}",
        "",
        "采用最多的举措 / most adopted programmes:",
        _fmt(
            t.programmes[t.programmes["adopt_count"] > 0][
                ["programme", "theme", "first_year", "adopt_count", "first_adopters"]
            ],
            top,
        ),
    ]
    patterns = a.tiers["pattern"].value_counts()
    lines += [
        "",
        "层级顺序 / order down the hierarchy (programmes per pattern): "
        + (", ".join(f"{k} {v}" for k, v in patterns.items()) or "—"),
    ]
    v = a.vertical["after_ancestor"].dropna()
    lines.append(
        f"  adoptions below province with an observed ancestor: {len(v)}; "
        f"ancestor adopted first: {int(v.sum())}"
        if len(v)
        else "  无可观测的上级 / no observed ancestor (reports from one level only)"
    )
    lines += ["", "邻近暴露与采用风险 / exposure (t − 1) and hazard:", _fmt(a.exposure, 20)]
    if a.exposure["at_risk"].sum() == 0:
        lines.append(
            "  (no region has an observed peer, neighbour or ancestor: exposure is undefined)"
        )
    comm = community_table(a.coadoption, a.communities)
    lines += [
        "",
        f"共同采用社区 / co-adoption communities (Louvain, seed {a.seed}): {len(comm)}",
        _fmt(comm.assign(members=comm["members"].str.slice(0, 60)), top),
    ]
    lines += [
        "",
        "最核心的举措 / most central programmes (co-adoption PageRank):",
        _fmt(
            a.programme_centrality[
                ["programme", "adopt_count", "strength", "pagerank", "community"]
            ].round(4),
            top,
        ),
    ]
    lines += [
        "",
        "先行地区 / leading regions (precedence PageRank):",
        _fmt(
            a.region_centrality[
                ["adcode", "region", "n_programmes", "led", "followed", "leadership"]
            ].round(4),
            top,
        ),
    ]
    return "\n".join(lines)


def write(
    a: Analysis, to: Path | str, *, figures: bool = True, programme: str | None = None
) -> list[Path]:
    """Write the analysis tables (CSV) and, if ``figures``, PNGs under ``to/figures``.

    ``programme`` picks the programme drawn on the map (default: the most adopted).
    Returns the paths written.
    """
    dest = Path(to)
    dest.mkdir(parents=True, exist_ok=True)
    frames = {
        "curves": a.curves,
        "tiers": a.tiers,
        "vertical": a.vertical,
        "exposure": a.exposure,
        "communities": community_table(a.coadoption, a.communities),
        "programme_centrality": a.programme_centrality,
        "region_centrality": a.region_centrality,
    }
    written = []
    for name, frame in frames.items():
        frame.to_csv(dest / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
        written.append(dest / f"{name}.csv")
    if figures:
        written += draw_figures(a, dest / "figures", programme=programme)
    return written


def draw_figures(a: Analysis, folder: Path | str, *, programme: str | None = None) -> list[Path]:
    """Save the standard figures into ``folder``; return their paths."""
    import matplotlib.pyplot as plt

    from kg.analyse import figures as fig

    fig.use_cjk_font()
    folder = Path(folder)
    ad = a.tables.adoptions
    chosen = programme or (
        a.tables.programmes["programme"].iloc[0] if not a.tables.programmes.empty else ""
    )
    jobs = {
        "adoption_curves.png": lambda p: fig.plot_curves(a.curves, path=p),
        "adoptions_by_year.png": lambda p: fig.plot_adoptions_by_year(ad, path=p),
        "hierarchy.png": lambda p: fig.plot_hierarchy(a.tiers, path=p),
        "exposure.png": lambda p: fig.plot_exposure(a.exposure, path=p),
        "coadoption.png": lambda p: fig.plot_coadoption(
            a.coadoption, a.communities, seed=a.seed, path=p
        ),
        "map.png": lambda p: fig.plot_map(a.tables.regions, ad, chosen, path=p),
    }
    out = []
    for name, draw in jobs.items():
        plt.close(draw(folder / name))
        out.append(folder / name)
    return out
