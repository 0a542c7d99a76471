"""Query a build: SPARQL from Python, the CLI and the HTTP endpoint.

    kg.open(DIR)            → KnowledgeGraph (read-only handle on DIR/store)
    .query(q, **params)     → rows (list of dicts) | bool | triples
    .frame(q, **params)     → pandas DataFrame with nullable typed columns
    .queries()              → the research-query library (kg/queries/*.rq)

``q`` is a library name (``"adoption-table"``), an ``.rq`` path or SPARQL
text; parameters are bound as RDF terms, never pasted into the text.
"""

from __future__ import annotations

from kg.query.api import KnowledgeGraph, open_graph
from kg.query.library import NamedQuery, Param

open = open_graph  # noqa: A001 - the public name is kg.open / kg.query.open

__all__ = ["KnowledgeGraph", "NamedQuery", "Param", "open", "open_graph"]
