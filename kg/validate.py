"""SHACL validation of a built graph against ``ontology/shapes.ttl``.

Runs pyshacl without inference (the shapes are written for the asserted
triples the builder emits) and turns the results graph into one readable line
per violation: ``"<focus node> <path>: <message>"``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

import rdflib
from pyshacl import validate as shacl_validate
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kg.namespaces import PREFIXES
from kg.resources import ontology_dir

__all__ = ["validate"]

SHAPES_FILE = "shapes.ttl"


@lru_cache(maxsize=4)
def _shapes(path: Path) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(path, format="turtle")
    return g


# Longest namespaces first, so fzid: wins over a shorter overlapping prefix.
_DISPLAY = sorted(
    [(prefix, str(ns)) for prefix, ns in PREFIXES.items()] + [("sh", str(SH))],
    key=lambda item: -len(item[1]),
)


def _show(node: Node | None) -> str:
    """A short, human-readable rendering: a CURIE with percent-escapes decoded.

    >>> _show(rdflib.URIRef("https://w3id.org/fazhi-kg/id/agency/%E5%8F%B8%E6%B3%95%E9%83%A8"))
    'fzid:agency/司法部'
    """
    if node is None:
        return "-"
    if isinstance(node, rdflib.URIRef):
        iri = str(node)
        for prefix, ns in _DISPLAY:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{unquote(iri[len(ns):])}"
        return f"<{unquote(iri)}>"
    if isinstance(node, rdflib.BNode):
        return "[]"
    return node.n3()


def _path(results: rdflib.Graph, path: Node | None) -> str:
    if isinstance(path, rdflib.BNode):  # a complex SHACL path, e.g. [ sh:inversePath p ]
        inverse = results.value(path, SH.inversePath)
        if inverse is not None:
            return "^" + _show(inverse)
    return _show(path)


def validate(
    data: rdflib.Graph,
    *,
    shapes: Path | None = None,
    include_warnings: bool = False,
) -> list[str]:
    """Validate ``data`` against the project shapes.

    Args:
        data: the graph to check (not modified).
        shapes: a shapes file; defaults to ``ontology/shapes.ttl``.
        include_warnings: also report results of severity sh:Warning/sh:Info.

    Returns:
        Sorted lines ``"<focus node> <path>: <message>"``; empty when the graph conforms.
    """
    shapes_path = (shapes or ontology_dir() / SHAPES_FILE).resolve()
    _, results, _ = shacl_validate(
        data,
        shacl_graph=_shapes(shapes_path),
        inference="none",
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=True,
        advanced=False,
        meta_shacl=False,
    )
    lines: set[str] = set()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        severity = results.value(result, SH.resultSeverity)
        if severity != SH.Violation and not include_warnings:
            continue
        focus_node = results.value(result, SH.focusNode)
        focus = _show(focus_node)
        path = _path(results, results.value(result, SH.resultPath))
        message = results.value(result, SH.resultMessage)
        text = str(message) if message is not None else "constraint violated"
        value = results.value(result, SH.value)
        if value is not None and value != focus_node and _show(value) not in text:
            text = f"{text} (got {_show(value)})"
        prefix = "" if severity == SH.Violation else f"[{_show(severity)}] "
        lines.add(f"{prefix}{focus} {path}: {text}")
    return sorted(lines)
