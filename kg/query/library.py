"""The research-query library: ``kg/queries/*.rq``, each with a header comment.

Header format (comment lines before the first non-comment line)::

    # 标题 / Title: first line, bilingual.
    #
    # Purpose and how to read the answer (free text, any number of lines).
    #
    # Parameters:
    #   ?programme  string            举措名称 / programme label (prefLabel or altLabel)
    #   ?province   string, optional  省份 / province name, short name or code
    #
    # Example:
    #   kg query --name adoption-table -p programme=枫桥经验

A parameter is bound (as an RDF term, never as text) to the variable of the
same name at the top of the outer WHERE group; an optional one left out stays
unbound, so queries test it with ``!BOUND(?x) || …``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kg.errors import QueryError
from kg.query.terms import PARAM_TYPES

__all__ = ["NamedQuery", "Param", "from_text", "library", "load", "parse_header"]

_PARAM = re.compile(r"^\?(?P<name>\w+)\s+(?P<kind>\w+)(?P<opt>,\s*optional)?\s+(?P<doc>.+)$")


@dataclass(frozen=True, slots=True)
class Param:
    """A declared parameter: variable name, type, whether optional, description."""

    name: str
    kind: str
    optional: bool
    doc: str


@dataclass(frozen=True, slots=True)
class NamedQuery:
    """One ``.rq`` file of the library (or any ``.rq`` file with such a header)."""

    name: str
    title: str
    purpose: str
    params: tuple[Param, ...]
    example: str
    text: str
    path: str

    def param(self, name: str) -> Param | None:
        """The declared parameter called ``name``, if any."""
        return next((p for p in self.params if p.name == name), None)


def parse_header(text: str) -> tuple[str, str, tuple[Param, ...], str]:
    """(title, purpose, params, example) from a query's leading comment.

    >>> t, _, ps, ex = parse_header("# T / T.\\n# Parameters:\\n#   ?x  year  the year\\n"
    ...                             "# Example:\\n#   kg query --name n -p x=2020\\nSELECT * {}")
    >>> t, ps[0].name, ps[0].kind, ps[0].optional, ex
    ('T / T.', 'x', 'year', False, 'kg query --name n -p x=2020')
    """
    comment: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        comment.append(line[1:].strip())
    title = comment[0] if comment else ""
    section, purpose, params, example = "purpose", [], [], []
    for line in comment[1:]:
        low = line.lower().rstrip(":")
        if low in ("parameters", "parameter", "参数"):
            section = "params"
            continue
        if low in ("example", "examples", "示例"):
            section = "example"
            continue
        if section == "purpose":
            purpose.append(line)
        elif section == "params" and line:
            m = _PARAM.match(line)
            if m is None or m["kind"] not in PARAM_TYPES:
                raise QueryError(f"参数声明无效 / bad parameter line {line!r}: "
                                 f"write '?name TYPE[, optional] description', TYPE in {PARAM_TYPES}")
            params.append(Param(m["name"], m["kind"], bool(m["opt"]), m["doc"].strip()))
        elif section == "example" and line:
            example.append(line)
    return title, " ".join(" ".join(purpose).split()), tuple(params), "\n".join(example)


def load(path: Path | str, *, name: str | None = None) -> NamedQuery:
    """Read one ``.rq`` file into a :class:`NamedQuery`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise QueryError(f"{p}: 无法读取查询文件 / cannot read query file: {e}") from e
    return from_text(text, name=name or p.stem, path=str(p))


def from_text(text: str, *, name: str = "query", path: str = "") -> NamedQuery:
    """A :class:`NamedQuery` from SPARQL text with (or without) the header comment."""
    title, purpose, params, example = parse_header(text)
    return NamedQuery(name, title, purpose, params, example, text, path)


def library() -> dict[str, NamedQuery]:
    """Every query shipped in ``kg/queries``, by name (the file stem), sorted."""
    folder = resources.files("kg") / "queries"
    found = sorted((f for f in folder.iterdir() if f.name.endswith(".rq")), key=lambda f: f.name)
    return {f.name[:-3]: load(Path(str(f))) for f in found}


def get(name: str) -> NamedQuery:
    """The shipped query called ``name``; :class:`QueryError` listing names if unknown."""
    queries = library()
    if name not in queries:
        raise QueryError(f"没有名为 {name!r} 的查询 / no named query {name!r}; "
                         f"known: {', '.join(queries)}")
    return queries[name]
