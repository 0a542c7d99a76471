"""RDF exports: compact JSON-LD with a context; N-Quads / TriG with one named graph per report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.namespaces import PREFIXES

__all__ = ["CONTEXT", "dataset_quads", "jsonld_document", "write_jsonld", "write_quads"]

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
FZ = str(PREFIXES["fz"])
# Longest namespace first, so fzid: wins over a shorter prefix of the same IRI.
_NS = sorted(((k, str(v)) for k, v in PREFIXES.items()), key=lambda kv: -len(kv[1]))
CONTEXT: dict[str, str] = {k: str(v) for k, v in sorted(PREFIXES.items())}


def compact(iri: str) -> str:
    """``prefix:local`` for an IRI in a known namespace, else the IRI unchanged.

    >>> compact("https://w3id.org/fazhi-kg/ontology#Region")
    'fz:Region'
    >>> compact("http://example.org/x")
    'http://example.org/x'
    """
    for prefix, ns in _NS:
        if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns) :].startswith("//"):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def _compact_node(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, values in node.items():
        if key == "@id":
            out["@id"] = compact(values)
        elif key == RDF_TYPE and all("@id" in v for v in values):
            out["@type"] = [compact(v["@id"]) for v in values]
        else:
            out[compact(key)] = [_compact_value(v) for v in values]
    return out


def _compact_value(value: dict[str, Any]) -> dict[str, Any]:
    if "@id" in value:
        return {"@id": compact(value["@id"])}
    if "@type" in value:
        return {**value, "@type": compact(value["@type"])}
    return value


def jsonld_document(store: ox.Store) -> dict[str, Any]:
    """The default graph as a JSON-LD 1.1 document: ``@context`` (prefixes) + ``@graph``.

    Oxigraph writes expanded JSON-LD; IRIs are then shortened to compact IRIs
    with the context's prefixes, which any JSON-LD processor expands back.
    """
    expanded = json.loads(
        ox.serialize(
            store.quads_for_pattern(None, None, None, ox.DefaultGraph()),
            format=ox.RdfFormat.JSON_LD,
        )
    )
    nodes = expanded if isinstance(expanded, list) else expanded.get("@graph", [expanded])
    graph = sorted((_compact_node(n) for n in nodes), key=lambda n: n.get("@id", ""))
    return {"@context": CONTEXT, "@graph": graph}


def write_jsonld(store: ox.Store, path: Path) -> None:
    """Write :func:`jsonld_document` as UTF-8 JSON (one node per line, for diffs)."""
    doc = jsonld_document(store)
    lines = [json.dumps(n, ensure_ascii=False, sort_keys=True) for n in doc["@graph"]]
    text = (
        '{"@context": '
        + json.dumps(doc["@context"], ensure_ascii=False, indent=1)
        + ',\n"@graph": [\n'
        + ",\n".join(lines)
        + "\n]}\n"
    )
    path.write_text(text, encoding="utf-8")


def dataset_quads(store: ox.Store) -> list[ox.Quad]:
    """Every triple placed in a graph: its report's named graph, or the default graph.

    A triple goes to report R's graph when its subject is R, or an
    ``fz:Implementation`` derived from R (``prov:wasDerivedFrom``). Everything
    else (regions, programmes, themes, agencies, documents) is shared and stays
    in the default graph. Sorted, so the files are diffable.
    """
    reports = {
        q.subject
        for q in store.quads_for_pattern(
            None, ox.NamedNode(RDF_TYPE), ox.NamedNode(f"{FZ}Report"), ox.DefaultGraph()
        )
    }
    home: dict[Any, Any] = {r: r for r in reports}
    for q in store.quads_for_pattern(None, ox.NamedNode(PROV_DERIVED), None, ox.DefaultGraph()):
        if q.object in reports and (
            q.subject not in home or q.object.value < home[q.subject].value
        ):
            home[q.subject] = q.object
    quads = [
        ox.Quad(q.subject, q.predicate, q.object, home.get(q.subject, ox.DefaultGraph()))
        for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    ]
    return sorted(quads, key=str)


def write_quads(store: ox.Store, path: Path, *, fmt: ox.RdfFormat) -> None:
    """Write :func:`dataset_quads` as N-Quads or TriG."""
    quads = dataset_quads(store)
    prefixes = {k: str(v) for k, v in PREFIXES.items()} if fmt == ox.RdfFormat.TRIG else None
    path.write_bytes(
        ox.serialize(quads, format=fmt, **({"prefixes": prefixes} if prefixes else {}))
    )
