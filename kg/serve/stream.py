"""Writing an answer row by row into a bounded sink (memory, then a spool file).

A query worker never holds a whole large answer: rows are serialised as they
come from the engine into a :class:`Sink`, which keeps the first bytes in
memory and moves to a file in the server's spool folder past ``inline`` bytes.
The web process then streams that file to the client in small chunks, so a
slow reader costs a file and a socket, not memory, and the worker is free for
the next query as soon as the answer is written.

Two caps apply: ``max_rows`` (rows or triples) and ``max_bytes`` (the answer's
size). An answer cut at either is still a complete, valid document, and the
cut is reported (``"rows"`` or ``"bytes"``) so the endpoint can say so in its
headers. SPARQL JSON results are serialised by pyoxigraph as they come (no
Python object per term) and cut into rows on the way to the sink; CSV, TSV and XML are
written by pyoxigraph in batches of rows, joined without their repeated
header and footer; RDF answers are serialised by pyoxigraph once, being capped
at ``max_rows`` triples.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

__all__ = ["Sink", "Written", "write_graph", "write_solutions"]

INLINE = 256 * 1024          # answers up to this size travel back through the pipe
BATCH = 512                  # rows per pyoxigraph serialisation for CSV/TSV/XML
_RESULT = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
           "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
_GRAPH = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
          "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}
_XML_OPEN, _XML_CLOSE = b"<results>", b"</results></sparql>"


class Sink:
    """Bytes of one answer: in memory up to ``inline``, then in a file ``path``.

    ``limit`` is the answer's size cap; :meth:`fits` tells whether ``n`` more
    bytes (plus the document's closing ``reserve``) stay within it.
    """

    def __init__(self, path: str, limit: int, inline: int = INLINE) -> None:
        self.path, self.limit, self.inline = path, limit, inline
        self.size = 0
        self._mem = bytearray()
        self._file: Any = None

    def fits(self, n: int, reserve: int = 0) -> bool:
        return self.size + n + reserve <= self.limit

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self._file is None:
            self._mem += data
            if len(self._mem) <= self.inline:
                return
            self._file = open(self.path, "wb")  # noqa: SIM115 - closed in finish()
            data, self._mem = bytes(self._mem), bytearray()
        self._file.write(data)

    def discard(self) -> None:
        """Drop what was written (an error came after the first rows)."""
        self._mem = bytearray()
        if self._file is not None:
            self._file.close()
            self._file = None
            try:
                os.unlink(self.path)
            except OSError:
                pass

    def finish(self) -> tuple[bytes, str]:
        """(the body, "") when it stayed in memory, else (b"", the spool file's path)."""
        if self._file is None:
            return bytes(self._mem), ""
        self._file.close()
        return b"", self.path


@dataclass(frozen=True, slots=True)
class Written:
    """What went into the sink: rows, whether more rows existed, and why it was cut."""

    rows: int
    more: bool          # the answer had rows beyond the ones written
    cut: str            # "" | "rows" | "bytes"


def term_json(term: Any) -> dict[str, Any]:
    """One RDF term in the SPARQL 1.1 Query Results JSON format."""
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
        return {"type": "triple", "value": {"subject": term_json(term.subject),
                                             "predicate": term_json(term.predicate),
                                             "object": term_json(term.object)}}
    raise TypeError(term)


class _Memo:
    """Each distinct term encoded once per answer (answers repeat names, codes, years)."""

    LIMIT = 200_000

    def __init__(self) -> None:
        self.dicts: dict[Any, dict[str, Any]] = {}

    def dict(self, term: Any) -> dict[str, Any]:
        d = self.dicts.get(term)
        if d is None:
            if len(self.dicts) > self.LIMIT:
                self.dicts.clear()
            d = self.dicts[term] = term_json(term)
        return d


def _solutions(result: ox.QuerySolutions, limit: int) -> Iterator[Any]:
    """At most ``limit`` solutions; a final None if more existed."""
    for i, sol in enumerate(result):
        if i >= limit:
            yield None
            return
        yield sol


def _rows(result: ox.QuerySolutions, names: list[str], limit: int) -> Iterator[dict[str, Any] | None]:
    """Bindings as JSON dicts, at most ``limit``; a final None if more rows existed."""
    memo = _Memo()
    for sol in _solutions(result, limit):
        yield None if sol is None else {n: memo.dict(t) for n, t in zip(names, sol) if t is not None}


def write_solutions(result: ox.QuerySolutions, fmt: str, sink: Sink, limit: int) -> Written:
    """Write SELECT solutions (at most ``limit`` rows) to ``sink`` in ``fmt``."""
    names = [v.value for v in result.variables]
    if fmt == "json":
        return _write_json_native(result, names, sink, limit)
    return _write_batched(_rows(result, names, limit), names, fmt, sink)


_STRING = rb'"(?:[^"\\]++|\\.)*+"'


def _object(depth: int) -> bytes:
    """A JSON object nested at most ``depth`` deep, its strings read as strings."""
    pattern = rb'\{(?:[^{}"]++|' + _STRING + rb')*+\}'
    for _ in range(depth - 1):
        pattern = rb'\{(?:[^{}"]++|' + _STRING + rb'|' + pattern + rb')*+\}'
    return pattern


_HEAD = re.compile(rb'\{"head":\{"vars":\[[^\]]*\]\},"results":\{"bindings":\[')
_ROW = re.compile(rb',?' + _object(8))  # a row, its terms, triple terms nested three deep
_END = b"]}}"


class _Stop(Exception):
    """The answer is cut: stop pyoxigraph's serialiser."""


class _JsonRows:
    """The output pyoxigraph's SPARQL JSON serialiser writes into: it cuts the bytes into
    rows and passes whole rows to ``sink``, at most ``limit`` and within its size cap.

    Rows are found without parsing: between two rows that bind something, the bytes
    ``},{"name":{"type":`` (``name`` a projected variable) can only be a row boundary,
    since a string holds no bare quote. Where ``{}`` occurs (a row binding nothing, or
    those characters in a value), rows are matched one by one, strings read as strings.
    """

    def __init__(self, names: list[str], sink: Sink, limit: int) -> None:
        keys = b"|".join(re.escape(json.dumps(n, ensure_ascii=False).encode()) for n in names)
        self._next = re.compile(rb'\},\{(?:' + (keys or rb'(?!)') + rb'):\{"type":')
        self.sink, self.limit = sink, limit
        self.buf = bytearray()
        self.head = False
        self.rows, self.more, self.cut = 0, False, ""

    def write(self, data: bytes) -> int:
        self.buf += data
        if not self.head:
            m = _HEAD.match(self.buf)
            if m is None:
                return len(data)
            self.sink.write(bytes(self.buf[:m.end()]))
            del self.buf[:m.end()]
            self.head = True
        self._rows(self._ends())
        if self.sink.size + len(self.buf) > self.sink.limit:  # the next row cannot fit: cut now
            self.more, self.cut = True, "bytes"
            raise _Stop
        return len(data)

    def flush(self) -> None:
        return None

    def _ends(self) -> list[int]:
        """Where the complete rows at the start of the buffer end."""
        buf = self.buf
        if b"{}" not in buf:
            return [m.start() + 1 for m in self._next.finditer(buf)]
        ends, at = [], 0
        while (m := _ROW.match(buf, at)) is not None and m.end() < len(buf):
            ends.append(at := m.end())  # complete: something follows it
        return ends

    def _rows(self, ends: list[int]) -> None:
        """Write the rows that end at ``ends`` (as far as the caps let them) and keep the rest."""
        if not ends:
            return
        room = self.limit - self.rows
        more = len(ends) > room
        take = ends[:room] if more else ends
        n = len(take)
        if take and not self.sink.fits(take[-1], len(_END)):
            n = next(i for i, end in enumerate(take) if not self.sink.fits(end, len(_END)))
            more, self.cut = True, "bytes"
        elif more:
            self.cut = "rows"
        cut_at = take[n - 1] if n else 0
        if cut_at:
            self.sink.write(bytes(self.buf[:cut_at]))
            del self.buf[:cut_at]
        self.rows += n
        if more:
            self.more = True
            raise _Stop

    def close(self) -> Written:
        """Write the last row (the serialiser has finished) and the closing brackets."""
        if not self.more:
            last = len(self.buf) - len(_END)
            if not self.head or not self.buf.endswith(_END) or (
                    last and b"{}" in self.buf and not _ROW.fullmatch(self.buf, 0, last)):
                raise ValueError("pyoxigraph wrote SPARQL JSON this writer cannot read")
            if last:
                try:
                    self._rows([last])
                except _Stop:
                    pass
        self.sink.write(_END)
        return Written(self.rows, self.more, self.cut)


def _write_json_native(result: ox.QuerySolutions, names: list[str], sink: Sink,
                       limit: int) -> Written:
    out = _JsonRows(names, sink, limit)
    try:
        result.serialize(out, format=ox.QueryResultsFormat.JSON)
    except (_Stop, OSError):  # pyoxigraph may report what the output raised as OSError
        if not out.more:
            raise
    return out.close()


def _serialize(names: list[str], bindings: list[dict[str, Any]], fmt: str) -> bytes:
    doc = json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}}, ensure_ascii=False)
    parsed = ox.parse_query_results(doc.encode("utf-8"), format=ox.QueryResultsFormat.JSON)
    return parsed.serialize(format=_RESULT[fmt])


def _split(doc: bytes, fmt: str) -> tuple[bytes, bytes, bytes]:
    """(header, rows, footer) of one serialised batch."""
    if fmt == "xml":
        a = doc.index(_XML_OPEN) + len(_XML_OPEN)
        b = doc.rindex(_XML_CLOSE)
        return doc[:a], doc[a:b], doc[b:]
    a = doc.index(b"\n") + 1
    return doc[:a], doc[a:], b""


def _write_batched(rows: Iterator[dict[str, Any] | None], names: list[str], fmt: str,
                   sink: Sink) -> Written:
    header, _, footer = _split(_serialize(names, [], fmt), fmt)
    sink.write(header)
    n, more, cut, batch = 0, False, "", []

    def flush(bindings: list[dict[str, Any]]) -> bool:
        nonlocal n
        body = _split(_serialize(names, bindings, fmt), fmt)[1]
        if sink.fits(len(body), len(footer)):
            sink.write(body)
            n += len(bindings)
            return True
        for one in bindings:  # the batch that crosses the cap: row by row up to it
            body = _split(_serialize(names, [one], fmt), fmt)[1]
            if not sink.fits(len(body), len(footer)):
                return False
            sink.write(body)
            n += 1
        return True

    for row in rows:
        if row is None:
            more, cut = True, "rows"
            break
        batch.append(row)
        if len(batch) == BATCH:
            if not flush(batch):
                more, cut, batch = True, "bytes", []
                break
            batch = []
    if batch and not flush(batch):
        more, cut = True, "bytes"
    sink.write(footer)
    return Written(n, more, cut)


def write_graph(triples: ox.QueryTriples, fmt: str, sink: Sink, limit: int,
                prefixes: dict[str, str] | None = None) -> Written:
    """Write CONSTRUCT/DESCRIBE triples (at most ``limit``) to ``sink`` in ``fmt``."""
    kept: list[ox.Triple] = []
    more = False
    for i, t in enumerate(triples):
        if i >= limit:
            more = True
            break
        kept.append(t)
    cut = "rows" if more else ""
    target = _GRAPH[fmt]
    use = prefixes if target == ox.RdfFormat.TURTLE else None
    while True:
        body = ox.serialize(kept, format=target, prefixes=use) or b""
        if sink.fits(len(body)) or not kept:
            break
        kept, more, cut = kept[: len(kept) // 2], True, "bytes"
    if sink.fits(len(body)):
        sink.write(body)
    return Written(len(kept), more, cut)


def remove_spool(folder: str, pid: int) -> None:
    """Remove the spool files a (killed) worker ``pid`` left in ``folder``."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(f"{pid}-"):
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass
