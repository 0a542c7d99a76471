"""Run one query against an Oxigraph store: resolve, bind, check, execute.

Everything here is independent of where the answer goes (CLI, Python, HTTP):
:func:`prepare` turns "a name, a file or SPARQL text, plus parameters" into the
final query text; :func:`execute` runs it with the project's prefixes
predeclared (no prefix text is pasted either).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import QueryError
from kg.namespaces import PREFIXES
from kg.query import library, sparql
from kg.query.library import NamedQuery
from kg.query.sparql import QueryForm
from kg.query.terms import to_term

__all__ = ["PREFIX_MAP", "Prepared", "check_syntax", "execute", "prepare", "resolve"]

PREFIX_MAP: dict[str, str] = {k: str(v) for k, v in PREFIXES.items()}
_NAME = re.compile(r"^[a-z0-9][a-z0-9\-]*$")
_EMPTY = ox.Store()  # parses queries without touching the build's data


@dataclass(frozen=True, slots=True)
class Prepared:
    """A query ready to run: its form, final text, and the named query it came from."""

    form: QueryForm
    text: str
    source: NamedQuery | None


def resolve(query: str | Path) -> tuple[str, NamedQuery | None]:
    """(text, named query or None) for a library name, an ``.rq`` path or SPARQL text."""
    if isinstance(query, Path) or (isinstance(query, str) and query.endswith(".rq")
                                   and "\n" not in query and Path(query).is_file()):
        nq = library.load(Path(query))
        return nq.text, nq
    if _NAME.match(query):
        nq = library.get(query)
        return nq.text, nq
    return query, None


def check_syntax(text: str) -> None:
    """Raise :class:`QueryError` (one line, with position) if ``text`` does not parse."""
    try:
        _EMPTY.query(text, prefixes=PREFIX_MAP)
    except SyntaxError as e:
        raise QueryError(sparql.syntax_message(e, text)) from e


def prepare(query: str | Path, bindings: Mapping[str, Any] | None = None, *,
            text_only: bool = False) -> Prepared:
    """Resolve ``query``, convert and bind ``bindings``, and check the syntax.

    With ``text_only`` the query is always SPARQL text, never a library name
    or a file path (the HTTP endpoint uses this: a client must not make the
    server read its files). SPARQL text that starts with a header comment
    declaring parameters (as the library's ``.rq`` files do) has its bindings
    checked and typed by that header.

    Parameters of a named query are checked against its header: unknown
    names and missing required ones are errors, values are typed as declared.

    >>> p = prepare("SELECT ?r WHERE { ?r rdfs:label ?name }", {"name": "枫桥"})
    >>> p.form, p.text
    ('SELECT', 'SELECT ?r WHERE { VALUES ( ?name ) { ( "枫桥" ) } ?r rdfs:label ?name }')
    """
    text, nq = (str(query), None) if text_only else resolve(query)
    given = {k: v for k, v in (bindings or {}).items() if v is not None}
    if nq is None and given and text.lstrip().startswith("#"):
        nq = library.from_text(text)  # SPARQL text with a header: its parameters are typed
    terms: dict[str, ox.NamedNode | ox.Literal] = {}
    if nq is not None and nq.params:
        declared = {p.name: p for p in nq.params}
        unknown = sorted(set(given) - set(declared))
        if unknown:
            raise QueryError(f"查询 {nq.name} 没有参数 / query {nq.name} has no parameter "
                             f"{', '.join(unknown)}; it takes {', '.join(declared)}")
        missing = [p.name for p in nq.params if not p.optional and p.name not in given]
        if missing:
            raise QueryError(f"查询 {nq.name} 缺少参数 / query {nq.name} needs "
                             + ", ".join(f"-p {m}=…" for m in missing))
        terms = {k: to_term(v, declared[k].kind) for k, v in given.items()}
    else:
        terms = {k: to_term(v) for k, v in given.items()}
    form = sparql.query_form(text)
    check_syntax(text)
    final = sparql.bind(text, terms)
    if terms:
        check_syntax(final)
    return Prepared(form, final, nq)


def execute(store: ox.Store, prepared: Prepared, *,
            default_graph: list[ox.NamedNode] | None = None,
            named_graphs: list[ox.NamedNode] | None = None) -> Any:
    """Run a prepared query; the raw pyoxigraph result (solutions, boolean or triples).

    ``SERVICE`` to anything is refused here too: the store is local and
    fetching from other hosts is not what a read-only research graph is for.
    """
    kwargs: dict[str, Any] = {"prefixes": PREFIX_MAP}
    if default_graph:
        kwargs["default_graph"] = default_graph
    if named_graphs:
        kwargs["named_graphs"] = named_graphs
    try:
        return store.query(prepared.text, **kwargs)
    except SyntaxError as e:
        raise QueryError(sparql.syntax_message(e, prepared.text)) from e
    except (RuntimeError, ValueError) as e:
        raise QueryError(f"查询失败 / query failed: {' '.join(str(e).split())}") from e
