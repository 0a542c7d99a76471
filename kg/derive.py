"""Derived facts: small roll-ups of the implementation facts, written into the graph at
build time so that research queries read a few rows instead of aggregating every
implementation fact at query time.

Two kinds, both exact under ``kg build --update`` with no change to the update code
(the update keeps per-line reference counts, so a line several reports assert stays
until the last of them goes):

- facts local to one report: ``fz:implementationCount``, ``fz:reportedProgramme`` (the
  programmes of its implementation facts), the report's ``fz:summaryReport`` lines;
- shared lines with deterministic IRIs that every report implying them asserts
  identically: an ``fz:Adoption`` per region × programme (with one ``fz:adoptionYear``
  per year some report says it was carried out), the ``fz:carriedOut`` shortcut from a
  region to the programme, and an ``fz:ProvinceYearSummary`` per province × year (the
  programmes, regions and reports of that province's carried-out work that year).

Nothing here needs a minimum or a count over several reports (a "first year"): queries
compute those over the derived rows. Planned work (``fz:planned true``) is never
"carried out". :func:`derived_triples` derives from one report's extraction (the build);
:func:`graph_derived_triples` derives the same facts from a graph's implementation facts
(hand-made graphs, and the tests that check the two agree).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD

from kg.namespaces import FZ, ID, digest, mint

if TYPE_CHECKING:
    from rdflib import Graph

    from kg.gazetteer import Gazetteer
    from kg.types import Extraction

__all__ = ["DERIVED_PREDICATES", "adoption_iri", "derived_triples", "graph_derived_triples",
           "summary_iri"]

Triple = tuple[URIRef, URIRef, URIRef | Literal]

# looked up once: rdflib builds a new URIRef per namespace attribute access
_TYPE, _ADOPTION, _SUMMARY = RDF.type, FZ.Adoption, FZ.ProvinceYearSummary
_ADOPTER, _ADOPTED, _ADOPTION_YEAR, _CARRIED_OUT = (
    FZ.adopter, FZ.adoptedProgramme, FZ.adoptionYear, FZ.carriedOut)
_S_PROVINCE, _S_YEAR, _S_PROGRAMME, _S_REGION, _S_REPORT = (
    FZ.summaryProvince, FZ.summaryYear, FZ.summaryProgramme, FZ.summaryRegion, FZ.summaryReport)
_IMPLEMENTATION_COUNT, _REPORTED = FZ.implementationCount, FZ.reportedProgramme

DERIVED_PREDICATES = frozenset({
    _ADOPTER, _ADOPTED, _ADOPTION_YEAR, _CARRIED_OUT, _S_PROVINCE, _S_YEAR, _S_PROGRAMME,
    _S_REGION, _S_REPORT, _IMPLEMENTATION_COUNT, _REPORTED,
})
"""Every predicate only derived facts use (their ``rdf:type`` lines aside)."""

_REGION, _PROGRAMME = f"{ID}region/", f"{ID}programme/"


def _tail(iri: str, prefix: str) -> str:
    """The minted part of ``iri`` after ``prefix`` (already percent-encoded), or a digest of
    the whole IRI for one minted elsewhere (hand-made graphs)."""
    return iri[len(prefix):] if iri.startswith(prefix) else digest(iri)


@lru_cache(maxsize=200_000)
def adoption_iri(region: str, programme: str) -> URIRef:
    """The adoption of ``programme`` by ``region`` (both IRIs): the same for every report.

    >>> adoption_iri(mint("region", "330282"), mint("programme", "枫桥经验")) == URIRef(
    ...     mint("adoption", "330282", "枫桥经验"))
    True
    """
    return URIRef(f"{ID}adoption/{_tail(region, _REGION)}/{_tail(programme, _PROGRAMME)}")


@lru_cache(maxsize=10_000)
def summary_iri(province: str, year: str) -> URIRef:
    """The summary of ``province`` (its IRI) in ``year``.

    >>> str(summary_iri(mint("region", "330000"), "2021"))
    'https://w3id.org/fazhi-kg/id/summary/330000/2021'
    """
    return URIRef(f"{ID}summary/{_tail(province, _REGION)}/{year}")


def _facts(carried: Iterable[tuple[URIRef, URIRef, Literal, URIRef | None]],
           report: URIRef) -> Iterator[Triple]:
    """The shared lines of (region, programme, year, province or None) facts carried out,
    and the report's own summary lines."""
    for reg, prog, year, prov in carried:
        adoption = adoption_iri(reg, prog)
        yield adoption, _TYPE, _ADOPTION
        yield adoption, _ADOPTER, reg
        yield adoption, _ADOPTED, prog
        yield adoption, _ADOPTION_YEAR, year
        yield reg, _CARRIED_OUT, prog
        if prov is not None:
            summary = summary_iri(prov, str(year))
            yield summary, _TYPE, _SUMMARY
            yield summary, _S_PROVINCE, prov
            yield summary, _S_YEAR, year
            yield summary, _S_PROGRAMME, prog
            yield summary, _S_REGION, reg
            yield summary, _S_REPORT, report


@lru_cache(maxsize=10_000)
def _province_code(code: str, gazetteer: Gazetteer) -> str | None:
    return next((d.code for d in gazetteer.chain(code) if d.level == "province"), None)


@lru_cache(maxsize=1_000)
def _year(year: int) -> Literal:
    return Literal(str(year), datatype=XSD.gYear)


def derived_triples(ext: Extraction, *, report: URIRef, gazetteer: Gazetteer) -> Iterator[Triple]:
    """The derived facts of one report, from its extraction (as :func:`kg.graph.triples`
    writes its implementation facts: one node per region, programme and year, carried out
    only when no record of it is planned)."""
    planned: dict[tuple[str, str, int], bool] = {}
    for imp in ext.implementations:
        if not imp.region_code or gazetteer.get(imp.region_code) is None:
            continue
        key = (imp.region_code, imp.programme, imp.year)
        planned[key] = planned.get(key, False) or imp.planned
    yield report, _IMPLEMENTATION_COUNT, Literal(len(planned))
    for concept in dict.fromkeys(concept for _, concept, _ in planned):
        yield report, _REPORTED, URIRef(mint("programme", concept))
    carried = []
    for (code, concept, year), is_planned in planned.items():
        if not is_planned:
            prov = _province_code(code, gazetteer)
            carried.append((URIRef(mint("region", code)), URIRef(mint("programme", concept)),
                            _year(year), URIRef(mint("region", prov)) if prov else None))
    yield from _facts(carried, report)


def graph_derived_triples(g: Graph) -> set[Triple]:
    """The derived facts a graph's implementation facts imply, read as the research queries
    read them: an implementation is any node with ``fz:programme``, carried out unless it has
    ``fz:planned true``; a region's provinces are the nodes of level "province" it is
    ``fz:partOf*``; every ``fz:Report`` gets its number of ``prov:wasDerivedFrom`` nodes, and
    every report the programmes of the nodes derived from it."""
    true = Literal(True)
    out: set[Triple] = set()
    for report in set(g.subjects(RDF.type, FZ.Report)):
        out.add((report, _IMPLEMENTATION_COUNT, Literal(len(set(g.subjects(PROV.wasDerivedFrom, report))))))
    provinces = {s for s, o in g.subject_objects(FZ.level) if str(o) == "province"}

    def provinces_of(reg: URIRef) -> set[URIRef]:
        seen, todo = set(), [reg]
        while todo:
            r = todo.pop()
            if r not in seen:
                seen.add(r)
                todo.extend(g.objects(r, FZ.partOf))
        return seen & provinces

    for impl, prog in g.subject_objects(FZ.programme):
        for report in g.objects(impl, PROV.wasDerivedFrom):
            out.add((report, _REPORTED, prog))  # type: ignore[arg-type]
        if (impl, FZ.planned, true) in g:
            continue
        for report in list(g.objects(impl, PROV.wasDerivedFrom)) or [None]:
            for reg in g.objects(impl, FZ.region):
                for year in g.objects(impl, FZ.year):
                    provs = provinces_of(reg) or {None}
                    for prov in provs:
                        facts = _facts([(reg, prog, year, prov)], report)  # type: ignore[arg-type]
                        out.update(t for t in facts if report is not None or t[1] != _S_REPORT)
    return out
