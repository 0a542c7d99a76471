"""Names a user types (a programme, a region, a province) checked against a build.

A library query's ``?programme``, ``?region`` and ``?province`` parameters match a
label exactly (``FILTER(STR(?label) = ?programme)``): a name with a typo or a
variant spelling matches nothing and the answer is simply empty. This module says
so, with the closest names the build knows (:func:`close_names`, also used by
``kg viz``), for ``kg query``, ``kg.open().query()``, the endpoint and ``kg analyse``.

>>> close_names("枫桥经", ["枫桥经验", "一村一法律顾问", "新时代枫桥经验"])
['枫桥经验', '新时代枫桥经验']
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kg.namespaces import PREFIXES

__all__ = ["KINDS", "UnknownName", "close_names", "header_value", "known_names", "preferred_label",
           "unknown_names"]

_PREFIXES = {k: str(v) for k, v in PREFIXES.items()}

# What each name parameter of the library matches: the same patterns as the .rq files
# (kg/queries/*.rq), so a name is "known" exactly when the query can match it.
_LABELS = {
    "programme": "?x a fz:Programme ; skos:prefLabel|skos:altLabel ?name",
    "region": "?x a fz:Region ; rdfs:label|skos:altLabel|fz:adminCode ?name",
    "province": '?x fz:level "province" ; rdfs:label|skos:altLabel|fz:adminCode ?name',
}
_QUOTES = re.compile("[“”‘’「」『』\"']")
KINDS = {"programme": "举措 / programme", "region": "地区 / region", "province": "省份 / province"}


@dataclass(frozen=True, slots=True)
class UnknownName:
    """A name given for ``param`` that matches nothing in the build, and the closest known."""

    param: str
    value: str
    close: tuple[str, ...]

    def message(self) -> str:
        """Bilingual, one line: ``举措 / programme “X” 未在图谱中找到 / not found …; 相近 / close: …``."""
        hint = f"; 相近 / close: {', '.join(self.close)}" if self.close else ""
        return (f"{KINDS.get(self.param, self.param)} “{self.value}” 未在图谱中找到 / "
                f"matches nothing in this build{hint}")


def close_names(name: str, known: Iterable[str], *, n: int = 5) -> list[str]:
    """Up to ``n`` known names close to ``name``: those that contain it or that it
    contains (shortest first), then the most similar by :mod:`difflib`."""
    names = sorted(set(known))
    inside = sorted((k for k in names if k != name and (name in k or k in name) and len(k) > 1),
                    key=lambda k: (abs(len(k) - len(name)), k))
    similar = difflib.get_close_matches(name, names, n=n, cutoff=0.4)
    out: dict[str, str] = {}  # one spelling per name without its quotes (枫桥经验, “枫桥经验”)
    for k in inside + similar:
        out.setdefault(_QUOTES.sub("", k), k)
    return list(out.values())[:n]


def known_names(store: ox.Store, param: str) -> set[str]:
    """Every name ``param`` (one of :data:`KINDS`) can match in ``store``."""
    result = store.query(f"SELECT DISTINCT ?name WHERE {{ {_LABELS[param]} }}", prefixes=_PREFIXES)
    return {sol["name"].value for sol in result}  # type: ignore[union-attr,index]


def unknown_names(store: ox.Store, params: Iterable[str], bindings: Mapping[str, Any]
                  ) -> list[UnknownName]:
    """The name parameters among ``params`` whose value in ``bindings`` matches nothing.

    Only plain string values of ``programme``, ``region`` and ``province`` are checked (a
    value given as an RDF term or an IRI is taken as meant)."""
    out = []
    for param in params:
        value = bindings.get(param)
        if param not in _LABELS or not isinstance(value, str) or not value:
            continue
        known = known_names(store, param)
        if value not in known:
            out.append(UnknownName(param, value, tuple(close_names(value, known))))
    return out


def preferred_label(store: ox.Store, name: str) -> str | None:
    """The preferred label of the programme with ``name`` among its labels, or None."""
    from kg.query import engine

    prepared = engine.prepare(
        "SELECT ?label WHERE { ?x a fz:Programme ; skos:prefLabel|skos:altLabel ?name ; "
        "skos:prefLabel ?label . FILTER(STR(?name) = ?wanted) } ORDER BY ?label LIMIT 1",
        {"wanted": name})
    for sol in engine.execute(store, prepared):
        return str(sol["label"].value)
    return None


def header_value(found: Iterable[UnknownName]) -> str:
    """``found`` as an HTTP header value (``X-KG-Unknown-Names``), ASCII: one item per name,
    ``param=VALUE;close=NAME|NAME``, values percent-encoded UTF-8, items joined by ``, ``.

    >>> header_value([UnknownName("programme", "枫桥", ("枫桥经验",))])
    'programme=%E6%9E%AB%E6%A1%A5;close=%E6%9E%AB%E6%A1%A5%E7%BB%8F%E9%AA%8C'
    """
    from urllib.parse import quote

    return ", ".join(f"{quote(u.param, safe='')}={quote(u.value, safe='')};close="
                     + "|".join(quote(c, safe="") for c in u.close) for u in found)
