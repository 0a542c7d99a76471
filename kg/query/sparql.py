"""SPARQL text handling that must not go through string pasting.

Three jobs, all pure functions over the query text:

* :func:`query_form` tells SELECT / ASK / CONSTRUCT / DESCRIBE apart and
  refuses SPARQL Update (INSERT, DELETE, LOAD, CLEAR, …) before anything runs;
* :func:`bind` binds parameters as RDF terms: it inserts one ``VALUES`` block,
  whose terms are serialised by pyoxigraph (so quotes, newlines and ``}`` in a
  value stay inside the literal), at the top of the query's outer ``WHERE``
  group — the same meaning as writing ``VALUES ?x { term }`` there by hand;
* :func:`syntax_message` turns a parser error into one line with the position.

Why not ``Store.query(substitutions=…)``: pyoxigraph 0.5 accepts only variables
of the SELECT projection, and its SEP-0007 semantics differ from a join (for
example ``FILTER(!BOUND(?x) || …)`` is not narrowed by a substituted ``?x``).
A VALUES block is plain SPARQL 1.1 whose meaning every engine agrees on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox

from kg.errors import QueryError

__all__ = ["QueryForm", "QueryRefused", "Token", "bind", "query_form", "syntax_message", "tokens", "values_block"]

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]

_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
_VAR_NAME = re.compile(r"^[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_\u00B7\u00C0-\uFFFF]*$")
# One lexer for the parts of SPARQL that can hide braces or keywords: strings
# (long and short), IRIs, comments. IRIREF excludes spaces, so ``?a < ?b`` is
# not taken for an IRI.
_LEXER = re.compile(
    r'''(?P<long>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\')'''
    r'''|(?P<string>"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')'''
    r'''|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'''
    r'''|(?P<comment>\#[^\n\r]*)'''
    r'''|(?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}()<>"',;]*)?)'''
    r'''|(?P<var>[?$][^\s{}()<>"',;.=!|&*+/^\[\]]+)'''
    r'''|(?P<punct>[{}()])'''
    r'''|(?P<other>\S)''',
    re.DOTALL,
)


class QueryRefused(QueryError):
    """A well-formed request this read-only service will not run (update, SERVICE)."""


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical unit: its kind (a group name of the lexer), text and offset."""

    kind: str
    text: str
    start: int


def tokens(text: str) -> list[Token]:
    """The significant tokens of ``text`` (comments dropped).

    >>> [t.text for t in tokens('SELECT * { ?s ?p "}" } # }')]
    ['SELECT', '*', '{', '?s', '?p', '"}"', '}']
    """
    out = []
    for m in _LEXER.finditer(text):
        kind = m.lastgroup or "other"
        if kind != "comment":
            out.append(Token(kind, m.group(), m.start()))
    return out


def _keyword(tok: Token) -> str:
    return tok.text.upper() if tok.kind == "word" and ":" not in tok.text else ""


def query_form(text: str) -> QueryForm:
    """The form of a query; :class:`QueryRefused` for an update or ``SERVICE``.

    ``SERVICE`` is refused wherever it appears: pyoxigraph would otherwise
    fetch from the named host, and this service reads the local build only.

    >>> query_form("PREFIX : <http://e/> ASK { ?s ?p ?o }")
    'ASK'
    >>> query_form("DROP ALL")
    Traceback (most recent call last):
    ...
    kg.query.sparql.QueryRefused: 只读:不接受 SPARQL Update (DROP) / read-only: SPARQL Update (DROP) is refused
    """
    toks = tokens(text)
    if any(_keyword(t) == "SERVICE" for t in toks):
        raise QueryRefused("不接受 SERVICE 联邦查询 / SERVICE (federated query to another host) is refused")
    for tok in toks:
        kw = _keyword(tok)
        if kw in _FORMS:
            return kw  # type: ignore[return-value]
        if kw in _UPDATES:
            raise QueryRefused(f"只读:不接受 SPARQL Update ({kw}) / read-only: SPARQL Update ({kw}) is refused")
    raise QueryError("不是 SPARQL 查询 / not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")


def _where_opens(toks: list[Token], form: QueryForm) -> list[int]:
    """Indexes (into ``toks``) of the ``{`` opening the outer WHERE group and the
    WHERE group of every sub-select."""
    first = next(k for k, t in enumerate(toks) if _keyword(t) == form)
    i = first + 1
    if form == "CONSTRUCT":
        if i < len(toks) and toks[i].text == "{":
            i = _matching(toks, i) + 1  # skip the template
        elif i < len(toks) and _keyword(toks[i]) == "WHERE":
            raise QueryError(
                "参数不能用于 CONSTRUCT WHERE 简写 / parameters need the full form "
                "CONSTRUCT { … } WHERE { … }, not the CONSTRUCT WHERE short form"
            )
    opens = [_first_group(toks, i)]
    opens += [_first_group(toks, k + 1) for k in range(opens[0], len(toks))
              if _keyword(toks[k]) == "SELECT"]
    return opens


def _first_group(toks: list[Token], i: int) -> int:
    """The first ``{`` from ``i`` on that is not inside parentheses (a projection)."""
    depth = 0
    for k in range(i, len(toks)):
        t = toks[k].text
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
        elif t == "{" and depth == 0:
            return k
    raise QueryError("找不到 WHERE 子句 / no WHERE clause to bind parameters in")


def _matching(toks: list[Token], k: int) -> int:
    depth = 0
    for j in range(k, len(toks)):
        if toks[j].text == "{":
            depth += 1
        elif toks[j].text == "}":
            depth -= 1
            if depth == 0:
                return j
    raise QueryError("花括号不匹配 / unbalanced braces in the query")


def values_block(bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """A one-row ``VALUES`` block; each term is serialised by pyoxigraph.

    >>> values_block({"name": ox.Literal('a " } DROP ALL #')})
    'VALUES ( ?name ) { ( "a \\\\" } DROP ALL #" ) }'
    """
    names, terms = [], []
    for name, term in bindings.items():
        if not _VAR_NAME.match(name):
            raise QueryError(f"参数名无效 / invalid parameter name {name!r}: use letters, digits and _")
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise QueryError(f"参数 ?{name} 须为 IRI 或字面量 / ?{name} must be an IRI or a literal, got {term!r}")
        names.append(f"?{name}")
        terms.append(str(term))
    return f"VALUES ( {' '.join(names)} ) {{ ( {' '.join(terms)} ) }}"


def bind(text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """``text`` with ``bindings`` joined at the top of its WHERE groups.

    The block goes into the outer WHERE group and into the WHERE group of every
    sub-select, so a parameter has its value in every scope that mentions it
    (sub-selects do not see the outer group's variables). It is inserted on
    the line of the opening brace, so line numbers in messages still match
    the text the user wrote.

    >>> bind("SELECT ?s WHERE { ?s ?p ?name }", {"name": ox.Literal("x")})
    'SELECT ?s WHERE { VALUES ( ?name ) { ( "x" ) } ?s ?p ?name }'
    >>> bind("SELECT * { SELECT ?s { ?s ?p ?o } }", {"o": ox.Literal("x")})
    'SELECT * { VALUES ( ?o ) { ( "x" ) } { SELECT ?s { VALUES ( ?o ) { ( "x" ) } ?s ?p ?o } }}'
    """
    if not bindings:
        return text
    toks = tokens(text)
    form = query_form(text)
    block = values_block(bindings)
    edits: list[tuple[int, str]] = []
    for k in _where_opens(toks, form):
        open_at = toks[k].start + 1
        if k + 1 < len(toks) and _keyword(toks[k + 1]) == "SELECT":
            # a group that is a sub-select cannot hold VALUES beside it: wrap it
            edits += [(open_at, f" {block} {{"), (toks[_matching(toks, k)].start, "}")]
        else:
            edits.append((open_at, f" {block}"))
    out = text
    # apply from the end, so that every offset still points into the original text
    for at, insert in sorted(edits, key=lambda e: e[0], reverse=True):
        out = f"{out[:at]}{insert}{out[at:]}"
    return out


def syntax_message(error: BaseException, text: str) -> str:
    """One line: ``line L, column C (near …): reason``.

    Oxigraph's parser backtracks and usually reports the end of the input as
    the position; rdflib's parser (already a dependency, imported only on this
    error path) points at the start of the construct that fails. So the
    position comes from rdflib when it also rejects the text, the reason from
    Oxigraph, the engine that runs the query. Columns count characters from 1.

    >>> syntax_message(SyntaxError("error at 1:25: expected one of LATERAL"), "SELECT * WHERE { ?s ?p }")
    "SPARQL 语法错误 / syntax error at line 1, column 18 (near '?s ?p }'): expected one of LATERAL"
    """
    raw = " ".join(str(error).split())
    m = re.search(r"(\d+):(\d+)(?:-\d+:\d+)?:?\s*(.*)", raw)
    if not m:
        return f"SPARQL 语法错误 / syntax error: {raw}"
    line, col, reason = int(m.group(1)), int(m.group(2)), m.group(3)
    if len(reason) > 160:
        reason = reason[:157] + "…"
    better = _rdflib_position(text)
    if better is not None:
        line, col = better
    lines = text.splitlines() or [""]
    near = lines[line - 1][max(col - 1, 0): col + 19].strip() if 0 < line <= len(lines) else ""
    near_txt = f" (near {near!r})" if near else ""
    return f"SPARQL 语法错误 / syntax error at line {line}, column {col}{near_txt}: {reason}"


def _rdflib_position(text: str) -> tuple[int, int] | None:
    try:
        from pyparsing import ParseBaseException
        from rdflib.plugins.sparql.parser import parseQuery
    except ImportError:  # pragma: no cover - rdflib is a dependency
        return None
    try:
        parseQuery(text)
    except ParseBaseException as e:
        return int(e.lineno), int(e.col)
    except Exception:  # noqa: BLE001 - rdflib may fail otherwise; keep Oxigraph's position
        return None
    return None
