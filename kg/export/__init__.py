"""Exports for researchers: event-history tables, cascades, panel, networks, RDF datasets.

    result = kg.export.export("output", to="output/exports", formats=["all"])
    df = kg.export.read_table("output/exports/adoptions.csv")   # documented dtypes

Every export folder also gets ``DATA_DICTIONARY.md`` and ``datapackage.json``
describing exactly the files written (see :mod:`kg.export.schema`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pandas as pd
import pyoxigraph as ox

from kg.errors import KGError
from kg.export.facts import Facts, load_facts
from kg.export.schema import datapackage, dictionary_markdown, read_table
from kg.export.tables import (
    DEFAULT_SCOPE,
    Scope,
    adoption_table,
    cascade_table,
    coverage_table,
    programme_table,
    region_table,
)

__all__ = [
    "ALIASES",
    "FORMATS",
    "ExportResult",
    "Scope",
    "Tables",
    "export",
    "make_tables",
    "panel_for",
    "read_table",
    "resolve_formats",
    "scope_note",
]

# format name → files it writes
FORMATS: dict[str, tuple[str, ...]] = {
    "adoptions": ("adoptions.csv",),
    "programmes": ("programmes.csv",),
    "regions": ("regions.csv",),
    "coverage": ("coverage.csv",),
    "hierarchy": ("hierarchy.csv",),
    "neighbours": ("neighbours.csv",),
    "cascades": ("cascades.csv",),
    "panel": ("panel.csv",),
    "graphml": ("graph.graphml", "coadoption.graphml"),
    "gexf": ("graph.gexf",),
    "jsonld": ("graph.jsonld",),
    "nquads": ("graph.nq",),
    "trig": ("graph.trig",),
}
ALIASES: dict[str, tuple[str, ...]] = {
    "all": tuple(FORMATS),
    "csv": ("adoptions", "programmes", "regions", "coverage", "hierarchy", "neighbours", "cascades",
            "panel"),
    "rdf": ("jsonld", "nquads", "trig"),
    "nq": ("nquads",),
    "json-ld": ("jsonld",),
}


@dataclass(frozen=True)
class Tables:
    """The tables of one export scope, computed once and shared by every format."""

    facts: Facts
    scope: Scope
    regions: pd.DataFrame
    adoptions: pd.DataFrame
    programmes: pd.DataFrame
    coverage: pd.DataFrame


@dataclass(frozen=True)
class ExportResult:
    """What was written: folder, file names and row counts of the CSVs."""

    folder: Path
    files: tuple[str, ...]
    rows: dict[str, int] = field(default_factory=dict)


def resolve_formats(names: Iterable[str]) -> list[str]:
    """Expand aliases (``all``, ``csv``, ``rdf``) and check names; order as in :data:`FORMATS`."""
    wanted: set[str] = set()
    for name in names:
        key = name.strip().lower()
        if key in ALIASES:
            wanted.update(ALIASES[key])
        elif key in FORMATS:
            wanted.add(key)
        else:
            raise KGError(
                f"未知导出格式 / unknown export format {name!r}; "
                f"known: {', '.join([*FORMATS, *ALIASES])}"
            )
    return [f for f in FORMATS if f in wanted]


def make_tables(source: Path | str | ox.Store | Facts, *, scope: Scope = DEFAULT_SCOPE) -> Tables:
    """Load the facts of a build (folder, store or :class:`Facts`) and compute the core tables."""
    facts = source if isinstance(source, Facts) else load_facts(source)
    regions = region_table(facts)
    coverage = coverage_table(facts, regions)
    adoptions = adoption_table(facts, scope=scope, regions=regions, coverage=coverage)
    return Tables(
        facts,
        scope,
        regions,
        adoptions,
        programme_table(facts, adoptions, scope=scope),
        coverage,
    )


def scope_note(scope: Scope) -> str:
    """One sentence saying which facts an export counts."""
    progs = (
        "curated and candidate programmes (see the `curated` column)"
        if scope.include_candidates
        else "curated programmes only (candidates left out; `--include-candidates` adds them)"
    )
    plans = (
        "plans (`fz:planned true`) count as adoptions in the year planned"
        if scope.include_planned
        else "plans are left out (`--include-planned` adds them)"
    )
    return f"{progs}; {plans}."


def _write_csv(frame: pd.DataFrame, path: Path) -> int:
    out = frame.copy()
    for c in out.columns:  # booleans as true/false (Frictionless, readr and pandas all read them)
        if str(out[c].dtype) in ("bool", "boolean"):
            out[c] = out[c].map({True: "true", False: "false"}).astype("object")
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return len(frame)


def _graphs(tables: Tables, seed: int) -> tuple[nx.Graph, nx.Graph]:
    from kg.export.network import (
        bipartite_graph,
        coadoption_graph,
        communities,
        programme_centrality,
    )

    co = coadoption_graph(tables.adoptions)
    cent = programme_centrality(co, seed=seed).set_index("programme")
    comm = communities(co, seed=seed)
    for n, d in co.nodes(data=True):
        d.update(
            community=comm[n],
            strength=float(cent.at[d["label"], "strength"]),
            pagerank=float(cent.at[d["label"], "pagerank"]),
            betweenness=float(cent.at[d["label"], "betweenness"]),
        )
    bi = bipartite_graph(tables.adoptions, tables.regions)
    for n, d in bi.nodes(data=True):
        if d.get("kind") == "programme":
            d["community"] = comm[n]
    return bi, co


def _dynamic(bi: nx.Graph) -> nx.Graph:
    """A copy with GEXF spells: programme nodes and adoption edges start in their first year."""
    g = bi.copy()
    g.graph["mode"] = "dynamic"
    g.graph["timeformat"] = "integer"
    for _, d in g.nodes(data=True):
        if "first_year" in d:
            d["start"] = d["first_year"]
    for _, _, d in g.edges(data=True):
        d["start"] = d["year"]
    return g


def export(
    out: Path | str,
    *,
    to: Path | str | None = None,
    formats: Iterable[str] = ("all",),
    scope: Scope = DEFAULT_SCOPE,
    seed: int = 0,
) -> ExportResult:
    """Write the chosen exports of the build in ``out`` into ``to`` (default ``out/exports``).

    Args:
        out: a build folder (``kg build --out``).
        to: the export folder; created if missing.
        formats: names from :data:`FORMATS` or the aliases ``all``, ``csv``, ``rdf``.
        scope: candidates and plans in or out (defaults: curated only, no plans).
        seed: seed of the community detection written into the GraphML.

    Raises:
        kg.errors.KGError: no store in ``out``, or an unknown format.
    """
    from kg.store import open_store

    chosen = resolve_formats(formats)
    src = Path(out)
    dest = Path(to) if to is not None else src / "exports"
    store = open_store(src)
    dest.mkdir(parents=True, exist_ok=True)
    tables = make_tables(store, scope=scope)
    rows: dict[str, int] = {}
    written: list[str] = []

    def csv(name: str, frame: pd.DataFrame) -> None:
        rows[name] = _write_csv(frame, dest / f"{name}.csv")
        written.append(f"{name}.csv")

    if "adoptions" in chosen:
        csv("adoptions", tables.adoptions)
    if "programmes" in chosen:
        csv("programmes", tables.programmes)
    if "regions" in chosen:
        csv("regions", tables.regions)
    if "coverage" in chosen:
        csv("coverage", tables.coverage)
    if "hierarchy" in chosen or "neighbours" in chosen:
        from kg import gazetteer
        from kg.export.neighbours import adjacency
        from kg.export.geography import hierarchy_table, neighbour_table

        gaz, observed = gazetteer.load(), set(tables.regions["adcode"].dropna())
        if "hierarchy" in chosen:
            csv("hierarchy", hierarchy_table(gaz, observed))
        if "neighbours" in chosen:
            csv("neighbours", neighbour_table(adjacency(), gaz, observed))
    if "cascades" in chosen:
        csv("cascades", cascade_table(tables.adoptions))
    if "panel" in chosen:
        csv("panel", panel_for(tables))
    if "graphml" in chosen or "gexf" in chosen:
        bi, co = _graphs(tables, seed)
        if "graphml" in chosen:
            nx.write_graphml(bi, dest / "graph.graphml", encoding="utf-8")
            nx.write_graphml(co, dest / "coadoption.graphml", encoding="utf-8")
            written += ["graph.graphml", "coadoption.graphml"]
        if "gexf" in chosen:
            nx.write_gexf(_dynamic(bi), dest / "graph.gexf", encoding="utf-8")
            written.append("graph.gexf")
    if "jsonld" in chosen or "nquads" in chosen or "trig" in chosen:
        from kg.export.rdf import write_jsonld, write_quads

        if "jsonld" in chosen:
            write_jsonld(store, dest / "graph.jsonld")
            written.append("graph.jsonld")
        if "nquads" in chosen:
            write_quads(store, dest / "graph.nq", fmt=ox.RdfFormat.N_QUADS)
            written.append("graph.nq")
        if "trig" in chosen:
            write_quads(store, dest / "graph.trig", fmt=ox.RdfFormat.TRIG)
            written.append("graph.trig")

    present = sorted({p.name for p in dest.iterdir() if p.is_file()} | set(written))
    note = scope_note(scope)
    (dest / "DATA_DICTIONARY.md").write_text(
        dictionary_markdown(present, scope_note=note), encoding="utf-8"
    )
    (dest / "datapackage.json").write_text(datapackage(present, scope_note=note), encoding="utf-8")
    (dest / "export.json").write_text(
        json.dumps(
            {
                "build": str(src),
                "scope": {
                    "include_candidates": scope.include_candidates,
                    "include_planned": scope.include_planned,
                },
                "seed": seed,
                "files": written,
                "rows": rows,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return ExportResult(dest, tuple(written), rows)


def panel_for(tables: Tables) -> pd.DataFrame:
    """The panel of an export scope, with same-parent and boundary-neighbour exposure."""
    from kg.export.neighbours import neighbour_pairs, peer_pairs
    from kg.export.panel import panel_table

    return panel_table(
        tables.adoptions,
        tables.regions,
        tables.coverage,
        peers=peer_pairs(tables.regions),
        neighbours=neighbour_pairs(tables.regions),
    )
