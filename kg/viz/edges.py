"""Diffusion edges of the spread view: who took a measure from whom.

Two kinds of edge, both from an earlier adopter to a later one of the same programme:

- **learned** (drawn solid): the text says so. An implementation's ``fz:learnedFrom``
  names the region the adopter learnt the measure from; the edge goes from that origin
  to the adopter, with the evidence sentence.
- **inferred** (drawn dashed), by a rule of :data:`RULES`, only for adopters whose text
  names no origin:

  ``parent``     the region above (``fz:partOf``: a prefecture above its counties, a province
                 above its prefectures) first mentions it in an earlier year;
  ``document``   a provincial policy document whose title names the measure was cited by a
                 report of that province in or before the adopter's first year; the edge
                 starts at the province;
  ``neighbour``  a region sharing a boundary (``kg/data/adjacency.csv``, see
                 :mod:`kg.export.neighbours`) first mentions it in an earlier year: the
                 ``MAX_NEIGHBOURS`` most recent such neighbours.

Years are *first mentions* in the reports of the build, not adoption dates: an edge says
"reported earlier there, later here", nothing more. The functions take plain mappings of
region keys (IRIs in the view), so they are tested on hand-made graphs.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from typing import NamedTuple

from kg.resources import data_file

__all__ = ["KINDS", "MAX_NEIGHBOURS", "RULES", "Citation", "Document", "Edge", "LearnedFact",
           "adjacency", "diffusion_edges", "inferred_edges", "learned_edges", "provincial_documents"]

# the edge kinds, in the order the page numbers them; each with its rule as shown in a tooltip
RULES: dict[str, tuple[str, str]] = {
    "learned": ("文中说明借鉴自该地", "the text says it was learnt from there"),
    "parent": ("推断:上级地区更早提及,下级地区随后提及",
               "inferred: the region above mentioned it earlier, the region below later"),
    "document": ("推断:本省的省级文件(标题含该措施)在先,省内地区随后提及",
                 "inferred: a provincial document naming it came first, regions of the province later"),
    "neighbour": ("推断:相邻地区更早提及,本地区随后提及",
                  "inferred: a neighbouring region mentioned it earlier, this region later"),
}
KINDS = tuple(RULES)
MAX_NEIGHBOURS = 2  # neighbour edges per adopter: the most recent earlier ones


class Edge(NamedTuple):
    programme: str
    source: str  # region key of the earlier adopter (or the province of a document)
    target: str  # region key of the adopter
    year: int  # the target's year: the edge appears on the map from then on
    kind: str  # a key of RULES
    note: int = -1  # learned: the evidence's index; document: the document's index


class LearnedFact(NamedTuple):
    programme: str
    region: str
    year: int
    origins: tuple[str, ...]
    evidence: int = -1


class Citation(NamedTuple):
    document: int  # index of the document
    title: str
    level: str
    province: str  # province key of the citing report's region
    year: int  # the citing report's year


class Document(NamedTuple):
    index: int
    province: str
    year: int  # the earliest year a report of the build cites it


@cache
def adjacency() -> dict[str, tuple[str, ...]]:
    """Admin code -> codes of the divisions sharing a boundary with it (both directions),
    from the table :mod:`kg.export.neighbours` documents (read here without pandas)."""
    out: dict[str, set[str]] = {}
    with data_file("adjacency.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out.setdefault(row["code_a"], set()).add(row["code_b"])
            out.setdefault(row["code_b"], set()).add(row["code_a"])
    return {k: tuple(sorted(v)) for k, v in out.items()}


def learned_edges(facts: Iterable[LearnedFact]) -> list[Edge]:
    """One edge origin → adopter per (programme, origin, adopter): its earliest fact."""
    best: dict[tuple[str, str, str], Edge] = {}
    for f in facts:
        for origin in f.origins:
            if origin == f.region:
                continue
            key = (f.programme, origin, f.region)
            edge = Edge(f.programme, origin, f.region, f.year, "learned", f.evidence)
            if key not in best or (edge.year, edge.note) < (best[key].year, best[key].note):
                best[key] = edge
    return sorted(best.values())


def provincial_documents(citations: Iterable[Citation], names: Mapping[str, Iterable[str]]) -> dict[str, list[Document]]:
    """Programme -> the provincial documents whose title names it (a label or alternative
    label of ``names``), each placed in the province most of its citing reports are from
    (ties: the smallest key) and dated by its earliest citation."""
    cited: dict[int, list[Citation]] = {}
    for c in citations:
        if c.level == "provincial" and c.province:
            cited.setdefault(c.document, []).append(c)
    out: dict[str, list[Document]] = {}
    for index in sorted(cited):
        found = cited[index]
        title = found[0].title
        votes = Counter(c.province for c in found)
        province = min(votes, key=lambda p: (-votes[p], p))
        year = min(c.year for c in found)
        for programme, labels in names.items():
            if any(len(n) >= 2 and n in title for n in labels):
                out.setdefault(programme, []).append(Document(index, province, year))
    return out


def inferred_edges(first: Mapping[str, Mapping[str, int]], *, parent: Mapping[str, str],
                   province: Mapping[str, str], neighbours: Mapping[str, Iterable[str]],
                   documents: Mapping[str, list[Document]] | None = None,
                   known: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
                   max_neighbours: int = MAX_NEIGHBOURS) -> list[Edge]:
    """Edges by the rules of the module docstring.

    Args:
        first: programme -> region -> the year the region first mentions it.
        parent: region -> the region above it.
        province: region -> its province (a province maps to itself or is absent).
        neighbours: region -> regions sharing a boundary with it.
        documents: programme -> provincial documents naming it (:func:`provincial_documents`).
        known: (programme, region) pairs whose text names an origin: no inferred edge ends there.
        max_neighbours: neighbour edges per adopter (the most recent earlier neighbours).
    """
    documents = documents or {}
    edges: list[Edge] = []
    add = edges.append
    for programme in sorted(first):
        years = first[programme]
        docs_in: dict[str, list[Document]] = {}  # the programme's documents by province, in order
        for doc in documents.get(programme, []):
            docs_in.setdefault(doc.province, []).append(doc)
        for region in sorted(years):
            if (programme, region) in known:
                continue
            year = years[region]
            up = parent.get(region)
            if up is not None and up in years and years[up] < year:
                add(Edge(programme, up, region, year, "parent"))
            home = province.get(region)
            for doc in docs_in.get(home, ()):  # type: ignore[arg-type]
                if doc.province != region and doc.year <= year:
                    add(Edge(programme, doc.province, region, year, "document", doc.index))
            near = neighbours.get(region)
            if near:
                # a neighbour without a year never counts: years.get(n, year) < year is False
                earlier = [(-years[n], n) for n in near if n != up and years.get(n, year) < year]
                if earlier:
                    earlier.sort()
                    for _, n in earlier[:max_neighbours]:
                        add(Edge(programme, n, region, year, "neighbour"))
    return edges


_KIND_ORDER = {kind: i for i, kind in enumerate(KINDS)}


def diffusion_edges(facts: list[LearnedFact], first: Mapping[str, Mapping[str, int]], **rules: object) -> list[Edge]:
    """Learned edges of ``facts`` and inferred ones (:func:`inferred_edges` with ``rules``)
    for adopters without a learned edge, in one deterministic order."""
    learned = learned_edges(facts)
    known = {(e.programme, e.target) for e in learned}
    inferred = inferred_edges(first, known=known, **rules)  # type: ignore[arg-type]
    order = _KIND_ORDER
    return sorted(learned + inferred, key=lambda e: (e.programme, e.year, order[e.kind], e.target, e.source))
