"""Extraction stage: Document → Extraction.

The stages are the registered ``fz_*`` spaCy components of
:mod:`kg.extract.components` (``spacy.blank("zh")``, character segmenter:
offline, finds every dictionary occurrence). :func:`extract` runs the same
stage functions straight over the text by default, without building a spaCy
``Doc`` (ten times faster, same result); pass ``nlp`` to run them through a
spaCy pipeline instead. A spaCy ``Doc`` never leaves this package: the result
is a plain, picklable :class:`kg.types.Extraction`, and :func:`extract` is a
pure per-document function (safe to map over documents in worker processes or
on a Dask cluster).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from dataclasses import replace

from kg.extract import metadata
from kg.types import AgencyHit, Document, Extraction, ReportMeta

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = ["build_nlp", "extract"]


@cache
def build_nlp() -> "Language":
    """The extraction pipeline (cached: building it loads the lexicons once)."""
    import spacy

    from kg.extract import components

    components.register()
    nlp = spacy.blank("zh")
    for name in components.PIPES:
        nlp.add_pipe(name)
    return nlp


def extract(document: Document, nlp: "Language | None" = None) -> Extraction:
    """Run the extraction stages over one Document.

    Args:
        document: the decoded input.
        nlp: a spaCy pipeline from :func:`build_nlp` (or one extending it); by
            default the stages run directly over the text, with the same result.
    """
    from kg.extract import stages

    if nlp is None:
        found = stages.Found(text=document.text, document=document)
        for stage in stages.STAGES:
            stage(found)
    else:
        doc = nlp.make_doc(document.text)
        doc.user_data["fz_document"] = document
        for _, proc in nlp.pipeline:
            doc = proc(doc)
        found = doc.user_data["fz_found"]
    return _extraction(document, found)


def _publisher_hit(text: str, publisher: AgencyHit | None, hits: list[AgencyHit]) -> tuple[AgencyHit, ...]:
    """The publisher as an agency hit with offsets into ``text``: where the text names it
    (its surface or canonical name), else a zero-width hit (named only in page metadata)."""
    if publisher is None or any(h.name == publisher.name and h.region_code == publisher.region_code
                                for h in hits):
        return ()
    for surface in (publisher.surface, publisher.name):
        at = text.find(surface) if surface else -1
        if at >= 0:
            return (replace(publisher, start=at, end=at + len(surface), surface=surface),)
    return (replace(publisher, start=0, end=0, surface=""),)


def _extraction(document: Document, found: object) -> Extraction:
    report: ReportMeta = found.report or ReportMeta()  # type: ignore[attr-defined]
    publisher = found.publisher  # type: ignore[attr-defined]
    warnings = []
    if report.region_code is None:
        warnings.append("township-county-unknown" if report.township else "no-region")
    undecided = tuple(getattr(found, "undecided", ()))
    warnings += [f"ambiguous-region:{surface}={'|'.join(codes)}" for surface, codes in undecided]
    if not metadata.looks_like_governance(document):
        warnings.append("not-a-report")
    return Extraction(
        doc=document,
        report=ReportMeta(
            title=report.title, region_code=report.region_code,
            publisher=publisher.name if publisher else None,
            year=report.year, issued=report.issued, kind=report.kind,
            township=report.township, township_reason=report.township_reason,
        ),
        regions=tuple(found.regions),  # type: ignore[attr-defined]
        agencies=tuple(found.agencies) + _publisher_hit(document.text, publisher, found.agencies),  # type: ignore[attr-defined]
        programmes=tuple(found.programmes),  # type: ignore[attr-defined]
        documents=tuple(found.documents),  # type: ignore[attr-defined]
        implementations=tuple(found.implementations),  # type: ignore[attr-defined]
        warnings=tuple(warnings),
        undecided=undecided,
    )
