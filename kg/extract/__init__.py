"""Extraction stage: Document → Extraction, as a spaCy pipeline.

``spacy.blank("zh")`` (character segmenter: offline, finds every dictionary
occurrence) plus the registered ``fz_*`` components of
:mod:`kg.extract.components`. A spaCy ``Doc`` never leaves this package: the
result is a plain, picklable :class:`kg.types.Extraction`.
"""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language

from kg.types import AgencyHit, Document, Extraction, ReportMeta

__all__ = ["build_nlp", "extract"]


@cache
def build_nlp() -> Language:
    """The extraction pipeline (cached: building it loads the lexicons once)."""
    from kg.extract import components

    components.register()
    nlp = spacy.blank("zh")
    for name in components.PIPES:
        nlp.add_pipe(name)
    return nlp


def extract(document: Document, nlp: Language | None = None) -> Extraction:
    """Run the pipeline over one Document."""
    nlp = nlp or build_nlp()
    doc = nlp.make_doc(document.text)
    doc.user_data["fz_document"] = document
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    report: ReportMeta = doc._.fz_report
    publisher: AgencyHit | None = doc._.fz_publisher
    warnings = []
    if report.region_code is None:
        warnings.append("no-region")
    return Extraction(
        doc=document,
        report=ReportMeta(
            title=report.title, region_code=report.region_code,
            publisher=publisher.name if publisher else None,
            year=report.year, issued=report.issued,
        ),
        regions=tuple(doc._.fz_regions),
        agencies=tuple(doc._.fz_agencies) + ((publisher,) if publisher else ()),
        programmes=tuple(doc._.fz_programmes),
        documents=tuple(doc._.fz_documents),
        implementations=tuple(doc._.fz_implementations),
        warnings=tuple(warnings),
    )
