"""Linking and RDF: Extraction records → triples in the public ``fz:`` vocabulary.

Every IRI is minted from stable keys (GB/T codes, canonical names, a hash of the
report's text), never from counters, so the same input gives the same graph.
Only closed-namespace terms are used; the ontology in ``ontology/fazhi.ttl``
declares each of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD
from rdflib.plugins.serializers.nt import _quoteLiteral

from kg.derive import derived_triples
from kg.gazetteer import Division, Gazetteer
from kg.namespaces import FZ, GEO, ID, ORG, PREFIXES, digest, mint
from kg.resources import ontology_dir
from kg.thesaurus import Thesaurus
from kg.types import Extraction, RegionHit

__all__ = [
    "CANDIDATE_SCHEME", "PROGRAMME_SCHEME", "bind_prefixes", "build", "division_lines", "nt_line",
    "report_iri", "report_lines", "scheme_lines", "source_graph_iri", "triples",
]

Triple = tuple[URIRef, URIRef, URIRef | Literal]


class _Terms:
    """A namespace's terms, each looked up once (rdflib builds a new URIRef per access)."""

    def __init__(self, ns: Any) -> None:
        self._ns = ns

    def __getattr__(self, name: str) -> URIRef:
        term = self._ns[name]
        setattr(self, name, term)
        return term  # type: ignore[no-any-return]

    def __getitem__(self, name: str) -> URIRef:
        return getattr(self, name)  # type: ignore[no-any-return]


_RDF, _RDFS, _SKOS, _FZ, _DCTERMS, _PROV, _ORG, _GEO, _XSD = (
    _Terms(ns) for ns in (RDF, RDFS, SKOS, FZ, DCTERMS, PROV, ORG, GEO, XSD)
)
PROGRAMME_SCHEME = URIRef(f"{ID}scheme/programmes")
CANDIDATE_SCHEME = URIRef(f"{ID}scheme/candidates")


@lru_cache(maxsize=100_000)
@lru_cache(maxsize=100_000)
def _zh(text: str) -> Literal:
    """``Literal(text, lang="zh")`` memoised (names and titles repeat across reports)."""
    return Literal(text, lang="zh")


@lru_cache(maxsize=1_000)
def _year(year: int | str) -> Literal:
    return Literal(str(year), datatype=_XSD.gYear)


@lru_cache(maxsize=100_000, typed=True)
def _plain(text: str | bool) -> Literal:
    """``Literal(text)`` memoised (kinds, levels, flags repeat); typed: True is not 1."""
    return Literal(text)


def report_iri(ext: Extraction) -> URIRef:
    """A report is identified by its text: the same report saved twice is one node."""
    return URIRef(mint("report", digest(ext.doc.text)))


@lru_cache(maxsize=100_000)
@lru_cache(maxsize=100_000)
def region_iri(code: str) -> URIRef:
    return URIRef(mint("region", code))


@lru_cache(maxsize=100_000)
def local_region_iri(parent: str | None, name: str) -> URIRef:
    return URIRef(mint("region", parent or "unknown", name))


@lru_cache(maxsize=100_000)
def agency_iri(name: str, region_code: str | None) -> URIRef:
    return URIRef(mint("agency", region_code or "national", name))


@lru_cache(maxsize=100_000)
def programme_iri(concept: str) -> URIRef:
    return URIRef(mint("programme", concept))


@lru_cache(maxsize=100_000)
def document_iri(title: str) -> URIRef:
    return URIRef(mint("document", title))


def source_graph_iri(source: str) -> URIRef:
    """The named graph of the report read from ``source`` (``graph.nq``, ``kg publish``):
    named after the file, not the text, so a changed file replaces its own graph.

    >>> source_graph_iri("a/报告.txt")
    rdflib.term.URIRef('https://w3id.org/fazhi-kg/id/graph/source/a%2F%E6%8A%A5%E5%91%8A.txt')
    """
    return URIRef(mint("graph", "source", source))


def division_triples(div: Division, gazetteer: Gazetteer) -> Iterator[Triple]:
    """A GB/T division with its code, level, point and parent chain to the province."""
    for d in gazetteer.chain(div.code):
        iri = region_iri(d.code)
        yield iri, _RDF.type, _FZ.Region
        yield iri, _RDFS.label, _zh(d.name)
        for alias in d.aliases:
            yield iri, _SKOS.altLabel, _zh(alias)
        yield iri, _FZ.adminCode, Literal(d.code)
        yield iri, _FZ.level, Literal(d.level)
        if d.parent:
            yield iri, _FZ.partOf, region_iri(d.parent)
        if d.lon is not None and d.lat is not None:
            geom = URIRef(f"{iri}/geometry")
            yield iri, _GEO.hasGeometry, geom
            yield geom, _RDF.type, _GEO.Geometry
            yield geom, _GEO.asWKT, Literal(f"POINT({d.lon:.6f} {d.lat:.6f})", datatype=_GEO.wktLiteral)
            yield iri, _FZ.approximateLocation, Literal(bool(d.approximate))


_division_triples = division_triples  # the real one, when triples() shadows the name


def _region_hit_triples(
    hit: RegionHit, gazetteer: Gazetteer, division_triples: Any = None,
) -> tuple[URIRef | None, list[Triple]]:
    division_triples = division_triples or _division_triples
    if hit.code:
        div = gazetteer.get(hit.code)
        if div is None:
            return None, []
        # surfaces are the gazetteer's names and aliases, or relative (全区): no new labels
        return region_iri(hit.code), list(division_triples(div, gazetteer))
    iri = local_region_iri(hit.parent_code, hit.name)
    out = [(iri, _RDF.type, _FZ.Region), (iri, _RDFS.label, _zh(hit.name)), (iri, _FZ.level, _plain(hit.level))]
    if hit.parent_code:
        out.append((iri, _FZ.partOf, region_iri(hit.parent_code)))
        parent = gazetteer.get(hit.parent_code)
        if parent is not None:
            out.extend(division_triples(parent, gazetteer))
    return iri, out


def triples(
    ext: Extraction, *, gazetteer: Gazetteer, thesaurus: Thesaurus, shared: set[str] | None = None,
) -> Iterator[Triple]:
    """All triples one report contributes.

    With ``shared`` (a set), the triples of GB/T divisions (shared by every report
    that names them) are left out and their codes added to ``shared`` instead:
    :func:`division_lines` gives them once for the whole build.
    """
    if shared is not None:
        def division_triples(div: Division, gazetteer: Gazetteer) -> Iterator[Triple]:  # noqa: ARG001
            shared.add(div.code)
            return iter(())
    else:
        division_triples = _division_triples
    text_digest = digest(ext.doc.text)
    report = URIRef(mint("report", text_digest))  # report_iri(ext), its digest kept
    meta = ext.report
    yield report, _RDF.type, _FZ.Report
    yield report, _DCTERMS.source, Literal(ext.doc.source)
    yield report, _FZ["format"], _plain(ext.doc.fmt)
    yield report, _FZ.encoding, _plain(ext.doc.encoding)
    yield report, _FZ.contentHash, Literal(digest(ext.doc.text, length=64))
    if meta.title:
        yield report, _DCTERMS.title, _zh(meta.title)
    if meta.year:
        yield report, _FZ.yearCovered, _year(meta.year)
    if meta.issued:
        yield report, _DCTERMS.issued, Literal(meta.issued, datatype=_XSD.date)
    for flag in ext.warnings:
        yield report, _FZ.flag, Literal(flag)

    home = region_iri(meta.region_code) if meta.region_code else None
    if meta.region_code:
        div = gazetteer.get(meta.region_code)
        if div is not None:
            yield report, _FZ.aboutRegion, home
            yield report, _FZ.mentions, home
            yield from division_triples(div, gazetteer)

    for hit in ext.regions:
        iri, facts = _region_hit_triples(hit, gazetteer, division_triples)
        if iri is not None:
            yield report, _FZ.mentions, iri
            yield from facts

    agencies: dict[tuple[str, str | None], URIRef] = {}
    for hit in ext.agencies:
        iri = agency_iri(hit.name, hit.region_code)
        agencies[(hit.name, hit.region_code)] = iri
        yield report, _FZ.mentions, iri
        yield iri, _RDF.type, _FZ.Agency
        yield iri, _RDF.type, _ORG.Organization
        yield iri, _RDFS.label, _zh(hit.name)
        yield iri, _FZ.agencyKind, _plain(hit.kind)
        if hit.surface and hit.surface != hit.name:
            yield iri, _SKOS.altLabel, _zh(hit.surface)
        if hit.region_code and gazetteer.get(hit.region_code):
            yield iri, _FZ.jurisdiction, region_iri(hit.region_code)
            yield from division_triples(gazetteer.get(hit.region_code), gazetteer)
    if meta.publisher:
        match = next((iri for (name, _), iri in agencies.items() if name == meta.publisher), None)
        if match is not None:
            yield report, _DCTERMS.publisher, match

    for hit in ext.programmes:
        iri = programme_iri(hit.concept)
        yield report, _FZ.mentions, iri
        if hit.surface and hit.surface.strip("“”\"'") != hit.concept:
            yield iri, _SKOS.altLabel, _zh(hit.surface.strip("“”\"'"))
        if not hit.curated:
            yield iri, _RDF.type, _FZ.Programme
            yield iri, _RDF.type, _SKOS.Concept
            yield iri, _SKOS.prefLabel, _zh(hit.concept)
            yield iri, _SKOS.inScheme, CANDIDATE_SCHEME
            yield iri, _FZ.curated, _plain(False)

    for hit in ext.documents:
        iri = document_iri(hit.title)
        yield report, _FZ.mentions, iri
        yield iri, _RDF.type, _FZ.PolicyDocument
        yield iri, _DCTERMS.title, _zh(hit.title)
        yield iri, _FZ.level, _plain(hit.level)

    by_name = {name: iri for (name, _), iri in agencies.items()}
    for imp in ext.implementations:
        if not imp.region_code or gazetteer.get(imp.region_code) is None:
            continue
        iri = URIRef(mint("implementation", text_digest, imp.region_code,
                          imp.programme, str(imp.year)))
        yield iri, _RDF.type, _FZ.Implementation
        yield iri, _FZ.region, region_iri(imp.region_code)
        yield iri, _FZ.programme, programme_iri(imp.programme)
        yield iri, _FZ.year, _year(imp.year)
        yield iri, _PROV.wasDerivedFrom, report
        yield iri, _FZ.evidence, Literal(imp.evidence)
        yield iri, _FZ.planned, _plain(imp.planned)
        if imp.agency and imp.agency in by_name:
            yield iri, _FZ.agency, by_name[imp.agency]

    yield from derived_triples(ext, report=report, gazetteer=gazetteer)


def bind_prefixes(g: Graph) -> Graph:
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    return g


_NT_ESCAPED = re.compile(r'[\\\n\r"]')  # what _quoteLiteral escapes


@lru_cache(maxsize=200_000)
def _nt_iri_text(iri: str) -> str:
    """``<iri>``, or rdflib's error if the IRI cannot be written (memoised by its text:
    a plain str key hashes and compares in C, a URIRef key compares in Python)."""
    return URIRef(iri).n3()


def _nt_term(term: URIRef | Literal) -> str:
    """A term as rdflib's N-Triples serialiser writes it."""
    kind = type(term)
    if kind is URIRef:
        return _nt_iri_text(str(term))
    if kind is Literal:
        return _nt_literal(term)
    return _quoteLiteral(term) if isinstance(term, Literal) else term.n3()


def _nt_literal(lit: Literal) -> str:
    """``rdflib.plugins.serializers.nt._quoteLiteral``, with the escaping skipped when the
    lexical form has nothing to escape."""
    text = str(lit)
    if _NT_ESCAPED.search(text):
        text = text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r")
    language, datatype = lit.language, lit.datatype
    if language:  # never with a datatype: rdflib's Literal refuses both
        return f'"{text}"@{language}'
    if datatype:
        return f'"{text}"^^<{datatype}>'
    return f'"{text}"'


def nt_line(t: Triple) -> str:
    """One triple as an N-Triples line without the newline, exactly as rdflib writes it
    (``rdflib.plugins.serializers.nt._nt_row``), with the IRIs' forms memoised."""
    s, p, o = t
    return f"{_nt_term(s)} {_nt_term(p)} {_nt_term(o)} ."


def report_lines(
    ext: Extraction, *, gazetteer: Gazetteer, thesaurus: Thesaurus, shared: set[str],
) -> list[str]:
    """The N-Triples lines of one report, sorted and unique, without the shared division
    triples (whose codes go to ``shared``)."""
    return sorted({nt_line(t) for t in triples(ext, gazetteer=gazetteer, thesaurus=thesaurus,
                                               shared=shared)})


def division_lines(codes: Iterable[str], gazetteer: Gazetteer) -> set[str]:
    """The N-Triples lines of the divisions ``codes`` and their parents."""
    out: set[str] = set()
    for code in codes:
        div = gazetteer.get(code)
        if div is not None:
            out.update(nt_line(t) for t in _division_triples(div, gazetteer))
    return out


def scheme_lines(scheme: Path | None = None) -> list[str]:
    """The N-Triples lines of the curated programme scheme (``programmes.ttl``)."""
    g = Graph()
    g.parse(scheme or ontology_dir() / "programmes.ttl", format="turtle")
    return sorted({nt_line(t) for t in g})


def build(
    extractions: Iterable[Extraction], *, gazetteer: Gazetteer, thesaurus: Thesaurus,
    scheme: Path | None = None,
) -> Graph:
    """The whole graph: the curated programme scheme (``programmes.ttl``) plus every
    report's triples."""
    g = bind_prefixes(Graph())
    g.parse(scheme or ontology_dir() / "programmes.ttl", format="turtle")
    for ext in extractions:
        for t in triples(ext, gazetteer=gazetteer, thesaurus=thesaurus):
            g.add(t)
    return g
