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

import itertools
import json
import os
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import KGError
from kg.query import engine, paging
from kg.query.sparql import QueryRefused
from kg.serve.negotiate import choose
from kg.serve.stream import _GRAPH, _RESULT, INLINE, Sink, write_graph, write_solutions

__all__ = ["Job", "LiveStore", "Reply", "answer", "main"]


@dataclass(frozen=True, slots=True)
class Job:
    """What to run: SPARQL text (or a library name), parameters, dataset, format, caps, page."""

    query: str
    params: dict[str, str] = field(default_factory=dict)
    named: bool = False                # query is a library name (else always SPARQL text)
    default_graph: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    accept: str | None = None          # the request's Accept header
    explicit: str | None = None        # a format= / output= parameter (wins over Accept)
    max_rows: int = 10_000
    max_bytes: int = 64 * 2**20
    page_size: int = 0                 # 0: no paging (rows up to max_rows)
    cursor: str = ""                   # continuation of an earlier page


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer: HTTP status, media type, body (or the spool file holding it), caps hit."""

    status: int
    media_type: str
    body: bytes
    truncated: str = ""                # "" | "rows" | "bytes": why the answer was cut
    rows: int = 0
    build: str = ""                    # the build that answered (its folder name)
    spool: str = ""                    # a file holding the body (then body is empty)
    next_cursor: str = ""              # the next page's cursor, when paging and rows remain
    page_size: int = 0
    unknown: str = ""                  # X-KG-Unknown-Names: names of an empty answer matching nothing


_TEXT = "text/plain; charset=utf-8"


def _media(fmt: ox.QueryResultsFormat | ox.RdfFormat) -> str:
    media = fmt.media_type
    return media if "charset" in media else f"{media}; charset=utf-8"


def _error(status: int, message: str) -> Reply:
    return Reply(status, _TEXT, f"{message.rstrip()}\n".encode())


def _not_acceptable(graph: bool) -> Reply:
    offer = ("text/turtle, application/n-triples, application/ld+json, application/rdf+xml" if graph
             else "application/sparql-results+json, application/sparql-results+xml, text/csv, "
                  "text/tab-separated-values")
    kind = "CONSTRUCT/DESCRIBE" if graph else "SELECT/ASK"
    return _error(406, f"无可接受的格式 / no acceptable format: a {kind} answer comes as {offer}")


def _page(job: Job, prepared: engine.Prepared, build: str) -> tuple[engine.Prepared, int, int]:
    """(the query to run, rows to write, offset) for a paged job."""
    text, size, offset = paging.plan(prepared.text, job.page_size, job.cursor,
                                     paging.digest(job.query, job.params), build, max_rows=job.max_rows)
    return engine.Prepared(prepared.form, text, prepared.source), size, offset


def _run(store: ox.Store, job: Job, build: str, sink: Sink) -> Reply:
    prepared = engine.prepare(job.query, job.params, text_only=not job.named)
    graph = prepared.form in ("CONSTRUCT", "DESCRIBE")
    fmt = choose(job.accept, graph=graph, explicit=job.explicit)
    if fmt is None:
        return _not_acceptable(graph)
    limit, offset, paged = job.max_rows, 0, bool(job.page_size or job.cursor)
    if paged:
        if prepared.form != "SELECT":
            return _error(400, "分页只适用于 SELECT 查询 / paging (page-size, cursor) applies to "
                               f"SELECT queries only, not {prepared.form}")
        prepared, limit, offset = _page(job, prepared, build)
    result = engine.execute(store, prepared,
                            default_graph=[ox.NamedNode(g) for g in job.default_graph] or None,
                            named_graphs=[ox.NamedNode(g) for g in job.named_graphs] or None)
    if isinstance(result, ox.QueryBoolean):
        result = ox.parse_query_results(json.dumps({"head": {}, "boolean": bool(result)}).encode(),
                                        format=ox.QueryResultsFormat.JSON)
        sink.write(result.serialize(format=_RESULT[fmt]))
        return Reply(200, _media(_RESULT[fmt]), b"", rows=1)
    if isinstance(result, ox.QuerySolutions):
        written = write_solutions(result, fmt, sink, limit)
        media = _media(_RESULT[fmt])
    else:
        written = write_graph(result, fmt, sink, limit, engine.PREFIX_MAP)
        media = _media(_GRAPH[fmt])
    nxt = ""
    if paged and written.more:
        nxt = paging.Cursor(offset + written.rows, limit, build, paging.digest(job.query, job.params)).encode()
    cut = "" if paged and written.cut == "rows" else written.cut
    unknown = ""
    if written.rows == 0 and prepared.source is not None and not offset:
        from kg.names import header_value, unknown_names

        unknown = header_value(unknown_names(store, [p.name for p in prepared.source.params], job.params))
    return Reply(200, media, b"", cut, written.rows, next_cursor=nxt, page_size=limit if paged else 0,
                 unknown=unknown)


def answer(store: ox.Store, job: Job, *, build: str = "", spool: str = "") -> Reply:
    """Run one job against ``store``; the body is in the reply or in the file ``spool``."""
    sink = Sink(spool or os.devnull, job.max_bytes, inline=INLINE if spool else job.max_bytes)
    try:
        reply = _run(store, job, build, sink)
    except MemoryError:
        reply = _error(503, "查询超出内存上限,已中止 / query stopped: it exceeded the worker's memory budget")
    except paging.CursorStale as e:
        reply = _error(409, str(e))
    except QueryRefused as e:
        reply = _error(403, str(e))
    except KGError as e:
        reply = _error(400, str(e))
    except (OSError, RuntimeError, ValueError) as e:
        reply = _error(500, f"查询失败 / query failed: {' '.join(str(e).split())}")
    if reply.status != 200:
        sink.discard()
        return reply
    body, path = sink.finish()
    return Reply(reply.status, reply.media_type, body, reply.truncated, reply.rows, build, path,
                 reply.next_cursor, reply.page_size, reply.unknown)


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


def main(store_path: str, conn: Connection, memory_mb: int = MEMORY_MB, spool: str = "") -> None:
    """Worker loop: open the store read-only, then answer jobs until the pipe closes.

    ``store_path`` is ``out/store``; the build behind it is looked up again for
    every job (see :class:`LiveStore`). The worker's memory is capped at what it
    holds with the store open plus ``memory_mb`` (0: no cap). Answers larger than
    :data:`kg.serve.stream.INLINE` are written to ``spool/PID-N`` (the web process
    streams and removes them); without ``spool`` they come back whole.
    """
    live = LiveStore(store_path)
    if memory_mb:
        limit_memory(memory_mb)
    conn.send("ready")
    for n in itertools.count():
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        store = live.get()
        path = os.path.join(spool, f"{os.getpid()}-{n}") if spool else ""
        conn.send(answer(store, job, build=live.build, spool=path))
