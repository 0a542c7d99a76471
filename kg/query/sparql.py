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
from kg.namespaces import PREFIXES

__all__ = ["QueryForm", "QueryRefused", "Token", "bind", "check_depth", "query_form", "refuse_service",
           "syntax_message", "tokens", "undeclared_prefix", "values_block"]

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
    r'''|(?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)'''
    r'''|(?P<comment>\#[^\n\r]*)'''
    r'''|(?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}()<>"',;#\[\]]*)?)'''
    r'''|(?P<var>[?$][^\s{}()<>"',;.=!|&*+/^\[\]#]+)'''
    r'''|(?P<punct>[{}()\[\]])'''
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
    refuse_service(text)
    toks = tokens(text)
    check_depth(text, toks)
    for tok in toks:
        kw = _keyword(tok)
        if kw in _FORMS:
            return kw  # type: ignore[return-value]
        if kw in _UPDATES:
            raise QueryRefused(f"只读:不接受 SPARQL Update ({kw}) / read-only: SPARQL Update ({kw}) is refused")
    raise QueryError("不是 SPARQL 查询 / not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")


# Oxigraph's parser has no lexer: it matches the keyword SERVICE as seven ASCII
# letters in any case wherever its grammar allows a graph pattern, with no word
# boundary on either side (``[ a fz:Report]SERVICE``, ``?s ?p 1SERVICE``,
# ``?s ?p trueSERVICE``, ``SERVICE:x`` all federate). So the guard is not a token
# scan: every occurrence of the letters in the raw text (after \\u escapes, in
# case an engine unescapes them) is refused unless it can only be the inside
# of a longer name: preceded by a letter, ``_`` or ``:`` (a prefixed name's
# local part is greedy) that is not the end of a bare ``true``/``false``. Strings and IRIs are not exempt (fail closed).
_SERVICE = re.compile(r"service", re.IGNORECASE)
_NAME_CHAR = re.compile(r"[A-Za-z_:\u00B7\u00C0-\U0010FFFF]")
_BOOL_END = re.compile(r"(?:^|[^A-Za-z0-9_\u00B7\u00C0-\U0010FFFF:?$@\\.%-])(?:true|false)$", re.IGNORECASE)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
    return _UCHAR.sub(one, text)


def refuse_service(text: str) -> None:
    """:class:`QueryRefused` if ``text`` could hold a ``SERVICE`` pattern in any spelling.

    >>> refuse_service("SELECT * { ?s a fz:PublicService }")
    >>> refuse_service("SELECT * { [ a fz:Report]SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    kg.query.sparql.QueryRefused: 不接受 SERVICE 联邦查询 / SERVICE (federated query to another host) is refused: 'service' at offset 25 (the word is refused anywhere outside a longer name, strings included)
    """
    flat = _unescape(text)
    for m in _SERVICE.finditer(flat):
        before = flat[:m.start()]
        if before and _NAME_CHAR.match(before[-1]) and not _BOOL_END.search(before[-6:]):
            continue  # the inside of a longer name (fz:PublicService, ?selfservice)
        raise QueryRefused(
            "不接受 SERVICE 联邦查询 / SERVICE (federated query to another host) is refused: "
            f"'service' at offset {m.start()} (the word is refused anywhere outside a longer name, "
            "strings included)")


MAX_DEPTH = 128  # nesting of (), {}, [] plus unary operators: pyoxigraph overflows its stack near 500 (collections)
MAX_OPERATORS = 2000  # operator / UNION chains build left-deep trees: overflow near 20,000, fine at 5,000
_UNARY = {"!", "^", "-", "+"}
_CHAIN_WORDS = {"UNION", "OPTIONAL", "MINUS", "FILTER", "BIND", "GRAPH", "SERVICE", "VALUES"}
_CHAIN_OPS = {"&", "|", "/", "*", "=", "<", ">", "!", "^", "-", "+"}


def check_depth(text: str, toks: list[Token] | None = None) -> None:
    """:class:`QueryRefused` for a query nested too deep for the engine's stack.

    pyoxigraph parses and evaluates recursively; thousands of nested brackets,
    ``!`` or ``&&`` terms crash the process (SIGSEGV), so such text must never
    reach it. Closing brackets count only outside strings, IRIs, comments and
    ``\\)`` escapes; opening ones count wherever the lexer sees code, unary
    operators add a level to their group; a close never brings the depth
    below what its opening added. The measure over-estimates, never under.

    >>> check_depth("SELECT * WHERE " + "{" * 200 + "}" * 200)
    Traceback (most recent call last):
    ...
    kg.query.sparql.QueryRefused: 查询嵌套过深 / query nested too deeply: depth 129 at offset 143 (limit 128)
    """
    toks = tokens(text) if toks is None else toks
    stack = [0]
    ops = 0
    values, values_level = 0, 0  # 1: after VALUES, 2: inside its block of terms (no expressions)
    for t in toks:
        if t.text in "({[" and t.kind == "punct":
            stack.append(1)
            if values == 1 and t.text == "{":
                values, values_level = 2, len(stack)
        elif t.text in ")}]" and t.kind == "punct":
            if t.start and text[t.start - 1] == "\\":
                continue
            if values == 2 and t.text == "}" and len(stack) == values_level:
                values = 0
            if len(stack) > 1:
                stack.pop()
        elif t.kind == "other" and t.text in _UNARY:
            stack[-1] += 1
        kw = _keyword(t)
        if kw == "VALUES":
            values = 1
        elif values != 2 and ((t.kind == "other" and t.text in _CHAIN_OPS) or kw in _CHAIN_WORDS):
            ops += 1
        depth = sum(stack)
        if depth > MAX_DEPTH:
            raise QueryRefused(f"查询嵌套过深 / query nested too deeply: depth {depth} at offset {t.start} "
                               f"(limit {MAX_DEPTH})")
        if ops > MAX_OPERATORS:
            raise QueryRefused(f"查询运算符过多 / query too long a chain of operators: more than "
                               f"{MAX_OPERATORS} (at offset {t.start})")


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


def _scope_vars(toks: list[Token], form: QueryForm) -> list[set[str]]:
    """For the outer query and each sub-select (in the order of :func:`_where_opens`),
    the variable names its own text mentions: projection, pattern and modifiers,
    without the text of the sub-selects nested in it."""
    first = next(k for k, t in enumerate(toks) if _keyword(t) == form)
    opens = _where_opens(toks, form)
    spans = [(first, len(toks))]
    for k in range(opens[0], len(toks)):
        if _keyword(toks[k]) == "SELECT" and k > 0 and toks[k - 1].text == "{":
            spans.append((k, _matching(toks, k - 1)))
    out = []
    for a, b in spans:
        inner = [(c, d) for c, d in spans if a < c and d <= b]
        out.append({t.text[1:] for j, t in enumerate(toks[a:b], a)
                    if t.kind == "var" and not any(c <= j < d for c, d in inner)})
    return out


def bind(text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """``text`` with ``bindings`` joined at the top of the WHERE groups that use them.

    Sub-selects do not see the outer group's variables, so a parameter's block
    goes into the WHERE group of every (sub-)select whose own text mentions the
    variable, and only there: a value the query uses in one place is written
    once (so whoever edits the bound text edits the one value). A parameter the
    text never mentions is bound in the outer group. The block is inserted on
    the line of the opening brace, so line numbers in messages still match the
    text the user wrote.

    >>> bind("SELECT ?s WHERE { ?s ?p ?name }", {"name": ox.Literal("x")})
    'SELECT ?s WHERE { VALUES ( ?name ) { ( "x" ) } ?s ?p ?name }'
    >>> bind("SELECT * { SELECT ?s { ?s ?p ?o } }", {"o": ox.Literal("x")})
    'SELECT * { SELECT ?s { VALUES ( ?o ) { ( "x" ) } ?s ?p ?o } }'
    """
    if not bindings:
        return text
    toks = tokens(text)
    form = query_form(text)
    values_block(bindings)  # checks every name and term once
    opens = _where_opens(toks, form)
    mentions = _scope_vars(toks, form)
    unused = {n for n in bindings if not any(n in m for m in mentions)}
    edits: list[tuple[int, str]] = []
    for i, (k, names) in enumerate(zip(opens, mentions)):
        wanted = {n: t for n, t in bindings.items() if n in names or (i == 0 and n in unused)}
        if not wanted:
            continue
        block = values_block(wanted)
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
    """One line: ``line L, column C (near …): reason; 提示 / hint: …``.

    Oxigraph's parser backtracks and usually reports the end of the input as
    the position; rdflib's parser (already a dependency, imported only on this
    error path) points at the start of the construct that fails. So the
    position comes from rdflib when it also rejects the text, the reason from
    Oxigraph, the engine that runs the query. Columns count characters from 1.

    The hint names the likely cause in both languages (an undeclared prefix,
    brackets that do not pair up, a missing query form) or says what to check.

    >>> syntax_message(SyntaxError("error at 1:25: expected one of LATERAL"), "SELECT * WHERE { ?s ?p }")[:100]
    "SPARQL 语法错误 / syntax error at line 1, column 18 (near '?s ?p }'): expected one of LATERAL; 提示 / hint"
    """
    undeclared = undeclared_prefix(text)
    if undeclared is not None:  # point at the name itself, not where the parser gave up
        line = text.count("\n", 0, undeclared.start) + 1
        col = undeclared.start - (text.rfind("\n", 0, undeclared.start) + 1) + 1
        prefix = undeclared.text.split(":", 1)[0]
        return (f"SPARQL 语法错误 / syntax error at line {line}, column {col} (near "
                f"{undeclared.text[:20]!r}): prefix {prefix}: not found; 提示 / hint: "
                f"{_prefix_hint(prefix)}")
    raw = " ".join(str(error).split())
    m = re.search(r"(\d+):(\d+)(?:-\d+:\d+)?:?\s*(.*)", raw)
    if not m:
        return f"SPARQL 语法错误 / syntax error: {raw}"
    line, col, reason = int(m.group(1)), int(m.group(2)), m.group(3)
    if len(reason) > 160:
        reason = reason[:157] + "…"
    better = _rdflib_position(text)
    hint = syntax_hint(text, reason)
    if better is not None:
        line, col = better
    lines = text.splitlines() or [""]
    near = lines[line - 1][max(col - 1, 0): col + 19].strip() if 0 < line <= len(lines) else ""
    near_txt = f" (near {near!r})" if near else ""
    return (f"SPARQL 语法错误 / syntax error at line {line}, column {col}{near_txt}: {reason}; "
            f"提示 / hint: {hint}")


_PAIRS = (("{", "}", "花括号", "braces"), ("(", ")", "圆括号", "parentheses"), ("[", "]", "方括号", "brackets"))


def _prefix_hint(prefix: str) -> str:
    known = ", ".join(f"{k}:" for k in sorted(PREFIXES))
    return (f"前缀 {prefix}: 未声明 / prefix {prefix}: is not declared; "
            f"add PREFIX {prefix}: <…> or use a predeclared one ({known})")


def syntax_hint(text: str, reason: str) -> str:
    """A bilingual hint for a syntax error: the likely cause, else what to check.

    >>> syntax_hint("SELECT * { ?s foo:p ?o }", "Prefix not found")
    '前缀 foo: 未声明 / prefix foo: is not declared; add PREFIX foo: <…> or use a predeclared one (dcterms:, fz:, fzid:, geo:, org:, owl:, prov:, rdf:, rdfs:, skos:, xsd:)'
    """
    toks = tokens(text)
    found = undeclared_prefix(text)
    if found is not None:
        return _prefix_hint(found.text.split(":", 1)[0])
    for a, b, zh, en in _PAIRS:
        opened = sum(t.text == a and t.kind == "punct" for t in toks)
        closed = sum(t.text == b and t.kind == "punct" for t in toks)
        if opened != closed:
            return f"{zh}不配对 / {en} do not pair up: {opened} '{a}' but {closed} '{b}'"
    if not any(_keyword(t) in _FORMS for t in toks):
        return ("查询须以 SELECT、ASK、CONSTRUCT 或 DESCRIBE 开头(可先写 PREFIX)/ a query starts with "
                "SELECT, ASK, CONSTRUCT or DESCRIBE (after any PREFIX lines)")
    return ("检查该位置前后的括号、句点、分号、引号和变量名 / check the brackets, dots, semicolons, quotes "
            "and variable names just before this position")


def undeclared_prefix(text: str) -> Token | None:
    """The first prefixed name of ``text`` whose prefix is neither declared in it
    (``PREFIX p: <…>``) nor one of the project's predeclared prefixes.

    >>> undeclared_prefix('PREFIX ex: <http://e/> SELECT * { ?s ex:p ?o ; zz:q "no:t" }').text
    'zz:q'
    """
    toks = tokens(text)
    declared = set(PREFIXES)
    for i, tok in enumerate(toks[:-1]):
        if _keyword(tok) == "PREFIX" and toks[i + 1].kind == "word":
            declared.add(toks[i + 1].text.split(":", 1)[0])
    for tok in toks:
        if tok.kind == "word" and ":" in tok.text and tok.text.split(":", 1)[0] not in declared:
            return tok
    return None


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
