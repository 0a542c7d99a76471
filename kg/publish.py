"""Publishing a build to a SPARQL 1.1 Graph Store Protocol server (``kg publish``).

Each report's facts go to its own named graph (named after its file,
``https://w3id.org/fazhi-kg/id/graph/source/FILE``), the shared nodes
(GB/T regions, the programme scheme) to ``https://w3id.org/fazhi-kg/id/graph/shared``,
each with one HTTP ``PUT`` (which replaces the graph), so publishing again after a
rebuild replaces a report's facts instead of adding to them; with a SPARQL query
endpoint (``prune_with``), the graphs of files no longer in the build are deleted. The
named graphs are
read from the build's ``graph.nq`` (``kg build --nquads``), which is written report
by report, so the file is streamed and only one graph is held in memory at a time.

Works with any GSP server: Oxigraph (``oxigraph serve``, endpoint ``/store``),
Apache Jena Fuseki (``/DATASET/data``), Virtuoso (``/sparql-graph-crud``), GraphDB
(``/repositories/ID/rdf-graphs/service``).
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.errors import KGError

__all__ = ["PublishResult", "graphs", "publish"]

NTRIPLES = "application/n-triples"


@dataclass
class PublishResult:
    graphs: int
    triples: int
    removed: int = 0


def graphs(nq_path: Path) -> Iterator[tuple[str, list[str]]]:
    """(graph IRI, N-Triples lines) for each run of lines of one graph in ``nq_path``."""
    current: str | None = None
    lines: list[str] = []
    with nq_path.open(encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line:
                continue
            body, sep, graph = line[:-2].rpartition(" <")  # "s p o <g> ." -> "s p o", "g>"
            if not sep:
                raise KGError(f"{nq_path}: 不是 N-Quads / not N-Quads: {line[:80]}")
            iri = graph[:-1]
            if iri != current:
                if current is not None:
                    yield current, lines
                current, lines = iri, []
            lines.append(f"{body} .")
    if current is not None:
        yield current, lines


def _request(url: str, *, method: str, data: bytes | None, auth: str | None,
             timeout: float) -> int:
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", f"{NTRIPLES}; charset=utf-8")
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - user's URL
            return int(resp.status)
    except urllib.error.HTTPError as e:
        detail = e.read()[:300].decode("utf-8", "replace")
        raise KGError(f"{method} {url}: HTTP {e.code} {detail}") from e
    except urllib.error.URLError as e:
        raise KGError(f"{url}: 无法连接 / cannot connect: {e.reason}") from e


def graph_url(endpoint: str, graph: str) -> str:
    """The GSP URL of a named graph (indirect identification, ``?graph=``).

    >>> graph_url("http://localhost:7878/store", "https://w3id.org/fazhi-kg/id/report/ab")
    'http://localhost:7878/store?graph=https%3A%2F%2Fw3id.org%2Ffazhi-kg%2Fid%2Freport%2Fab'
    """
    sep = "&" if "?" in endpoint else "?"
    return f"{endpoint}{sep}graph={urllib.parse.quote(graph, safe='')}"


SOURCE_GRAPHS = "https://w3id.org/fazhi-kg/id/graph/source/"
LIST_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


def _remote_graphs(query_endpoint: str, *, auth: str | None, timeout: float) -> set[str]:
    import json

    url = f"{query_endpoint}?" + urllib.parse.urlencode({"query": LIST_GRAPHS})
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - user's URL
            doc = json.load(resp)
    except (urllib.error.URLError, ValueError) as e:
        raise KGError(f"{query_endpoint}: 无法列出命名图 / cannot list graphs: {e}") from e
    return {b["g"]["value"] for b in doc["results"]["bindings"]}


def publish(
    out: Path, endpoint: str, *, auth: str | None = None, timeout: float = 120.0,
    prune_with: str | None = None, progress: Callable[[int], None] | None = None,
) -> PublishResult:
    """PUT every named graph of the build in ``out`` to the GSP ``endpoint``.

    Args:
        out: a build folder made with ``kg build --nquads``.
        endpoint: the server's Graph Store Protocol URL.
        auth: ``user:password`` for HTTP basic authentication, if the server needs it.
        timeout: seconds per request.
        prune_with: the server's SPARQL query URL; when given, report graphs on the
            server whose file is no longer in the build are deleted.

    Raises:
        KGError: no graph.nq in ``out``, the server is unreachable or refuses a graph.
    """
    nq = out / "graph.nq"
    if not nq.is_file():
        raise KGError(f"{nq}: 没有 N-Quads / no graph.nq: build with `kg build --nquads --out {out}`")
    n_graphs = n_triples = 0
    sent: set[str] = set()
    for graph, lines in graphs(nq):
        sent.add(graph)
        body = ("\n".join(lines) + "\n").encode("utf-8")
        _request(graph_url(endpoint, graph), method="PUT", data=body, auth=auth, timeout=timeout)
        n_graphs += 1
        n_triples += len(lines)
        if progress:
            progress(1)
    removed = 0
    if prune_with:
        for graph in sorted(_remote_graphs(prune_with, auth=auth, timeout=timeout) - sent):
            if graph.startswith(SOURCE_GRAPHS):
                _request(graph_url(endpoint, graph), method="DELETE", data=None, auth=auth,
                         timeout=timeout)
                removed += 1
    return PublishResult(graphs=n_graphs, triples=n_triples, removed=removed)
