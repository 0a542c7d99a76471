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
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD
from rdflib.plugins.serializers.nt import _quoteLiteral

from kg.derive import derived_facts
from kg.gazetteer import Division, Gazetteer
from kg.namespaces import FZ, GEO, ID, ORG, PREFIXES, digest, mint
from kg.resources import ontology_dir
from kg.thesaurus import Thesaurus, surface_label
from kg.types import DOCUMENT_KINDS, REPORT_KINDS, Extraction

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


def _nt_minted(iri: str) -> str:
    """``URIRef(iri).n3()`` for an IRI from :func:`kg.namespaces.mint` (or one with a
    plain ASCII path appended): mint percent-encodes every part, so the IRI holds none of
    the characters rdflib refuses to write, and needs no check."""
    return f"<{iri}>"


def _nt_quote(text: str) -> str:
    """A lexical form in quotes, escaped as ``rdflib.plugins.serializers.nt._quote_encode``."""
    if _NT_ESCAPED.search(text):
        text = text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r")
    return f'"{text}"'


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
    text = _nt_quote(str(lit))
    language, datatype = lit.language, lit.datatype
    if language:  # never with a datatype: rdflib's Literal refuses both
        return f"{text}@{language}"
    if datatype:
        return f"{text}^^<{datatype}>"
    return text


def nt_line(t: Triple) -> str:
    """One triple as an N-Triples line without the newline, exactly as rdflib writes it
    (``rdflib.plugins.serializers.nt._nt_row``), with the IRIs' forms memoised."""
    s, p, o = t
    return f"{_nt_term(s)} {_nt_term(p)} {_nt_term(o)} ."


# --- terms: the facts below are written once, for two kinds of term ---------------------
# ``triples`` builds rdflib terms (the graph, ``build``); ``report_lines`` builds their
# N-Triples text directly (the build's hot path), each form equal to ``_nt_term`` of the
# rdflib term: the literal forms rdflib might normalise (dates, years, booleans) go
# through rdflib once per value.


class _Writer:
    """How one kind of term is made: namespaces, minted IRIs, literals."""

    __slots__ = (
        "agency",
        "candidate_scheme",
        "date",
        "dcterms",
        "document",
        "fz",
        "geo",
        "iri",
        "lit",
        "local_region",
        "org",
        "plain",
        "programme",
        "prov",
        "rdf",
        "rdfs",
        "region",
        "skos",
        "wkt",
        "year",
        "zh",
    )

    def __init__(self, **parts: Any) -> None:
        for name, value in parts.items():
            setattr(self, name, value)


class _NtTerms:
    """A namespace's terms as N-Triples text, each written once."""

    def __init__(self, ns: Any) -> None:
        self._ns = ns

    def __getattr__(self, name: str) -> str:
        text = _nt_iri_text(str(self._ns[name]))
        setattr(self, name, text)
        return text

    def __getitem__(self, name: str) -> str:
        return getattr(self, name)  # type: ignore[no-any-return]


def _rdflib_date(value: str) -> Literal:
    return Literal(value, datatype=_XSD.date)


def _rdflib_wkt(value: str) -> Literal:
    return Literal(value, datatype=_GEO.wktLiteral)


_AS_RDFLIB = _Writer(
    rdf=_RDF, rdfs=_RDFS, skos=_SKOS, fz=_FZ, dcterms=_DCTERMS, prov=_PROV, org=_ORG, geo=_GEO,
    iri=URIRef, region=region_iri, local_region=local_region_iri, agency=agency_iri,
    programme=programme_iri, document=document_iri, candidate_scheme=CANDIDATE_SCHEME,
    zh=_zh, year=_year, plain=_plain, lit=Literal, date=_rdflib_date, wkt=_rdflib_wkt,
)


def _nt_memo(fn: Any, *, typed: bool = False) -> Any:
    return lru_cache(maxsize=100_000, typed=typed)(fn)


_AS_NT = _Writer(
    rdf=_NtTerms(RDF), rdfs=_NtTerms(RDFS), skos=_NtTerms(SKOS), fz=_NtTerms(FZ),
    dcterms=_NtTerms(DCTERMS), prov=_NtTerms(PROV), org=_NtTerms(ORG), geo=_NtTerms(GEO),
    iri=_nt_minted,
    region=_nt_memo(lambda code: _nt_minted(mint("region", code))),
    local_region=_nt_memo(lambda parent, name: _nt_minted(mint("region", parent or "unknown", name))),
    agency=_nt_memo(lambda name, code: _nt_minted(mint("agency", code or "national", name))),
    programme=_nt_memo(lambda concept: _nt_minted(mint("programme", concept))),
    document=_nt_memo(lambda title: _nt_minted(mint("document", title))),
    candidate_scheme=_nt_term(CANDIDATE_SCHEME),
    zh=_nt_memo(lambda text: f"{_nt_quote(text)}@zh"),
    year=_nt_memo(lambda year: _nt_literal(_year(year))),
    plain=_nt_memo(lambda value: _nt_literal(_plain(value)), typed=True),
    lit=_nt_quote,
    date=_nt_memo(lambda value: _nt_literal(_rdflib_date(value))),
    wkt=lambda value: _nt_literal(_rdflib_wkt(value)),
)


def _division_facts(div: Division, gazetteer: Gazetteer, w: _Writer) -> Iterator[tuple[Any, Any, Any]]:
    for d in gazetteer.chain(div.code):
        iri = w.region(d.code)
        yield iri, w.rdf.type, w.fz.Region
        yield iri, w.rdfs.label, w.zh(d.name)
        for alias in d.aliases:
            yield iri, w.skos.altLabel, w.zh(alias)
        yield iri, w.fz.adminCode, w.lit(d.code)
        yield iri, w.fz.level, w.lit(d.level)
        if d.parent:
            yield iri, w.fz.partOf, w.region(d.parent)
        if d.lon is not None and d.lat is not None:
            geom = w.iri(f"{mint('region', d.code)}/geometry")
            yield iri, w.geo.hasGeometry, geom
            yield geom, w.rdf.type, w.geo.Geometry
            yield geom, w.geo.asWKT, w.wkt(f"POINT({d.lon:.6f} {d.lat:.6f})")
            yield iri, w.fz.approximateLocation, w.plain(bool(d.approximate))


def _local_region(
    name: str, level: str, parent_code: str | None, iri: Any, w: _Writer, gazetteer: Gazetteer,
    divisions: Any,
) -> Iterator[tuple[Any, Any, Any]]:
    """A township or village (no code): its label, level and county (``parent_code``)."""
    yield iri, w.rdf.type, w.fz.Region
    yield iri, w.rdfs.label, w.zh(name)
    yield iri, w.fz.level, w.plain(level)
    if parent_code:
        yield iri, w.fz.partOf, w.region(parent_code)
        parent = gazetteer.get(parent_code)
        if parent is not None:
            yield from divisions(parent)


def _region_facts(
    ext: Extraction, text_digest: str, report: Any, w: _Writer, gazetteer: Gazetteer,
    divisions: Any,
) -> Iterator[tuple[Any, Any, Any]]:
    """The report's own region (a division, or a township under its county), every region
    it mentions, and how the names several regions share were resolved."""
    meta, mentions, region = ext.report, w.fz.mentions, w.region
    if meta.township:  # a township's report: about the township, under its county
        home = w.local_region(meta.region_code, meta.township)
        yield report, w.fz.aboutRegion, home
        yield report, mentions, home
        yield from _local_region(meta.township, "township", meta.region_code, home, w,
                                 gazetteer, divisions)
    elif meta.region_code:
        div = gazetteer.get(meta.region_code)
        if div is not None:
            home = region(meta.region_code)
            yield report, w.fz.aboutRegion, home
            yield report, mentions, home
            yield from divisions(div)

    for hit in ext.regions:
        if hit.code:
            div = gazetteer.get(hit.code)
            if div is None:
                continue
            # surfaces are the gazetteer's names and aliases, or relative (全区): no new labels
            yield report, mentions, region(hit.code)
            yield from divisions(div)
            continue
        iri = w.local_region(hit.parent_code, hit.name)
        yield report, mentions, iri
        yield from _local_region(hit.name, hit.level, hit.parent_code, iri, w, gazetteer, divisions)
    yield from _resolutions(ext, text_digest, report, w, gazetteer, divisions)


def _resolutions(
    ext: Extraction, text_digest: str, report: Any, w: _Writer, gazetteer: Gazetteer,
    divisions: Any,
) -> Iterator[tuple[Any, Any, Any]]:
    """The report's fz:RegionResolution nodes: one per name and outcome (the first reason
    given for it), and one per name left undecided with its candidates."""
    meta, found = ext.report, {}
    for hit in ext.regions:
        if hit.reason and (hit.code is None or gazetteer.get(hit.code) is not None):
            chosen = (w.region(hit.code) if hit.code
                      else w.local_region(hit.parent_code, hit.name))
            found.setdefault((text_digest, hit.surface, hit.code or hit.parent_code or "unknown"),
                             (hit.reason, chosen))
    if meta.township and meta.township_reason:
        found.setdefault((text_digest, meta.township, meta.region_code or "unknown"),
                         (meta.township_reason, w.local_region(meta.region_code, meta.township)))
    for key, (reason, chosen) in found.items():
        yield from _resolution(key, reason, chosen, (), report, w)
    for surface, codes in ext.undecided:  # never guessed: the candidates are recorded
        known = [d for d in map(gazetteer.get, codes) if d is not None]
        yield from _resolution((text_digest, surface, "undecided"), "undecided", None,
                               tuple(w.region(d.code) for d in known), report, w)
        for d in known:
            yield from divisions(d)


def _resolution(
    key: tuple[str, str, str], reason: str, chosen: Any, candidates: tuple[Any, ...],
    report: Any, w: _Writer,
) -> Iterator[tuple[Any, Any, Any]]:
    """How the report's mention of a name several regions share was resolved (``chosen``,
    for ``reason``), or, with ``reason`` "undecided", the ``candidates`` the context could
    not decide between (fz:RegionResolution). ``key`` is (report digest, surface, the
    chosen region's code or "undecided"): one node per report, name and outcome."""
    surface = key[1]
    iri = w.iri(mint("resolution", *key))
    yield iri, w.rdf.type, w.fz.RegionResolution
    yield iri, w.fz.resolvedIn, report
    yield iri, w.fz.surfaceForm, w.zh(surface)
    yield iri, w.fz.resolutionReason, w.plain(reason)
    if chosen is not None:
        yield iri, w.fz.resolvedRegion, chosen
    for c in candidates:
        yield iri, w.fz.candidateRegion, c


def division_triples(div: Division, gazetteer: Gazetteer) -> Iterator[Triple]:
    """A GB/T division with its code, level, point and parent chain to the province."""
    return _division_facts(div, gazetteer, _AS_RDFLIB)


def _facts(
    ext: Extraction, w: _Writer, *, gazetteer: Gazetteer, shared: set[str] | None,
) -> Iterator[tuple[Any, Any, Any]]:
    """The facts of :func:`triples`, with terms made by ``w``."""
    if shared is not None:
        def divisions(div: Division) -> Iterator[tuple[Any, Any, Any]]:
            shared.add(div.code)
            return iter(())
    else:
        def divisions(div: Division) -> Iterator[tuple[Any, Any, Any]]:
            return _division_facts(div, gazetteer, w)
    rdf_type, mentions, zh, plain, region = w.rdf.type, w.fz.mentions, w.zh, w.plain, w.region
    text_digest = digest(ext.doc.text)
    report_text = mint("report", text_digest)  # report_iri(ext), its digest kept
    report = w.iri(report_text)
    meta = ext.report
    yield report, rdf_type, w.fz.Report
    yield report, w.dcterms.source, w.lit(ext.doc.source)
    yield report, w.fz["format"], plain(ext.doc.fmt)
    yield report, w.fz.encoding, plain(ext.doc.encoding)
    yield report, w.fz.contentHash, w.lit(digest(ext.doc.text, length=64))
    yield report, w.fz.documentKind, w.fz[DOCUMENT_KINDS[meta.kind]]
    if meta.title:
        yield report, w.dcterms.title, zh(meta.title)
    if meta.year and meta.kind in REPORT_KINDS:  # a news item's year is its date's
        yield report, w.fz.yearCovered, w.year(meta.year)
    if meta.issued:
        yield report, w.dcterms.issued, w.date(meta.issued)
    for flag in ext.warnings:
        yield report, w.fz.flag, w.lit(flag)

    yield from _region_facts(ext, text_digest, report, w, gazetteer, divisions)

    agencies: dict[tuple[str, str | None], Any] = {}
    for hit in ext.agencies:
        iri = w.agency(hit.name, hit.region_code)
        agencies[(hit.name, hit.region_code)] = iri
        yield report, mentions, iri
        yield iri, rdf_type, w.fz.Agency
        yield iri, rdf_type, w.org.Organization
        yield iri, w.rdfs.label, zh(hit.name)
        yield iri, w.fz.agencyKind, plain(hit.kind)
        if hit.surface and hit.surface != hit.name:
            yield iri, w.skos.altLabel, zh(hit.surface)
        if hit.region_code and gazetteer.get(hit.region_code):
            yield iri, w.fz.jurisdiction, region(hit.region_code)
            yield from divisions(gazetteer.get(hit.region_code))
    if meta.publisher:
        match = next((iri for (name, _), iri in agencies.items() if name == meta.publisher), None)
        if match is not None:
            yield report, w.dcterms.publisher, match

    for hit in ext.programmes:
        iri = w.programme(hit.concept)
        yield report, mentions, iri
        alt = surface_label(hit.surface) if hit.surface else ""
        if alt and alt != hit.concept:
            yield iri, w.skos.altLabel, zh(alt)
        if not hit.curated:
            yield iri, rdf_type, w.fz.Programme
            yield iri, rdf_type, w.skos.Concept
            yield iri, w.skos.prefLabel, zh(hit.concept)
            yield iri, w.skos.inScheme, w.candidate_scheme
            yield iri, w.fz.curated, plain(False)

    for hit in ext.documents:
        iri = w.document(hit.title)
        yield report, mentions, iri
        yield iri, rdf_type, w.fz.PolicyDocument
        yield iri, w.dcterms.title, zh(hit.title)
        yield iri, w.fz.level, plain(hit.level)

    by_name = {name: iri for (name, _), iri in agencies.items()}
    facts = [imp for imp in ext.implementations  # those in a known region or township
             if imp.township or (imp.region_code and gazetteer.get(imp.region_code) is not None)]
    for imp in facts:
        where = (imp.region_code or "unknown",) + ((imp.township,) if imp.township else ())
        iri = w.iri(mint("implementation", text_digest, *where, imp.programme,
                         "undated" if imp.year is None else str(imp.year)))
        yield iri, rdf_type, w.fz.Implementation
        yield iri, w.fz.region, (w.local_region(imp.region_code, imp.township) if imp.township
                                 else region(imp.region_code))
        yield iri, w.fz.programme, w.programme(imp.programme)
        if imp.year is not None:  # neither its sentence nor its document gives a year
            yield iri, w.fz.year, w.year(imp.year)
        for code in imp.learned_from:
            origin = gazetteer.get(code)
            if origin is not None:
                yield iri, w.fz.learnedFrom, region(code)
                yield report, mentions, region(code)
                yield from divisions(origin)
        yield iri, w.prov.wasDerivedFrom, report
        yield iri, w.fz.evidence, w.lit(imp.evidence)
        yield iri, w.fz.planned, plain(imp.planned)
        if imp.agency and imp.agency in by_name:
            yield iri, w.fz.agency, by_name[imp.agency]

    home_code = meta.region_code if meta.region_code and gazetteer.get(meta.region_code) else None
    where = ((meta.region_code or "unknown", meta.township) if meta.township  # as fz:aboutRegion
             else (home_code,) if home_code else None)
    covers = ((where, meta.year, DOCUMENT_KINDS[meta.kind])
              if where and meta.year and meta.kind in REPORT_KINDS else None)
    yield from derived_facts(facts, report=report, gazetteer=gazetteer, w=w, covers=covers)


def triples(
    ext: Extraction, *, gazetteer: Gazetteer, thesaurus: Thesaurus, shared: set[str] | None = None,
) -> Iterator[Triple]:
    """All triples one report contributes.

    With ``shared`` (a set), the triples of GB/T divisions (shared by every report
    that names them) are left out and their codes added to ``shared`` instead:
    :func:`division_lines` gives them once for the whole build.
    """
    return _facts(ext, _AS_RDFLIB, gazetteer=gazetteer, shared=shared)


_TRIPLES = triples  # the definition report_lines writes directly (unless replaced, in tests)


def report_lines(
    ext: Extraction, *, gazetteer: Gazetteer, thesaurus: Thesaurus, shared: set[str],
) -> list[str]:
    """The N-Triples lines of one report, sorted and unique, without the shared division
    triples (whose codes go to ``shared``): ``sorted({nt_line(t) for t in triples(...)})``,
    written without building rdflib terms."""
    if triples is not _TRIPLES:  # replaced (a test wrapping it): its triples are the graph
        return sorted({nt_line(t) for t in triples(ext, gazetteer=gazetteer, thesaurus=thesaurus,
                                                   shared=shared)})
    return sorted({f"{s} {p} {o} ." for s, p, o in _facts(ext, _AS_NT, gazetteer=gazetteer,
                                                          shared=shared)})


def division_lines(codes: Iterable[str], gazetteer: Gazetteer) -> set[str]:
    """The N-Triples lines of the divisions ``codes`` and their parents."""
    out: set[str] = set()
    for code in codes:
        div = gazetteer.get(code)
        if div is not None:
            out.update(f"{s} {p} {o} ." for s, p, o in _division_facts(div, gazetteer, _AS_NT))
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
