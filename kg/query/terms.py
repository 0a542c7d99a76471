"""RDF terms ↔ Python values, and parameter values → RDF terms.

Years (``xsd:gYear``) and integers become ``int``, booleans ``bool``, dates
``datetime.date``, decimals and doubles ``float``, IRIs and other literals
``str``. Parameters go the other way, by the type a named query declares.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import pyoxigraph as ox

from kg.errors import QueryError

__all__ = ["ParamType", "XSD", "to_python", "to_term"]

XSD = "http://www.w3.org/2001/XMLSchema#"
ParamType = Literal["string", "integer", "year", "boolean", "date", "iri"]
PARAM_TYPES: tuple[str, ...] = ("string", "integer", "year", "boolean", "date", "iri")

_INTEGERS = {f"{XSD}{t}" for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedInt", "unsignedLong", "unsignedShort",
    "unsignedByte", "gYear")}
_FLOATS = {f"{XSD}decimal", f"{XSD}double", f"{XSD}float"}


def to_python(term: Any) -> Any:
    """A Python value for an RDF term (``None`` stays ``None``).

    >>> to_python(ox.Literal("2021", datatype=ox.NamedNode(XSD + "gYear")))
    2021
    >>> to_python(ox.Literal("2022-03-30", datatype=ox.NamedNode(XSD + "date")))
    datetime.date(2022, 3, 30)
    >>> to_python(ox.NamedNode("https://w3id.org/fazhi-kg/id/region/330282"))
    'https://w3id.org/fazhi-kg/id/region/330282'
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if not isinstance(term, ox.Literal):
        return str(term)
    dtype, value = term.datatype.value, term.value
    try:
        if dtype in _INTEGERS:
            return int(value)
        if dtype == f"{XSD}boolean":
            return value in ("true", "1")
        if dtype == f"{XSD}date":
            return dt.date.fromisoformat(value[:10])
        if dtype == f"{XSD}dateTime":
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if dtype in _FLOATS:
            return float(value)
    except ValueError:
        return value  # an ill-typed literal keeps its lexical form
    return value


def to_term(value: Any, kind: str | None = None) -> ox.NamedNode | ox.Literal:
    """An RDF term for a parameter value, by declared ``kind`` or by Python type.

    Strings from the command line are converted by ``kind``; with no kind, a
    string written ``<…>`` is an IRI and any other string a plain literal.

    >>> to_term("2019", "year").value, to_term(True).value
    ('2019', 'true')
    >>> str(to_term("枫桥经验"))
    '"枫桥经验"'
    >>> to_term("not an iri", "iri")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: 不是有效的 IRI / not a valid IRI: 'not an iri'
    """
    if isinstance(value, (ox.NamedNode, ox.Literal)):
        return value
    if kind is None:
        kind = _kind_of(value)
    try:
        if kind == "iri":
            text = str(value)
            if text.startswith("<") and text.endswith(">"):
                text = text[1:-1]
            if ":" not in text:
                raise ValueError(text)
            return ox.NamedNode(text)
        if kind in ("integer", "year"):
            if isinstance(value, bool):
                raise ValueError(value)
            return ox.Literal(str(int(str(value).strip())), datatype=ox.NamedNode(f"{XSD}integer"))
        if kind == "boolean":
            flag = value if isinstance(value, bool) else _parse_bool(str(value))
            return ox.Literal("true" if flag else "false", datatype=ox.NamedNode(f"{XSD}boolean"))
        if kind == "date":
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
            return ox.Literal(day.isoformat(), datatype=ox.NamedNode(f"{XSD}date"))
        if kind == "string":
            return ox.Literal(str(value))
    except ValueError as e:
        label = "不是有效的 IRI / not a valid IRI" if kind == "iri" else (
            f"不是有效的 {kind} 值 / not a valid {kind}")
        raise QueryError(f"{label}: {value!r}") from e
    raise QueryError(f"未知参数类型 / unknown parameter type {kind!r}; use one of {', '.join(PARAM_TYPES)}")


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, str) and value.startswith("<") and value.endswith(">"):
        return "iri"
    if isinstance(value, str):
        return "string"
    raise QueryError(f"不支持的参数值 / unsupported parameter value {value!r} ({type(value).__name__})")


def _parse_bool(text: str) -> bool:
    low = text.strip().lower()
    if low in ("true", "1", "yes", "是"):
        return True
    if low in ("false", "0", "no", "否"):
        return False
    raise ValueError(text)
