"""Writing answers for people and programs: aligned tables, CSV/TSV/JSON, RDF.

Tables are aligned by display width (a CJK character takes two columns, via
``wcwidth``); everything else is a standard serialisation written by
pyoxigraph (SPARQL 1.1 Query Results JSON/CSV/TSV, Turtle, N-Triples,
JSON-LD, RDF/XML), so other tools read it without surprises.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox
from wcwidth import wcswidth

from kg.query.engine import PREFIX_MAP

__all__ = ["RDF_FORMATS", "RESULT_FORMATS", "cell", "compact", "render_table", "serialize"]

RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV, "xml": ox.QueryResultsFormat.XML,
}
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
# longest namespace first, so fzid: wins over a shorter prefix of it
_BY_LENGTH = sorted(PREFIX_MAP.items(), key=lambda kv: -len(kv[1]))


def compact(iri: str) -> str:
    """A readable short form of an IRI: prefixed and percent-decoded.

    >>> compact("https://w3id.org/fazhi-kg/id/programme/%E6%9E%AB%E6%A1%A5%E7%BB%8F%E9%AA%8C")
    'fzid:programme/枫桥经验'
    """
    for prefix, ns in _BY_LENGTH:
        if iri.startswith(ns):
            return f"{prefix}:{unquote(iri[len(ns):])}"
    return f"<{iri}>"


def cell(term: Any) -> str:
    """How one RDF term is shown in a table cell (one line)."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        text = compact(term.value)
    elif isinstance(term, ox.Literal):
        text = term.value
    elif isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    else:
        text = str(term)
    return " ".join(text.split()) if ("\n" in text or "\r" in text or "\t" in text) else text


def _width(text: str) -> int:
    w = wcswidth(text)
    return w if w >= 0 else len(text)  # control characters: count code points


def _clip(text: str, limit: int | None) -> str:
    if limit is None or _width(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        w = max(_width(ch), 0)
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def render_table(columns: Sequence[str], rows: Iterable[Sequence[str]], *,
                 max_width: int | None = None) -> str:
    """An aligned plain-text table; ``max_width`` clips long cells with "…".

    >>> print(render_table(["地区", "n"], [["慈溪市", "1"], ["余杭区", "12"]]))
    地区    n
    ------  --
    慈溪市  1
    余杭区  12
    """
    body = [[_clip(c, max_width) for c in r] for r in rows]
    widths = [max([_width(c)] + [_width(r[i]) for r in body]) for i, c in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line(columns), line(["-" * w for w in widths])] + [line(r) for r in body])


def serialize(result: Any, fmt: str) -> bytes:
    """A pyoxigraph result in a named format (json, csv, tsv, xml; ttl, nt, jsonld, rdfxml)."""
    if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
        return result.serialize(format=RESULT_FORMATS[fmt])
    return ox.serialize(result, format=RDF_FORMATS[fmt],
                        prefixes=PREFIX_MAP if fmt == "ttl" else None) or b""
