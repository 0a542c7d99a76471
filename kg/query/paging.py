"""Pages of a SELECT answer: a LIMIT/OFFSET window on a total ORDER BY, and a cursor.

A bulk answer (tens of thousands of rows) is read page by page: :func:`window`
rewrites the query's solution modifiers so that it returns rows
``offset … offset + size`` only, and makes its ORDER BY total by appending every
projected variable as a tie-breaker (so the same build gives the same pages in
every process, whatever order the engine's hash tables produce). The query's
own ``ORDER BY``, ``LIMIT`` and ``OFFSET`` are kept: the window is taken inside
them. :class:`Cursor` is the continuation handed to the client: the next offset,
the page size, the build that answered and a digest of the query, so a cursor
is refused for another query or after a rebuild instead of silently skipping or
repeating rows.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kg.errors import QueryError
from kg.query.sparql import Token, _keyword, _matching, _where_opens, query_form, tokens

__all__ = ["Cursor", "CursorStale", "MAX_PAGE", "digest", "plan", "projection", "window"]

MAX_PAGE = 100_000  # rows per page at most, whatever the caller asks
_NUMBER = re.compile(r"\s*(\d+)")
_MODIFIERS = {"GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"}


def projection(toks: list[Token]) -> list[str]:
    """The variables a SELECT query projects (``?x``, ``(… AS ?y)``), or every
    variable of the text for ``SELECT *``; in order, without repeats."""
    start = next(k for k, t in enumerate(toks) if _keyword(t) == "SELECT")
    out: list[str] = []
    depth, star = 0, False
    for k in range(start + 1, len(toks)):
        t = toks[k]
        if depth == 0 and (t.text == "{" or _keyword(t) in ("WHERE", "FROM")):
            break
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif t.text == "*" and depth == 0:
            star = True
        elif t.kind == "var" and (depth == 0 or _keyword(toks[k - 1]) == "AS"):
            out.append(t.text)
    if star:
        out = [t.text for t in toks if t.kind == "var"]
    return list(dict.fromkeys("?" + v[1:] for v in out))


def _integer(text: str, at: int, word: str) -> re.Match[str]:
    m = _NUMBER.match(text, at)
    if m is None:
        raise QueryError(f"{word} 后须为整数 / {word} needs a whole number")
    return m


def window(text: str, size: int, offset: int = 0) -> str:
    """``text`` (a SELECT query) returning rows ``offset … offset + size`` of its answer.

    >>> window("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?o", 10, 20)
    'SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?o ?s LIMIT 10 OFFSET 20'
    >>> window("SELECT ?s { ?s ?p ?o } LIMIT 25 OFFSET 5", 10, 20)
    'SELECT ?s { ?s ?p ?o } ORDER BY ?s LIMIT 5 OFFSET 25'
    """
    if size < 0 or offset < 0:
        raise QueryError("页大小与偏移须为非负整数 / page size and offset must be non-negative")
    if query_form(text) != "SELECT":
        raise QueryError("分页只适用于 SELECT 查询 / paging applies to SELECT queries only")
    toks = tokens(text)
    close = _matching(toks, _where_opens(toks, "SELECT")[0])
    limit = old_offset = None
    order_end = None
    cut: list[tuple[int, int]] = []          # (start, end) character spans to remove
    in_order = False
    depth = 0
    end = toks[close].start + 1
    skip = -1
    for k in range(close + 1, len(toks)):
        t = toks[k]
        if t.start < skip:
            continue
        kw = _keyword(t) if depth == 0 else ""
        if kw == "VALUES":
            break
        if kw in ("LIMIT", "OFFSET"):
            m = _integer(text, t.start + len(t.text), kw)
            n = int(m.group(1))
            limit, old_offset = (n, old_offset) if kw == "LIMIT" else (limit, n)
            cut.append((len(text[:t.start].rstrip()), m.end()))  # with the blank before it
            skip, in_order = m.end(), False
            continue
        if kw in _MODIFIERS:
            in_order = kw == "ORDER"
        depth += t.text in "({[" and t.kind == "punct"
        depth -= t.text in ")}]" and t.kind == "punct"
        end = t.start + len(t.text)
        if in_order:
            order_end = end
    base = old_offset or 0
    page = size if limit is None else max(0, min(size, limit - offset))
    ties = " ".join(projection(toks))
    tail = f" LIMIT {page} OFFSET {base + offset}"
    if order_end is None:
        inserts = [(end, f" ORDER BY {ties}{tail}")]
    elif order_end == end:
        inserts = [(end, f" {ties}{tail}")]
    else:
        inserts = [(end, tail), (order_end, f" {ties}")]
    out = text
    for a, b in sorted(cut, reverse=True):
        out = out[:a] + out[b:]
    for at, piece in inserts:  # the later position first, so the earlier one still holds
        at -= sum(b - a for a, b in cut if b <= at)
        out = f"{out[:at]}{piece}{out[at:]}"
    return out


def digest(text: str, params: Mapping[str, Any] | None = None) -> str:
    """A short digest of a query and its parameters (which query a cursor belongs to)."""
    data = json.dumps([text, sorted((k, str(v)) for k, v in (params or {}).items())], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next page starts: offset, page size, build, query digest."""

    offset: int
    size: int
    build: str
    query: str

    def encode(self) -> str:
        """The cursor as a URL-safe token."""
        raw = json.dumps([self.offset, self.size, self.build, self.query], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """A cursor from :meth:`encode`'s token; :class:`QueryError` if it is not one."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            offset, size, build, query = json.loads(raw.decode("utf-8"))
            if not (isinstance(offset, int) and isinstance(size, int) and offset >= 0 and 0 < size
                    and isinstance(build, str) and isinstance(query, str)):
                raise ValueError(token)
        except (ValueError, TypeError, UnicodeDecodeError) as e:
            raise QueryError(f"续页标记无效 / not a valid cursor: {token[:40]!r}") from e
        return cls(offset, size, build, query)

    def check(self, query: str, build: str) -> None:
        """:class:`QueryError` if this cursor is for another query or another build."""
        if self.query != query:
            raise QueryError("续页标记属于另一个查询 / this cursor belongs to another query "
                             "(or other parameters): send the same query as for the first page")
        if self.build and build and self.build != build:
            raise CursorStale(self.build, build)


class CursorStale(QueryError):
    """The build changed since the cursor's first page; pages would not fit together."""

    def __init__(self, was: str, now: str) -> None:
        super().__init__(f"图谱已重建,续页失效 / the graph was rebuilt since the first page "
                         f"(build {was} → {now}): start again from the first page")
        self.was, self.now = was, now


def plan(text: str, size: int, cursor: str, key: str, build: str, *, max_rows: int = MAX_PAGE) -> tuple[str, int, int]:
    """(the query text to run, rows in the page, its offset) for a first page of
    ``size`` rows or the page a ``cursor`` token points to. The text asks for one
    row more than the page, so that whoever writes it knows whether rows remain.

    ``key`` is :func:`digest` of the query as the client gave it, ``build`` the
    build answering; a cursor for another query or another build is refused.
    """
    offset = 0
    if cursor:
        c = Cursor.decode(cursor)
        c.check(key, build)
        size, offset = c.size, c.offset
    size = max(1, min(size, max_rows, MAX_PAGE))
    return window(text, size + 1, offset), size, offset
