"""A query worker: a separate process that owns a read-only store handle.

pyoxigraph cannot interrupt a running query, so the only sound way to enforce
a time limit is to run each query in a process that can be killed at the
deadline (see :mod:`kg.serve.pool`). A worker answers one job at a time and
sends back the serialised bytes, never pyoxigraph objects.

The worker follows the live build: before each job it resolves ``out/store``
again (a few system calls) and, when ``kg build`` has swapped in a new build
(see :mod:`kg.store`), opens the new store and lets go of the old one. A job
already running keeps the handle it started with, so a rebuild never fails a
query in flight; the next job sees the new build.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import KGError
from kg.query import engine
from kg.query.sparql import QueryRefused

__all__ = ["Job", "LiveStore", "Reply", "answer", "main"]


@dataclass(frozen=True, slots=True)
class Job:
    """What to run: SPARQL text (or a library name), parameters, dataset, format, cap."""

    query: str
    params: dict[str, str] = field(default_factory=dict)
    named: bool = False                # query is a library name (else always SPARQL text)
    default_graph: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    result_format: str = "json"        # json | xml | csv | tsv
    graph_format: str = "ttl"          # ttl | nt | jsonld | rdfxml
    max_rows: int = 10_000


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer: HTTP status, media type, body, and whether rows were cut at the cap."""

    status: int
    media_type: str
    body: bytes
    truncated: bool = False
    rows: int = 0
    build: str = ""                    # the build that answered (its folder name)


def _term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                             "predicate": _term_json(term.predicate),
                                             "object": _term_json(term.object)}}
    raise TypeError(term)


_RESULT = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
           "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
_GRAPH = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
          "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}


def _media(fmt: ox.QueryResultsFormat | ox.RdfFormat) -> str:
    media = fmt.media_type
    return media if "charset" in media else f"{media}; charset=utf-8"


def answer(store: ox.Store, job: Job) -> Reply:
    """Run one job against ``store`` (pure apart from reading the store)."""
    try:
        prepared = engine.prepare(job.query, job.params, text_only=not job.named)
        result = engine.execute(
            store, prepared,
            default_graph=[ox.NamedNode(g) for g in job.default_graph] or None,
            named_graphs=[ox.NamedNode(g) for g in job.named_graphs] or None,
        )
        if isinstance(result, ox.QueryBoolean):
            doc = {"head": {}, "boolean": bool(result)}
            return _results(doc, job.result_format, rows=1)
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            bindings, truncated = [], False
            for i, sol in enumerate(result):
                if i >= job.max_rows:
                    truncated = True
                    break
                bindings.append({n: _term_json(sol[n]) for n in names if sol[n] is not None})
            doc = {"head": {"vars": names}, "results": {"bindings": bindings}}
            return _results(doc, job.result_format, rows=len(bindings), truncated=truncated)
        triples, truncated = [], False
        for i, t in enumerate(result):
            if i >= job.max_rows:
                truncated = True
                break
            triples.append(t)
        fmt = _GRAPH[job.graph_format]
        body = ox.serialize(triples, format=fmt,
                            prefixes=engine.PREFIX_MAP if fmt == ox.RdfFormat.TURTLE else None) or b""
        return Reply(200, _media(fmt), body, truncated, len(triples))
    except MemoryError:
        return Reply(503, "text/plain; charset=utf-8",
                     "查询超出内存上限,已中止 / query stopped: it exceeded the worker's memory budget\n".encode())
    except QueryRefused as e:
        return Reply(403, "text/plain; charset=utf-8", f"{e}\n".encode())
    except KGError as e:
        return Reply(400, "text/plain; charset=utf-8", f"{e}\n".encode())
    except (OSError, RuntimeError, ValueError) as e:
        msg = f"查询失败 / query failed: {' '.join(str(e).split())}\n"
        return Reply(500, "text/plain; charset=utf-8", msg.encode())


def _results(doc: dict[str, Any], fmt: str, *, rows: int, truncated: bool = False) -> Reply:
    data = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    if fmt == "json":
        return Reply(200, _media(ox.QueryResultsFormat.JSON), data, truncated, rows)
    parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    target = _RESULT[fmt]
    return Reply(200, _media(target), parsed.serialize(format=target), truncated, rows)


class LiveStore:
    """A read-only handle on the store behind ``path`` that follows build swaps.

    ``path`` is ``out/store`` (a symlink into the live build, or a plain folder);
    :meth:`get` re-resolves it and reopens the store when it now names another
    folder. If the new store cannot be opened yet, the old handle is kept.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._key = self._identity()
        self.store = ox.Store.read_only(self._key[0])

    def _identity(self) -> tuple[str, int, int]:
        resolved = os.path.realpath(self.path)
        st = os.stat(resolved)
        return resolved, st.st_dev, st.st_ino

    @property
    def build(self) -> str:
        """The name of the build folder being read (``store``'s parent)."""
        return Path(self._key[0]).parent.name

    def get(self) -> ox.Store:
        """The store of the live build, reopened if a new build was swapped in."""
        try:
            key = self._identity()
        except OSError:  # mid-swap on a system without symlinks: keep the old handle
            return self.store
        if key != self._key:
            try:
                store = ox.Store.read_only(key[0])
            except OSError:
                return self.store
            self.store, self._key = store, key
        return self.store


MEMORY_MB = 1024  # a worker's memory budget above what it holds once the store is open


def limit_memory(budget_mb: int) -> int | None:
    """Cap this process's address space at its present size plus ``budget_mb`` MiB
    (``RLIMIT_AS``); the cap in bytes, or None where it cannot be set.

    A query past the cap fails its allocation: pyoxigraph (Rust) then aborts the
    worker, which the pool replaces; Python code gets a MemoryError."""
    try:
        import resource

        with open("/proc/self/status", encoding="ascii") as f:
            vm = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
        cap = vm + budget_mb * 2**20
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        return cap
    except (ImportError, OSError, StopIteration, ValueError):  # not Linux: no cap
        return None


def main(store_path: str, conn: Connection, memory_mb: int = MEMORY_MB) -> None:
    """Worker loop: open the store read-only, then answer jobs until the pipe closes.

    ``store_path`` is ``out/store``; the build behind it is looked up again for
    every job (see :class:`LiveStore`). The worker's memory is capped at what it
    holds with the store open plus ``memory_mb`` (0: no cap).
    """
    live = LiveStore(store_path)
    if memory_mb:
        limit_memory(memory_mb)
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        store = live.get()
        reply = answer(store, job)
        conn.send(Reply(reply.status, reply.media_type, reply.body, reply.truncated, reply.rows,
                        live.build))
