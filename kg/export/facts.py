"""Load the facts exports and analytics start from: five typed tables out of a build's store.

The SPARQL lives in ``kg/export/queries/*.rq``; this module only runs it and
types the columns. Every table is a pandas DataFrame with a fixed set of
columns (see :data:`COLUMNS`), so downstream code never meets a missing column,
even on an empty graph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd
import pyoxigraph as ox

from kg.namespaces import PREFIXES

__all__ = ["COLUMNS", "Facts", "load_facts", "wkt_point"]

PREFIX_MAP = {k: str(v) for k, v in PREFIXES.items()}
_POINT = re.compile(r"POINT\s*\(\s*([-0-9.eE]+)\s+([-0-9.eE]+)\s*\)")

# Column order of each table (the dtype follows in :func:`_typed`).
COLUMNS: dict[str, tuple[str, ...]] = {
    "implementations": (
        "imp",
        "region",
        "programme",
        "year",
        "planned",
        "evidence",
        "report",
        "agency",
    ),
    "regions": ("region", "name", "level", "code", "parent", "lon", "lat", "approximate"),
    "programmes": (
        "programme", "label", "curated", "theme", "theme_id", "theme_zh", "theme_en", "scope_note",
    ),
    "reports": ("report", "source", "year", "issued", "about", "title", "kind"),
    "documents": ("document", "title", "level"),
}
_INT = {"year"}
_BOOL = {"planned", "curated", "approximate"}
_FLOAT = {"lon", "lat"}


@dataclass(frozen=True)
class Facts:
    """The graph's facts as tables (IRIs as strings, years as integers).

    Attributes:
        implementations: one row per ``fz:Implementation`` (planned ones included).
        regions: one row per ``fz:Region``, with its parent IRI and point.
        programmes: one row per ``fz:Programme``, with its theme.
        reports: one row per report (several sources of one report joined by ``; ``), ``kind``
            the local name of its ``fz:documentKind`` (``GovernmentReport`` …) or empty.
        documents: one row per cited ``fz:PolicyDocument``.
    """

    implementations: pd.DataFrame
    regions: pd.DataFrame
    programmes: pd.DataFrame
    reports: pd.DataFrame
    documents: pd.DataFrame


def wkt_point(wkt: str | None) -> tuple[float | None, float | None]:
    """(lon, lat) of a WKT ``POINT``, else (None, None).

    >>> wkt_point("POINT(118.376 31.338)")
    (118.376, 31.338)
    """
    m = _POINT.search(wkt or "")
    return (float(m[1]), float(m[2])) if m else (None, None)


def _value(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> str | None:
    return None if term is None else term.value


def _select(store: ox.Store, name: str) -> list[dict[str, str | None]]:
    text = (resources.files("kg.export") / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    result = store.query(text, prefixes=PREFIX_MAP)
    names = [v.value for v in result.variables]
    return [{n: _value(sol[n]) for n in names} for sol in result]


def _typed(rows: list[dict[str, object]], table: str) -> pd.DataFrame:
    cols = COLUMNS[table]
    frame = pd.DataFrame(rows, columns=list(cols))
    out = {}
    for c in cols:
        s = frame[c]
        if c in _INT:
            out[c] = pd.to_numeric(s, errors="coerce").astype("Int64")
        elif c in _BOOL:
            out[c] = s.map(
                lambda v: None if v is None or v is pd.NA else str(v).lower() in ("true", "1")
            ).astype("boolean")
        elif c in _FLOAT:
            out[c] = pd.to_numeric(s, errors="coerce").astype("float64")
        else:
            out[c] = s.astype("string")
    return pd.DataFrame(out, columns=list(cols))


def _regions(rows: list[dict[str, str | None]]) -> list[dict[str, object]]:
    by_iri: dict[str, dict[str, object]] = {}
    for r in rows:
        lon, lat = wkt_point(r.pop("wkt"))
        row = by_iri.setdefault(r["region"] or "", {**r, "lon": lon, "lat": lat})
        for k, v in r.items():  # a second point or label never overwrites the first
            if row.get(k) is None and v is not None:
                row[k] = v
    return list(by_iri.values())


def _programmes(rows: list[dict[str, str | None]]) -> list[dict[str, object]]:
    by_iri: dict[str, dict[str, object]] = {}
    for r in sorted(rows, key=lambda r: tuple(v or "" for v in r.values())):
        theme = r["theme"]
        row = by_iri.setdefault(
            r["programme"] or "",
            {
                **r,
                "theme_id": theme.rsplit("/", 1)[-1] if theme else None,
                # a programme without fz:curated is treated as curated only if it has a theme
                "curated": r["curated"] if r["curated"] is not None else theme is not None,
            },
        )
        for k in ("label", "theme_zh", "theme_en", "scope_note"):
            if row.get(k) is None and r[k] is not None:
                row[k] = r[k]
    return list(by_iri.values())


def _reports(rows: list[dict[str, str | None]]) -> list[dict[str, object]]:
    by_iri: dict[str, dict[str, object]] = {}
    sources: dict[str, set[str]] = {}
    for r in rows:
        iri = r["report"] or ""
        sources.setdefault(iri, set()).update([r["source"]] if r["source"] else [])
        row = by_iri.setdefault(iri, dict(r))
        for k, v in r.items():
            if row.get(k) is None and v is not None:
                row[k] = v
    for iri, row in by_iri.items():
        row["source"] = "; ".join(sorted(sources[iri])) or None
        kind = row.get("kind")
        row["kind"] = kind.rsplit("#", 1)[-1] if isinstance(kind, str) else None
    return list(by_iri.values())


def load_facts(source: Path | str | ox.Store) -> Facts:
    """The five fact tables of a build folder (its ``store/``) or of an open store.

    Args:
        source: a build folder (``kg build --out DIR``) or a ``pyoxigraph.Store``.

    Raises:
        kg.errors.KGError: ``source`` is a folder without a store.
    """
    if isinstance(source, ox.Store):
        store = source
    else:
        from kg.store import open_store

        store = open_store(Path(source))
    imps = _typed(_select(store, "implementations"), "implementations")
    imps = imps.assign(planned=imps["planned"].fillna(False)).sort_values(
        ["region", "programme", "year", "report", "imp"], ignore_index=True
    )
    return Facts(
        implementations=imps,
        regions=_typed(_regions(_select(store, "regions")), "regions").sort_values(
            "region", ignore_index=True
        ),
        programmes=_typed(_programmes(_select(store, "programmes")), "programmes").sort_values(
            "programme", ignore_index=True
        ),
        reports=_typed(_reports(_select(store, "reports")), "reports").sort_values(
            "report", ignore_index=True
        ),
        documents=_typed(_select(store, "documents"), "documents")
        .drop_duplicates("document")
        .sort_values("document", ignore_index=True),
    )
