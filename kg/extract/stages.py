"""The extraction stages as plain functions over a :class:`Found` record.

Each stage reads the text, the source :class:`kg.types.Document` and what
earlier stages found, and fills in its own part. :func:`kg.extract.extract` runs
them straight over the text (no spaCy ``Doc``, no spaCy import: fast, and cheap
to start in worker processes); :mod:`kg.extract.components` wraps each one as a
registered spaCy component.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from kg import gazetteer as gaz
from kg import thesaurus as thes
from kg.extract import agencies, documents, implementations, metadata, programmes, regions
from kg.extract.text import fold
from kg.types import AgencyHit, Document, ReportMeta

__all__ = ["STAGES", "Found"]

QUOTES = ("“", "”", '"', "「", "」")


@dataclass
class Found:
    """What the stages have found so far in one text (the ``doc._.fz_*`` values)."""

    text: str
    document: Document
    report: ReportMeta | None = None
    home: Any = None
    regions: list[Any] = field(default_factory=list)
    agencies: list[Any] = field(default_factory=list)
    publisher: AgencyHit | None = None
    township: Any = None  # the township a township's report is about (a RegionHit)
    undecided: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    programmes: list[Any] = field(default_factory=list)
    documents: list[Any] = field(default_factory=list)
    implementations: list[Any] = field(default_factory=list)


def find_regions_stage(found: Found) -> None:
    """Report metadata, the report's own region, and every region named in the text."""
    source = found.document
    gazetteer = gaz.load()
    title = metadata.find_title(source)
    issued = metadata.find_issued(source)
    publisher_surface = metadata.find_publisher_surface(source, title)
    home = regions.subject_region(
        title=title or "", publisher=publisher_surface, text=found.text, gazetteer=gazetteer
    )
    town = regions.subject_township(
        title=title or "", publisher=publisher_surface, text=found.text, around=home,
        gazetteer=gazetteer,
    )
    if town is not None:  # a township's report: its county (if known) is the home division
        home = gazetteer.get(town.parent_code) if town.parent_code else None
    found.home, found.township = home, town
    # the year and the kind follow once the publisher is resolved (find_agencies_stage)
    found.report = ReportMeta(
        title=title, region_code=home.code if home else None, publisher=publisher_surface,
        issued=issued, township=town.name if town else None,
        township_reason=town.reason if town else None,
    )
    undecided: regions.Undecided = []
    found.regions = regions.find_regions(
        found.text, gazetteer=gazetteer, home=home.code if home else None, undecided=undecided,
    )
    if home is None:  # the report's own name may be one several divisions share (通州区)
        regions.find_regions(title or "", gazetteer=gazetteer, home=None, undecided=undecided)
    elif town is None:  # its own name shared (城中区): why this one, not just "home"
        why = regions.subject_reason(home, title=title or "", publisher=publisher_surface,
                                     text=found.text, gazetteer=gazetteer)
        if why is not None:
            found.regions = [replace(h, reason=why) if h.reason == "home" else h
                             for h in found.regions]
    found.undecided = list(dict.fromkeys(undecided))


def find_agencies_stage(found: Found) -> None:
    """Agencies, region-qualified; the publisher resolved to its canonical name; then the
    document's kind and year (which depend on who published it)."""
    gazetteer = gaz.load()
    home = found.home
    report = found.report or ReportMeta()
    surface = report.publisher or metadata.self_reference_publisher(found.text)
    publisher: AgencyHit | None = None
    if surface:
        hits = agencies.find_agencies(surface, gazetteer=gazetteer, home=home)
        publisher = next((h for h in hits if h.start == 0 and h.end == len(surface)), None) or (
            hits[0] if hits else None)
        if publisher is None and report.publisher:
            # a declared publisher (title author, 发文机关, 来源, signature) that the lexicon
            # has no head for (某某自治区藏语委办(编译局), 中共某某镇委员会): kept as written
            publisher = AgencyHit(0, 0, surface, surface, home.code if home else None)
    hits = agencies.find_agencies(found.text, gazetteer=gazetteer, home=home, publisher=publisher)
    if publisher is None and found.township is None:
        # no declared publisher: the first justice bureau named at the top of the text
        # (not in a township's report: a county's bureau there is no township's publisher)
        publisher = next((h for h in hits if h.start < 400 and h.kind == "justice-bureau"), None)
        if publisher is not None:
            hits = agencies.find_agencies(
                found.text, gazetteer=gazetteer, home=home, publisher=publisher
            )
    found.publisher = publisher
    found.agencies = hits
    title = report.title
    kind = metadata.find_kind(
        found.document, title, publisher_kind=publisher.kind if publisher else None,
        publisher_in_title=bool(publisher and title and report.publisher
                                and fold(title).find(report.publisher) >= 0),
        subject_level="township" if found.township is not None else home.level if home else None,
    )
    found.report = replace(
        report, kind=kind, year=metadata.find_year(found.document, title, report.issued, kind),
    )


def find_programmes_stage(found: Found) -> None:
    """Named governance measures, curated and candidate. Inside a cited document's
    《title》 only a quoted name counts (《坪山区“八五”普法规划》); an unquoted one is
    the document's subject (《行政执法责任制度》), not a measure the report names."""
    titles = [(d.start, d.end) for d in found.documents]
    text = found.text
    found.programmes = [
        h for h in programmes.find_programmes(text, thesaurus=thes.load())
        if not any(s <= h.start and h.end <= e for s, e in titles)
        or any(q in text[max(h.start - 1, 0):h.end + 1] for q in QUOTES)
    ]


def find_documents_stage(found: Found) -> None:
    """Policy documents cited as 《title》."""
    found.documents = documents.find_documents(found.text, gazetteer=gaz.load())


def find_implementations_stage(found: Found) -> None:
    """Programmes carried out (or planned) by the report's region or the regions its
    sentences name, with evidence; dated by the report, or by the sentence in news and
    articles."""
    report = found.report or ReportMeta()
    found.implementations = implementations.find_implementations(
        found.text, programmes=found.programmes, agencies=found.agencies,
        year=report.year, region_code=report.region_code, township=report.township,
        regions=found.regions, gazetteer=gaz.load(),
        dated_by_sentence=report.kind not in metadata.REPORT_KINDS, issued=report.issued,
    )


STAGES: tuple[Callable[[Found], None], ...] = (
    find_regions_stage, find_agencies_stage, find_documents_stage,
    find_programmes_stage, find_implementations_stage,
)
