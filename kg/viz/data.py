"""The spread view's data: six SPARQL queries over the store, packed into columns.

The page receives one JSON object (see :func:`spread_data`): tables of regions,
programmes, reports, agencies and evidence sentences, and the adoptions as
parallel integer columns that index into them. Columns keep a 2,900-region,
300-programme page small and let the browser filter it in one pass.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from operator import itemgetter
from typing import Any

import pyoxigraph as ox

from kg.errors import KGError
from kg.names import close_names
from kg.resources import data_file
from kg.viz.edges import KINDS, RULES, Citation, Edge, LearnedFact, adjacency, diffusion_edges, provincial_documents
from kg.viz.geo import outlines, project

__all__ = ["refresh_rows", "resolve_programme", "resolve_region", "spread_data", "spread_rows", "year_ramp"]

UNCLASSIFIED = ("未分类", "Unclassified")
LEVELS = ("province", "prefecture", "county", "township", "village")


KEYS = {"adoptions": "imp", "regions": "region", "programmes": "programme", "reports": "report",
        "agencies": "agency", "citations": "report"}  # each query's rows depend on the triples of this node
CLASSES = {"adoptions": "Implementation", "regions": "Region", "reports": "Report",
           "agencies": "Agency", "citations": "Report"}  # the query's key nodes all have this fz: type
Rows = dict[str, dict[str, list[tuple[str | None, ...]]]]  # query -> key node -> rows
# small VALUES blocks: the store's time per key grows with the block's size
VALUES_BATCH = 100
FZ = "https://w3id.org/fazhi-kg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@cache
def _text(name: str) -> str:
    return files("kg.viz").joinpath("queries", f"{name}.rq").read_text(encoding="utf-8")


def _query(name: str, keys: Iterable[str] | None = None, *, var: str | None = None) -> str:
    """The query ``name``: for every key node, or (``keys``) for those only (a VALUES block
    at each ``#KEYS`` marker, where the key variable, ``var`` or ``KEYS[name]``, is bound)."""
    if keys is None:
        return _text(name)
    values = f"VALUES ?{var or KEYS[name]} {{ {' '.join(f'<{k}>' for k in sorted(keys))} }}"
    return _text(name).replace("#KEYS", values)


def _solve(store: ox.Store, text: str, strings: dict[str, str]) -> tuple[list[str], list[tuple[str | None, ...]]]:
    """Variable names and rows of ``text``; equal strings become one object (``strings``), so
    the rows take less memory and marshal writes each string once."""
    solutions = store.query(text)
    names = [v.value for v in solutions.variables]
    same = strings.setdefault
    # iterating a solution is ~2x faster than indexing it by name
    return names, [tuple(None if t is None else same(v := t.value, v) for t in sol) for sol in solutions]


@cache
def _columns(name: str) -> list[str]:
    return _solve(ox.Store(), _query(name, ()), {})[0]


def spread_rows(store: ox.Store, *, only: dict[str, set[str]] | None = None) -> Rows:
    """The six queries' rows grouped by key node: all of them, or (``only``) those of the
    given key nodes per query."""
    out: Rows = {}
    strings: dict[str, str] = {}
    for name, var in KEYS.items():
        if only is not None and name not in only:
            continue
        if only is None:
            names, rows = _solve(store, _query(name), strings)
        elif only.get(name):
            keys = sorted(only[name])
            names, rows = _columns(name), []
            for at in range(0, len(keys), VALUES_BATCH):
                rows += _solve(store, _query(name, keys[at:at + VALUES_BATCH]), strings)[1]
        else:
            out[name] = {}
            continue
        at = names.index(var)
        grouped: dict[str, list[tuple[str | None, ...]]] = {}
        for row in rows:
            key = str(row[at])
            if key in grouped:
                grouped[key].append(row)
            else:
                grouped[key] = [row]
        out[name] = grouped
    return out


def _types(store: ox.Store, nodes: Iterable[str]) -> dict[str, set[str]]:
    """The ``rdf:type`` IRIs of each of ``nodes`` (one look-up per node)."""
    rdf_type, graph = ox.NamedNode(RDF_TYPE), ox.DefaultGraph()
    return {n: {q.object.value for q in store.quads_for_pattern(ox.NamedNode(n), rdf_type, None, graph)}
            for n in nodes}


def _named(store: ox.Store, programmes: Iterable[str]) -> set[str]:
    """Those of ``programmes`` that some implementation names (the programmes query's
    key nodes), found by following ``fz:programme`` back to a typed implementation."""
    predicate, rdf_type = ox.NamedNode(FZ + "programme"), ox.NamedNode(RDF_TYPE)
    implementation, graph = ox.NamedNode(FZ + "Implementation"), ox.DefaultGraph()
    return {p for p in programmes
            if any(next(store.quads_for_pattern(q.subject, rdf_type, implementation, graph), None)
                   is not None
                   for q in store.quads_for_pattern(None, predicate, ox.NamedNode(p), graph))}


def _programme_rows(store: ox.Store, programmes: set[str], strings: dict[str, str]) -> dict[str, list[tuple[str | None, ...]]]:
    """The programmes query's rows of ``programmes`` (by programme), each asked for only
    when an implementation names it, without the query's scan of every implementation."""
    keys = sorted(_named(store, programmes))
    rows: list[tuple[str | None, ...]] = []
    for at in range(0, len(keys), VALUES_BATCH):
        rows += _solve(store, _query("programme-details", keys[at:at + VALUES_BATCH], var="programme"), strings)[1]
    at = _columns("programmes").index("programme")
    grouped: dict[str, list[tuple[str | None, ...]]] = {}
    for row in rows:
        grouped.setdefault(str(row[at]), []).append(row)
    return grouped


def refresh_rows(store: ox.Store, rows: Rows, changed: set[str], programmes: set[str]) -> Rows:
    """``rows`` of a previous build brought up to date with ``store``, given the nodes whose
    triples changed (``changed``: subjects of lines added or removed) and the programmes
    that an implementation started or stopped naming (``programmes``)."""
    regions = set(changed)
    geometries = [c for c in changed if c.endswith("/geometry")] or None
    if geometries:  # a region's point is one hop away, on its geometry node
        q = ("SELECT ?r WHERE { VALUES ?g { " + " ".join(f"<{g}>" for g in geometries)
             + " } ?r <http://www.opengis.net/ont/geosparql#hasGeometry> ?g }")
        regions.update(str(sol[0].value) for sol in store.query(q))
    only = {"adoptions": changed, "regions": regions, "programmes": set(programmes),
            "reports": changed, "agencies": changed, "citations": changed}
    # rows are dropped for all of ``only``, asked for only where the node has the key's type
    types = _types(store, regions)  # regions ⊇ changed
    asked = {name: {n for n in only[name] if FZ + cls in types[n]} for name, cls in CLASSES.items()}
    fresh = spread_rows(store, only={"adoptions": asked["adoptions"]})
    at = _columns("adoptions").index("programme")
    for key in changed:  # programmes an implementation named before or names now
        for row in rows["adoptions"].get(key, []) + fresh["adoptions"].get(key, []):
            only["programmes"].add(str(row[at]))
    # changed nodes that are (or were) programmes of an implementation
    predicate = ox.NamedNode("https://w3id.org/fazhi-kg/ontology#programme")
    only["programmes"] |= {
        c for c in changed if c in rows["programmes"]
        or next(store.quads_for_pattern(None, predicate, ox.NamedNode(c), ox.DefaultGraph()), None)}
    fresh.update(spread_rows(store, only={k: v for k, v in asked.items() if k != "adoptions"}))
    fresh["programmes"] = _programme_rows(store, only["programmes"], {})
    out: Rows = {}
    for name in KEYS:
        kept = dict(rows[name])
        for key in only[name]:
            kept.pop(key, None)
        kept.update(fresh[name])
        out[name] = kept
    return out


def _rowkey(row: tuple[str | None, ...]) -> tuple[tuple[bool, str], ...]:
    """A row's place in the canonical order: by value, unbound last."""
    return tuple((v is None, v or "") for v in row)


def _ordered(rows: Rows, name: str) -> Iterable[tuple[str | None, ...]]:
    """The rows of ``name`` in one canonical order: by key node, then by value (so the page
    depends neither on the order the store returns solutions in nor on how the rows were
    gathered)."""
    group = rows[name]
    for key in sorted(group):
        found = group[key]
        yield from (found if len(found) < 2 else sorted(found, key=_rowkey))


def _last(rows: Rows, name: str) -> dict[str, tuple[str | None, ...]]:
    """Each key node's last row in the canonical order."""
    return {key: found[0] if len(found) < 2 else max(found, key=_rowkey)
            for key, found in rows[name].items()}


def _point(wkt: str | None) -> tuple[float, float] | None:
    if not wkt or not wkt.upper().startswith("POINT"):
        return None
    try:
        lon, lat = (float(v) for v in wkt[wkt.index("(") + 1: wkt.index(")")].split())
    except ValueError:
        return None
    return lon, lat


def _year(value: str | None) -> int | None:
    try:
        return int(str(value)[:4])
    except ValueError:
        return None


def _regions(rows: Rows) -> dict[str, dict[str, Any]]:
    c = {name: i for i, name in enumerate(_columns("regions"))}
    at = [c[k] for k in ("region", "label", "level", "code", "wkt", "approximate", "parent")]
    regions: dict[str, dict[str, Any]] = {}
    for row in _ordered(rows, "regions"):
        iri, label, level, code, wkt, approximate, parent = (row[i] for i in at)
        r = regions.get(str(iri))
        if r is None:
            r = regions[str(iri)] = {"label": None, "level": None, "code": None, "point": None,
                                     "approx": False, "parent": None}
        r["label"] = r["label"] or label
        r["level"] = r["level"] or level
        r["code"] = r["code"] or code
        r["point"] = r["point"] or _point(wkt)
        r["approx"] = r["approx"] or approximate == "true"
        r["parent"] = r["parent"] or parent
    return regions


def _ancestors(iri: str, regions: dict[str, dict[str, Any]]) -> list[str]:
    chain, seen = [iri], {iri}
    while (parent := regions.get(chain[-1], {}).get("parent")) and parent not in seen:
        chain.append(parent)
        seen.add(parent)
    return chain


def _adopted(rows: Rows) -> tuple[list[tuple[str | None, ...]], dict[str | None, int | None]]:
    """The adoption rows with a year in one canonical order, and each year literal's year."""
    c = {name: i for i, name in enumerate(_columns("adoptions"))}
    imp, region, programme, year, report = (c[k] for k in ("imp", "region", "programme", "year", "report"))
    # the adoptions in the canonical order (_ordered), then stably by region, programme, year
    # and report: one sort with the key node as last key (it comes first in _ordered), each
    # node's rows in value order beforehand
    adopted = [r for found in rows["adoptions"].values()
               for r in (found if len(found) < 2 else sorted(found, key=_rowkey))]
    years = {v: _year(v) for v in {r[year] for r in adopted}}
    adopted = [r for r in adopted if years[r[year]] is not None]
    if any(r[report] is None for r in adopted):  # (the other columns are always bound)
        adopted.sort(key=lambda r: (r[region], r[programme], r[year], r[report] or "", r[imp]))
    else:  # the same order, the key made in C
        adopted.sort(key=itemgetter(region, programme, year, report, imp))
    return adopted, years


def _programme_table(rows: Rows) -> dict[str, dict[str, Any]]:
    c = {name: i for i, name in enumerate(_columns("programmes"))}
    at = [c[k] for k in ("programme", "label", "curated", "theme", "themeZh", "themeEn", "alts")]
    programme_rows: dict[str, dict[str, Any]] = {}
    for row in _ordered(rows, "programmes"):
        iri, label, curated, theme, theme_zh, theme_en, alts = (row[i] for i in at)
        p = programme_rows.setdefault(str(iri), {"label": None, "curated": True, "theme": None,
                                                 "alts": set()})
        if label and (p["label"] is None or label < p["label"]):
            p["label"] = label
        p["curated"] = p["curated"] and curated != "false"
        if theme:
            p["theme"] = (theme, theme_zh or theme_en or theme, theme_en or "")
        p["alts"].update(a for a in (alts or "").split("\u001f") if a)
    return programme_rows


def _province(iri: str, region_info: dict[str, dict[str, Any]]) -> str:
    """The province above ``iri`` (itself if it is one; "" if none is known)."""
    return next((a for a in _ancestors(iri, region_info) if region_info.get(a, {}).get("level") == "province"), "")


def _documents(rows: Rows, region_info: dict[str, dict[str, Any]]) -> tuple[list[str], list[tuple[str, int]], list[Citation]]:
    """Document IRIs (sorted), their (title, level), and every citation by a report with a
    region and a year (document index, title, level, the report's province and year)."""
    c = {name: i for i, name in enumerate(_columns("citations"))}
    rc = {name: i for i, name in enumerate(_columns("reports"))}
    report_rows = _last(rows, "reports")
    info: dict[str, tuple[str, str]] = {}
    for row in _ordered(rows, "citations"):
        info.setdefault(str(row[c["document"]]), (row[c["title"]] or "", row[c["level"]] or ""))
    ids = sorted(info)
    index = {d: i for i, d in enumerate(ids)}
    citations = []
    for report, found in rows["citations"].items():
        meta = report_rows.get(report)
        year = _year(meta[rc["year"]]) if meta else None
        home = _province(str(meta[rc["region"]]), region_info) if meta and meta[rc["region"]] else ""
        if year is None or not home:
            continue
        for row in found:
            d = str(row[c["document"]])
            citations.append(Citation(index[d], *info[d], home, year))
    return ids, [info[d] for d in ids], citations


def _edges(adopted: list[tuple[str | None, ...]], years: dict[str | None, int | None],
           region_info: dict[str, dict[str, Any]], programme_rows: dict[str, dict[str, Any]],
           citations: list[Citation], evidence: dict[str, int]) -> list[Edge]:
    """The diffusion edges (:mod:`kg.viz.edges`) over first mentions that are not plans."""
    c = {name: i for i, name in enumerate(_columns("adoptions"))}
    region, programme, year, planned, ev, learned = (
        c[k] for k in ("region", "programme", "year", "planned", "evidence", "learned"))
    first: dict[str, dict[str, int]] = {}
    facts = []
    for r in adopted:
        if r[planned] == "true":
            continue
        p, g, y = r[programme], r[region], years[r[year]] or 0
        seen = first.setdefault(p, {})
        if g not in seen or y < seen[g]:
            seen[g] = y
        if r[learned]:
            facts.append(LearnedFact(p, g, y, tuple(str(r[learned]).split()),
                                     -1 if r[ev] is None else evidence[str(r[ev])]))
    adopters = {g for found in first.values() for g in found}
    by_code = {i["code"]: iri for iri, i in region_info.items() if i.get("code")}
    neighbours = {g: [by_code[n] for n in adjacency().get(region_info[g].get("code") or "", ()) if n in by_code]
                  for g in adopters if g in region_info}
    parent = {g: region_info[g]["parent"] for g in adopters if region_info.get(g, {}).get("parent")}
    province = {g: _province(g, region_info) for g in adopters}
    names = {p: [i["label"] or "", *sorted(i["alts"])] for p, i in programme_rows.items()}
    return diffusion_edges(facts, first, parent=parent, province=province, neighbours=neighbours,
                           documents=provincial_documents(citations, names))


def _region_table(region_ids: list[str], region_info: dict[str, dict[str, Any]],
                  geo: dict[str, Any]) -> dict[str, list[Any]]:
    province_of_code = {p["code"]: i for i, p in enumerate(geo["provinces"])}
    index = {iri: i for i, iri in enumerate(region_ids)}
    regions: dict[str, list[Any]] = {k: [] for k in ("id", "label", "level", "province", "x", "y",
                                                     "approx", "code", "parent")}
    for iri in region_ids:
        chain = _ancestors(iri, region_info)
        info = region_info.get(iri, {})
        placed = next((region_info[a] for a in chain if region_info.get(a, {}).get("point")), None)
        code = next((region_info[a]["code"] for a in chain if region_info.get(a, {}).get("code")), None)
        x, y = project(*placed["point"]) if placed else (None, None)
        regions["id"].append(iri)
        regions["label"].append(info.get("label") or iri.rsplit("/", 1)[-1])
        regions["level"].append(LEVELS.index(info["level"]) if info.get("level") in LEVELS else 2)
        regions["province"].append(province_of_code.get(f"{code[:2]}0000", -1) if code else -1)
        regions["x"].append(x)
        regions["y"].append(y)
        regions["approx"].append(int(bool(placed) and (placed is not info or bool(info.get("approx")))))
        regions["code"].append(info.get("code") or "")
        regions["parent"].append(index.get(next((a for a in chain[1:] if a in index), ""), -1))
    _declutter(regions)
    return regions


def _declutter(regions: dict[str, list[Any]], *, step: float = 6.0) -> None:
    """Regions drawn at one point (several with their parent's point, or the parent and
    its own regions) are moved onto a small sunflower spiral around it, in table order, so
    none hides another; the first keeps the point."""
    at: dict[tuple[float, float], int] = {}
    golden = math.pi * (3 - math.sqrt(5))
    for i, (x, y) in enumerate(zip(regions["x"], regions["y"], strict=True)):
        if x is None:
            continue
        k = at.get((x, y), 0)
        at[(x, y)] = k + 1
        if k:
            radius = step * math.sqrt(k)
            regions["x"][i] = round(x + radius * math.cos(k * golden), 1)
            regions["y"][i] = round(y + radius * math.sin(k * golden), 1)


def _programme_columns(programme_rows: dict[str, dict[str, Any]]) -> tuple[list[tuple[str, str, str]], dict[str, list[Any]]]:
    """The themes (id, zh, en; unclassified last) and the programme columns."""
    themes = sorted({p["theme"] or ("", *UNCLASSIFIED) for p in programme_rows.values()},
                    key=lambda t: (t[0] == "", t[1]))
    theme_index = {t[0]: i for i, t in enumerate(themes)}
    programme_ids = sorted(programme_rows, key=lambda iri: (programme_rows[iri]["label"] or iri, iri))
    return themes, {
        "id": programme_ids,
        "label": [programme_rows[i]["label"] or i.rsplit("/", 1)[-1] for i in programme_ids],
        "theme": [theme_index[(programme_rows[i]["theme"] or ("",))[0]] for i in programme_ids],
        "curated": [int(programme_rows[i]["curated"]) for i in programme_ids],
        "alt": ["\u001f".join(sorted(programme_rows[i]["alts"])) for i in programme_ids],
    }


def _report_columns(report_rows: dict[str, tuple[str | None, ...]], region_index: dict[str, int]) -> dict[str, list[Any]]:
    rc = {name: i for i, name in enumerate(_columns("reports"))}
    report_ids = sorted(report_rows)
    report_years = {v: _year(v) for v in {r[rc["year"]] for r in report_rows.values()}}
    return {
        "id": report_ids,
        "title": [report_rows[i][rc["title"]] or "" for i in report_ids],
        "source": [report_rows[i][rc["source"]] or "" for i in report_ids],
        "year": [report_years[report_rows[i][rc["year"]]] for i in report_ids],
        "region": [region_index.get(str(report_rows[i][rc["region"]]), -1) for i in report_ids],
    }


def _agency_columns(rows: Rows, used: set[str], region_index: dict[str, int]) -> dict[str, list[Any]]:
    """The agencies of an adoption (``used``) or of a region on the map."""
    c = {name: i for i, name in enumerate(_columns("agencies"))}
    agency_rows = _last(rows, "agencies")
    agency_ids = sorted(a for a, r in agency_rows.items() if a in used or str(r[c["region"]]) in region_index)
    return {
        "id": agency_ids,
        "label": [agency_rows[a][c["label"]] or a.rsplit("/", 1)[-1] for a in agency_ids],
        "region": [region_index.get(str(agency_rows[a][c["region"]]), -1) for a in agency_ids],
    }


def spread_data(store: ox.Store | None = None, *, rows: Rows | None = None) -> dict[str, Any]:
    """The page's data for the graph in ``store`` (JSON-ready, deterministic order).

    Args:
        store: a pyoxigraph store holding a build (read-only is fine).
        rows: the queries' rows (:func:`spread_rows`), instead of ``store``.

    Returns:
        A dict with ``meta``, ``provinces``, ``themes``, ``regions``, ``programmes``,
        ``reports``, ``agencies``, ``documents``, ``citations``, ``evidence``,
        ``adoptions``, ``edges``, ``rules`` and ``map``.
    """
    if rows is None:
        rows = spread_rows(store)  # type: ignore[arg-type]
    c = {name: i for i, name in enumerate(_columns("adoptions"))}
    region, programme, year, planned, evidence, report, agency = (
        c[k] for k in ("region", "programme", "year", "planned", "evidence", "report", "agency"))
    adopted, years = _adopted(rows)
    texts: dict[str, int] = {}  # evidence sentences, numbered in order of first use
    number = texts.setdefault
    evidence_column = [-1 if r[evidence] is None else number(r[evidence], len(texts)) for r in adopted]
    region_info = _regions(rows)
    geo = outlines()
    programme_rows = _programme_table(rows)
    document_ids, document_info, citations = _documents(rows, region_info)
    edges = _edges(adopted, years, region_info, programme_rows, citations, texts)

    rc = {name: i for i, name in enumerate(_columns("reports"))}
    report_rows = _last(rows, "reports")
    shown = {r[region] for r in adopted} | {e.source for e in edges} | {
        str(r[rc["region"]]) for r in report_rows.values() if r[rc["region"]] and str(r[rc["region"]]) in region_info}
    region_ids = sorted(shown, key=lambda iri: (region_info.get(iri, {}).get("code") or "~", iri))
    region_index = {iri: i for i, iri in enumerate(region_ids)}
    regions = _region_table(region_ids, region_info, geo)

    themes, programmes = _programme_columns(programme_rows)
    programme_index = {iri: i for i, iri in enumerate(programmes["id"])}
    reports = _report_columns(report_rows, region_index)
    report_index = {iri: i for i, iri in enumerate(reports["id"])}
    agencies = _agency_columns(rows, {str(r[agency]) for r in adopted if r[agency]}, region_index)
    agency_index = {a: i for i, a in enumerate(agencies["id"])}
    cc = {name: i for i, name in enumerate(_columns("citations"))}
    document_index = {d: i for i, d in enumerate(document_ids)}
    cited = sorted((report_index[k], document_index[str(row[cc["document"]])])
                   for k, found in rows["citations"].items() if k in report_index for row in found)

    def column(at: int) -> Iterable[Any]:
        return map(itemgetter(at), adopted)

    # row values are strings or None (unbound; never a key of these indexes)
    adoptions: dict[str, list[int]] = {
        "region": list(map(region_index.__getitem__, column(region))),  # type: ignore[arg-type]
        "programme": list(map(programme_index.__getitem__, column(programme))),  # type: ignore[arg-type]
        "year": [years[y] or 0 for y in column(year)],
        "planned": [int(v == "true") for v in column(planned)],
        "evidence": evidence_column,
        "report": list(map(report_index.get, column(report), itertools.repeat(-1))),
        "agency": list(map(agency_index.get, column(agency), itertools.repeat(-1))),
    }
    return {
        "meta": {"reports": len(report_index)},
        "provinces": [{"code": p["code"], "name": p["name"], "short": p["short"],
                       "colour": p["colour"]} for p in geo["provinces"]],
        "themes": [{"id": t[0], "zh": t[1], "en": t[2]} for t in themes],
        "regions": regions,
        "programmes": programmes,
        "reports": reports,
        "agencies": agencies,
        "documents": {"id": document_ids, "title": [t for t, _ in document_info],
                      "level": [lv for _, lv in document_info]},
        "citations": {"report": [r for r, _ in cited], "document": [d for _, d in cited]},
        "evidence": list(texts),
        "adoptions": adoptions,
        "edges": _edge_columns(edges, programme_index, region_index),
        "rules": [{"kind": k, "zh": zh, "en": en} for k, (zh, en) in RULES.items()],
        "ramp": year_ramp(),
        "map": {k: geo[k] for k in ("provinces", "country", "maritime", "islands", "inset", "bounds",
                                     "note")},
    }


def _edge_columns(edges: list[Edge], programmes: dict[str, int], regions: dict[str, int]) -> dict[str, list[int]]:
    """The edges as parallel columns (programme, source, target, year, kind, note), in the
    order of :func:`kg.viz.edges.diffusion_edges`; edges of a programme without rows dropped."""
    kept = [e for e in edges if e.programme in programmes and e.source in regions and e.target in regions]
    return {"programme": [programmes[e.programme] for e in kept], "source": [regions[e.source] for e in kept],
            "target": [regions[e.target] for e in kept], "year": [e.year for e in kept],
            "kind": [KINDS.index(e.kind) for e in kept], "note": [e.note for e in kept]}


@cache
def year_ramp() -> list[str]:
    """The colours of the year ramp (``kg/data/year_ramp.json``), earliest first."""
    return list(json.loads(data_file("year_ramp.json").read_text(encoding="utf-8"))["stops"])


def _pick(name: str, what: str, candidates: dict[int, list[str]], labels: list[str],
          describe: list[str]) -> int:
    """The one index whose names include ``name`` exactly, else a unique substring match."""
    exact = sorted(i for i, names in candidates.items() if name in names)
    if not exact:
        exact = sorted(i for i, names in candidates.items() if any(name in n for n in names))
    if len(exact) == 1:
        return exact[0]
    if exact:
        listed = "; ".join(describe[i] for i in exact[:12])
        raise KGError(f"{what} “{name}” 不唯一 / is ambiguous: {listed}")
    close = close_names(name, labels)
    hint = f"; 相近 / close: {', '.join(close)}" if close else ""
    raise KGError(f"{what} “{name}” 未在图谱中找到 / not found among implemented ones{hint}")


def resolve_programme(data: dict[str, Any], name: str) -> int:
    """Index of the programme named ``name`` (preferred or alternative label, or IRI).

    Raises:
        KGError: no programme, or more than one, matches.
    """
    p = data["programmes"]
    names = {i: [p["label"][i], p["id"][i], *filter(None, p["alt"][i].split("\u001f"))]
             for i in range(len(p["id"]))}
    return _pick(name, "措施 / programme", names, p["label"],
                 [f"{p['label'][i]} <{p['id'][i]}>" for i in range(len(p["id"]))])


def resolve_region(data: dict[str, Any], name: str) -> int:
    """Index of the region named ``name`` (label, six-digit code or IRI).

    Raises:
        KGError: no region, or more than one, matches.
    """
    r, provinces = data["regions"], data["provinces"]
    names = {i: [r["label"][i], r["code"][i], r["id"][i]] for i in range(len(r["id"]))}
    where = [provinces[k]["name"] if k >= 0 else "?" for k in r["province"]]
    return _pick(name, "地区 / region", names, r["label"],
                 [f"{r['label'][i]} ({where[i]} {r['code'][i]})" for i in range(len(r["id"]))])
