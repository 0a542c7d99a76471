"""The spread view's data: five SPARQL queries over the store, packed into columns.

The page receives one JSON object (see :func:`spread_data`): tables of regions,
programmes, reports, agencies and evidence sentences, and the adoptions as
parallel integer columns that index into them. Columns keep a 2,900-region,
300-programme page small and let the browser filter it in one pass.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Any

import pyoxigraph as ox

from kg.errors import KGError
from kg.viz.geo import outlines, project

__all__ = ["refresh_rows", "resolve_programme", "resolve_region", "spread_data", "spread_rows"]

UNCLASSIFIED = ("未分类", "Unclassified")
LEVELS = ("province", "prefecture", "county", "township", "village")


KEYS = {"adoptions": "imp", "regions": "region", "programmes": "programme", "reports": "report",
        "agencies": "agency"}  # each query's rows depend on the triples of this node
Rows = dict[str, dict[str, list[tuple[str | None, ...]]]]  # query -> key node -> rows
VALUES_BATCH = 100


@cache
def _text(name: str) -> str:
    return files("kg.viz").joinpath("queries", f"{name}.rq").read_text(encoding="utf-8")


def _restricted(name: str, keys: Iterable[str]) -> str:
    """The query ``name`` for the key nodes ``keys`` only (a VALUES block where the key is bound)."""
    var = KEYS[name]
    values = f" VALUES ?{var} {{ {' '.join(f'<{k}>' for k in sorted(keys))} }} "
    text = _text(name)
    marker = "SELECT DISTINCT ?programme WHERE {" if name == "programmes" else "WHERE {"
    at = text.index(marker) + len(marker)
    return text[:at] + values + text[at:]


def _solve(store: ox.Store, text: str) -> tuple[list[str], list[tuple[str | None, ...]]]:
    solutions = store.query(text)
    names = [v.value for v in solutions.variables]
    # iterating a solution is ~2x faster than indexing it by name
    return names, [tuple(t.value if t is not None else None for t in sol) for sol in solutions]


@cache
def _columns(name: str) -> list[str]:
    return _solve(ox.Store(), _restricted(name, ()))[0]


def spread_rows(store: ox.Store, *, only: dict[str, set[str]] | None = None) -> Rows:
    """The five queries' rows grouped by key node: all of them, or (``only``) those of the
    given key nodes per query."""
    out: Rows = {}
    for name, var in KEYS.items():
        if only is not None and name not in only:
            continue
        if only is None:
            names, rows = _solve(store, _text(name))
        elif only.get(name):
            # small VALUES blocks: with a large one the store evaluates the whole pattern first
            keys = sorted(only[name])
            names, rows = _columns(name), []
            for at in range(0, len(keys), VALUES_BATCH):
                rows += _solve(store, _restricted(name, keys[at:at + VALUES_BATCH]))[1]
        else:
            out[name] = {}
            continue
        at = names.index(var)
        grouped: dict[str, list[tuple[str | None, ...]]] = {}
        for row in rows:
            grouped.setdefault(str(row[at]), []).append(row)
        out[name] = grouped
    return out


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
            "reports": changed, "agencies": changed}
    fresh = spread_rows(store, only={"adoptions": changed})
    at = _columns("adoptions").index("programme")
    for key in changed:  # programmes an implementation named before or names now
        for row in rows["adoptions"].get(key, []) + fresh["adoptions"].get(key, []):
            only["programmes"].add(str(row[at]))
    # changed nodes that are (or were) programmes of an implementation: few, and the
    # programmes query is slow per call
    predicate = ox.NamedNode("https://w3id.org/fazhi-kg/ontology#programme")
    only["programmes"] |= {
        c for c in changed if c in rows["programmes"]
        or next(store.quads_for_pattern(None, predicate, ox.NamedNode(c), ox.DefaultGraph()), None)}
    fresh.update(spread_rows(store, only={k: v for k, v in only.items() if k != "adoptions"}))
    out: Rows = {}
    for name in KEYS:
        kept = {k: v for k, v in rows[name].items() if k not in only[name]}
        kept.update(fresh[name])
        out[name] = kept
    return out


def _ordered(rows: Rows, name: str) -> Iterable[dict[str, str | None]]:
    """The rows of ``name`` in one canonical order: by key node, then by value (so the page
    depends neither on the order the store returns solutions in nor on how the rows were
    gathered)."""
    names = _columns(name)
    group = rows[name]
    for key in sorted(group):
        found = group[key]
        if len(found) > 1:
            found = sorted(found, key=lambda r: tuple((v is None, v or "") for v in r))
        for row in found:
            yield dict(zip(names, row, strict=True))


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


class _Index:
    """Interns keys to consecutive integers (table positions)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def __call__(self, key: str | None) -> int:
        if key is None:
            return -1
        return self.ids.setdefault(key, len(self.ids))


def _regions(rows: Rows) -> dict[str, dict[str, Any]]:
    regions: dict[str, dict[str, Any]] = {}
    for row in _ordered(rows, "regions"):
        r = regions.setdefault(str(row["region"]), {"label": None, "level": None, "code": None,
                                                    "point": None, "approx": False, "parent": None})
        r["label"] = r["label"] or row["label"]
        r["level"] = r["level"] or row["level"]
        r["code"] = r["code"] or row["code"]
        r["point"] = r["point"] or _point(row["wkt"])
        r["approx"] = r["approx"] or row["approximate"] == "true"
        r["parent"] = r["parent"] or row["parent"]
    return regions


def _ancestors(iri: str, regions: dict[str, dict[str, Any]]) -> list[str]:
    chain, seen = [iri], {iri}
    while (parent := regions.get(chain[-1], {}).get("parent")) and parent not in seen:
        chain.append(parent)
        seen.add(parent)
    return chain


def spread_data(store: ox.Store | None = None, *, rows: Rows | None = None) -> dict[str, Any]:
    """The page's data for the graph in ``store`` (JSON-ready, deterministic order).

    Args:
        store: a pyoxigraph store holding a build (read-only is fine).
        rows: the queries' rows (:func:`spread_rows`), instead of ``store``.

    Returns:
        A dict with ``meta``, ``provinces``, ``themes``, ``regions``, ``programmes``,
        ``reports``, ``agencies``, ``evidence``, ``adoptions`` and ``map``.
    """
    if rows is None:
        rows = spread_rows(store)  # type: ignore[arg-type]
    all_rows = rows
    rows = sorted(  # type: ignore[assignment]
        (row for row in _ordered(all_rows, "adoptions") if _year(row["year"]) is not None),
        key=lambda r: (r["region"] or "", r["programme"] or "", r["year"] or "", r["report"] or ""),
    )
    region_info = _regions(all_rows)
    geo = outlines()
    province_of_code = {p["code"]: i for i, p in enumerate(geo["provinces"])}

    region_ids = sorted({str(r["region"]) for r in rows},
                        key=lambda iri: (region_info.get(iri, {}).get("code") or "~", iri))
    region_index = {iri: i for i, iri in enumerate(region_ids)}
    regions: dict[str, list[Any]] = {k: [] for k in ("id", "label", "level", "province", "x", "y",
                                                     "approx", "code")}
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

    programme_rows: dict[str, dict[str, Any]] = {}
    for row in _ordered(all_rows, "programmes"):
        p = programme_rows.setdefault(str(row["programme"]), {"label": None, "curated": True,
                                                              "theme": None, "alts": set()})
        if row["label"] and (p["label"] is None or row["label"] < p["label"]):
            p["label"] = row["label"]
        p["curated"] = p["curated"] and row["curated"] != "false"
        if row["theme"]:
            p["theme"] = (row["theme"], row["themeZh"] or row["themeEn"] or row["theme"],
                          row["themeEn"] or "")
        p["alts"].update(a for a in (row["alts"] or "").split("\u001f") if a)
    themes = sorted({p["theme"] or ("", *UNCLASSIFIED) for p in programme_rows.values()},
                    key=lambda t: (t[0] == "", t[1]))
    theme_index = {t[0]: i for i, t in enumerate(themes)}
    programme_ids = sorted(programme_rows, key=lambda iri: (programme_rows[iri]["label"] or iri, iri))
    programme_index = {iri: i for i, iri in enumerate(programme_ids)}
    programmes = {
        "id": programme_ids,
        "label": [programme_rows[i]["label"] or i.rsplit("/", 1)[-1] for i in programme_ids],
        "theme": [theme_index[(programme_rows[i]["theme"] or ("",))[0]] for i in programme_ids],
        "curated": [int(programme_rows[i]["curated"]) for i in programme_ids],
        "alt": ["\u001f".join(sorted(programme_rows[i]["alts"])) for i in programme_ids],
    }

    report_rows = {str(r["report"]): r for r in _ordered(all_rows, "reports")}
    report_ids = sorted(report_rows)
    reports = {
        "id": report_ids,
        "title": [report_rows[i]["title"] or "" for i in report_ids],
        "source": [report_rows[i]["source"] or "" for i in report_ids],
        "year": [_year(report_rows[i]["year"]) for i in report_ids],
        "region": [region_index.get(str(report_rows[i]["region"]), -1) for i in report_ids],
    }
    report_index = {iri: i for i, iri in enumerate(report_ids)}

    agency_rows = {str(r["agency"]): r for r in _ordered(all_rows, "agencies")}
    used = {str(r["agency"]) for r in rows if r["agency"]}
    agency_ids = sorted(a for a, r in agency_rows.items()
                        if a in used or str(r["region"]) in region_index)
    agencies = {
        "label": [agency_rows[a]["label"] or a.rsplit("/", 1)[-1] for a in agency_ids],
        "region": [region_index.get(str(agency_rows[a]["region"]), -1) for a in agency_ids],
    }
    agency_index = {a: i for i, a in enumerate(agency_ids)}

    evidence = _Index()
    adoptions: dict[str, list[int]] = {k: [] for k in ("region", "programme", "year", "planned",
                                                       "evidence", "report", "agency")}
    for row in rows:
        adoptions["region"].append(region_index[str(row["region"])])
        adoptions["programme"].append(programme_index[str(row["programme"])])
        adoptions["year"].append(_year(row["year"]) or 0)
        adoptions["planned"].append(int(row["planned"] == "true"))
        adoptions["evidence"].append(evidence(row["evidence"]))
        adoptions["report"].append(report_index.get(str(row["report"]), -1))
        adoptions["agency"].append(agency_index.get(str(row["agency"]), -1))

    return {
        "meta": {"reports": len(report_ids)},
        "provinces": [{"code": p["code"], "name": p["name"], "short": p["short"],
                       "colour": p["colour"]} for p in geo["provinces"]],
        "themes": [{"id": t[0], "zh": t[1], "en": t[2]} for t in themes],
        "regions": regions,
        "programmes": programmes,
        "reports": reports,
        "agencies": agencies,
        "evidence": list(evidence.ids),
        "adoptions": adoptions,
        "map": {k: geo[k] for k in ("provinces", "country", "maritime", "islands", "inset", "bounds",
                                     "note")},
    }


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
    close = difflib.get_close_matches(name, sorted(set(labels)), n=5, cutoff=0.4)
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
