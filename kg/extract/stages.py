"""The extraction stages as plain functions over a :class:`Found` record.

Each stage reads the text, the source :class:`kg.types.Document` and what
earlier stages found, and fills in its own part. :func:`kg.extract.extract` runs
them straight over the text (no spaCy ``Doc``, no spaCy import: fast, and cheap
to start in worker processes); :mod:`kg.extract.components` wraps each one as a
registered spaCy component.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kg import gazetteer as gaz
from kg import thesaurus as thes
from kg.extract import agencies, documents, implementations, metadata, programmes, regions
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
    found.home = home
    found.report = ReportMeta(
        title=title, region_code=home.code if home else None, publisher=publisher_surface,
        year=metadata.find_year(source, title, issued), issued=issued,
    )
    found.regions = regions.find_regions(
        found.text, gazetteer=gazetteer, home=home.code if home else None
    )


def find_agencies_stage(found: Found) -> None:
    """Agencies, region-qualified; the publisher resolved to its canonical name."""
    gazetteer = gaz.load()
    home = found.home
    report = found.report
    publisher: AgencyHit | None = None
    if report is not None and report.publisher:
        hits = agencies.find_agencies(report.publisher, gazetteer=gazetteer, home=home)
        publisher = hits[0] if hits else None
    hits = agencies.find_agencies(found.text, gazetteer=gazetteer, home=home, publisher=publisher)
    if publisher is None and (report is None or report.publisher is None):
        # no declared publisher: the first agency named at the top of the text
        publisher = next((h for h in hits if h.start < 400 and h.kind == "justice-bureau"), None)
        if publisher is not None:
            hits = agencies.find_agencies(
                found.text, gazetteer=gazetteer, home=home, publisher=publisher
            )
    found.publisher = publisher
    found.agencies = hits


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
    """Programmes carried out (or planned) by the report's region, with evidence."""
    report = found.report or ReportMeta()
    found.implementations = implementations.find_implementations(
        found.text, programmes=found.programmes, agencies=found.agencies,
        year=report.year, region_code=report.region_code,
        regions=found.regions, gazetteer=gaz.load(),
    )


STAGES: tuple[Callable[[Found], None], ...] = (
    find_regions_stage, find_agencies_stage, find_documents_stage,
    find_programmes_stage, find_implementations_stage,
)
