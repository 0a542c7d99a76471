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
  programmes, regions and reports of that province's carried-out work that year);
- coverage: an ``fz:RegionYearCoverage`` per region × year that a report is about
  (``fz:aboutRegion`` × ``fz:yearCovered``), with the document kinds and the reports: the
  record of which region-years have data at all, so that "no report" is never read as
  "not adopted".

Nothing here needs a minimum or a count over several reports (a "first year"): queries
compute those over the derived rows. Planned work (``fz:planned true``) is never
"carried out". :func:`derived_facts` derives from one report's extraction (the build);
:func:`graph_derived_triples` derives the same facts from a graph's implementation facts
(hand-made graphs, and the tests that check the two agree).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF

from kg.namespaces import FZ, ID, digest, mint

if TYPE_CHECKING:
    from rdflib import Graph

    from kg.gazetteer import Gazetteer
    from kg.types import ImplementationHit

__all__ = ["DERIVED_CLASSES", "DERIVED_PREDICATES", "adoption_iri", "coverage_iri", "derived_facts",
           "graph_derived_triples", "summary_iri"]

Triple = tuple[URIRef, URIRef, URIRef | Literal]

DERIVED_PREDICATES = frozenset(FZ[name] for name in (
    "adopter", "adoptedProgramme", "adoptionYear", "carriedOut", "summaryProvince", "summaryYear",
    "summaryProgramme", "summaryRegion", "summaryReport", "implementationCount",
    "reportedProgramme", "coverageRegion", "coverageYear", "coverageKind", "coverageReport"))
"""Every predicate only derived facts use (their ``rdf:type`` lines aside)."""
DERIVED_CLASSES = frozenset(FZ[name] for name in ("Adoption", "ProvinceYearSummary",
                                                   "RegionYearCoverage"))
"""The classes of the derived nodes."""

_REGION, _PROGRAMME = f"{ID}region/", f"{ID}programme/"
_RDFLIB = SimpleNamespace(fz=FZ, rdf=RDF)  # the terms _facts needs, as rdflib terms


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


@lru_cache(maxsize=100_000)
def coverage_iri(region: str, year: str) -> URIRef:
    """The coverage of ``region`` (its IRI) in ``year``: the same for every report.

    >>> str(coverage_iri(mint("region", "330282"), "2021"))
    'https://w3id.org/fazhi-kg/id/coverage/330282/2021'
    """
    return URIRef(f"{ID}coverage/{_tail(region, _REGION)}/{year}")


def _coverage(region: Any, year: Any, kind: Any, cov: Any, report: Any,
              w: Any) -> Iterator[tuple[Any, Any, Any]]:
    """The lines of one report's coverage of (region, year): shared but for the report line."""
    fz = w.fz
    yield cov, w.rdf.type, fz.RegionYearCoverage
    yield cov, fz.coverageRegion, region
    yield cov, fz.coverageYear, year
    if kind is not None:  # hand-made graphs may leave a report's kind out
        yield cov, fz.coverageKind, kind
    yield cov, fz.coverageReport, report


def _facts(carried: Iterable[tuple[Any, Any, Any, Any, Any, Any]], report: Any,
           w: Any) -> Iterator[tuple[Any, Any, Any]]:
    """The shared lines of facts carried out, (region, programme, year, province or None,
    adoption, summary or None), and the report's own summary lines; terms made by ``w``
    (a writer of :mod:`kg.graph`, or :data:`_RDFLIB`)."""
    fz, rdf_type = w.fz, w.rdf.type
    for reg, prog, year, prov, adoption, summary in carried:
        yield adoption, rdf_type, fz.Adoption
        yield adoption, fz.adopter, reg
        yield adoption, fz.adoptedProgramme, prog
        yield adoption, fz.adoptionYear, year
        yield reg, fz.carriedOut, prog
        if summary is not None:
            yield summary, rdf_type, fz.ProvinceYearSummary
            yield summary, fz.summaryProvince, prov
            yield summary, fz.summaryYear, year
            yield summary, fz.summaryProgramme, prog
            yield summary, fz.summaryRegion, reg
            if report is not None:
                yield summary, fz.summaryReport, report


@lru_cache(maxsize=10_000)
def _province_code(code: str, gazetteer: Gazetteer) -> str | None:
    return next((d.code for d in gazetteer.chain(code) if d.level == "province"), None)


@lru_cache(maxsize=200_000)
def _adoption(where: tuple[str, ...], concept: str) -> str:
    """``where``: (code,) of a division, (county code or "unknown", name) of a township."""
    return mint("adoption", *where, concept)  # = adoption_iri of the two minted IRIs


def derived_facts(implementations: Iterable[ImplementationHit], *, report: Any,
                  gazetteer: Gazetteer, w: Any,
                  covers: tuple[tuple[str, ...], int, str] | None = None,
                  ) -> Iterator[tuple[Any, Any, Any]]:
    """The derived facts of one report, from the implementations :func:`kg.graph.triples`
    writes as facts (those with a known region code or township: one node per region, programme and
    year, carried out only when no record of it is planned), with terms made by the writer
    ``w`` of :mod:`kg.graph` (rdflib terms, or their N-Triples text) and ``report`` made by it.
    ``covers`` is (where, year covered, document kind's individual) of a report written
    with ``fz:aboutRegion`` and ``fz:yearCovered``, else None; ``where`` is (code,) of a
    division, (county code or "unknown", name) of a township."""
    if covers is not None:
        where, year, kind = covers
        about = w.local_region(where[0], where[1]) if len(where) > 1 else w.region(where[0])
        yield from _coverage(about, w.year(year), w.fz[kind],
                             w.iri(mint("coverage", *where, str(year))), report, w)
    planned: dict[tuple[str | None, str | None, str, int | None], bool] = {}
    for imp in implementations:
        key = (imp.region_code, imp.township, imp.programme, imp.year)
        planned[key] = planned.get(key, False) or imp.planned
    yield report, w.fz.implementationCount, w.plain(len(planned))
    for concept in dict.fromkeys(concept for _, _, concept, _ in planned):
        yield report, w.fz.reportedProgramme, w.programme(concept)
    carried = []
    for (code, town, concept, year), is_planned in planned.items():
        if not is_planned and year is not None:  # an undated fact carries out no year
            prov = _province_code(code, gazetteer) if code else None
            where = (code or "unknown",) + ((town,) if town else ())
            carried.append((w.local_region(code, town) if town else w.region(code),
                            w.programme(concept), w.year(year),
                            w.region(prov) if prov else None, w.iri(_adoption(where, concept)),
                            w.iri(mint("summary", prov, str(year))) if prov else None))
    yield from _facts(carried, report, w)


def graph_derived_triples(g: Graph) -> set[Triple]:
    """The derived facts a graph's implementation facts imply, read as the research queries
    read them: an implementation is any node with ``fz:programme``, carried out unless it has
    ``fz:planned true``; a region's provinces are the nodes of level "province" it is
    ``fz:partOf*``; every ``fz:Report`` gets its number of ``prov:wasDerivedFrom`` nodes, and
    every report the programmes of the nodes derived from it; every report with
    ``fz:aboutRegion`` and ``fz:yearCovered`` covers that region-year."""
    true = Literal(True)
    out: set[Triple] = set()
    for report in set(g.subjects(RDF.type, FZ.Report)):
        out.add((report, FZ.implementationCount, Literal(len(set(g.subjects(PROV.wasDerivedFrom, report))))))
        region, year = g.value(report, FZ.aboutRegion), g.value(report, FZ.yearCovered)
        if region is not None and year is not None:
            out.update(_coverage(region, year, g.value(report, FZ.documentKind),
                                 coverage_iri(str(region), str(year)), report, _RDFLIB))
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
            out.add((report, FZ.reportedProgramme, prog))  # type: ignore[arg-type]
        if (impl, FZ.planned, true) in g:
            continue
        for report in list(g.objects(impl, PROV.wasDerivedFrom)) or [None]:
            for reg in g.objects(impl, FZ.region):
                for year in g.objects(impl, FZ.year):
                    provs = provinces_of(reg) or {None}
                    for prov in provs:
                        summary = summary_iri(prov, str(year)) if prov is not None else None
                        out.update(_facts([(reg, prog, year, prov, adoption_iri(reg, prog), summary)],
                                          report, _RDFLIB))
    return out
