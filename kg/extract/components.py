"""The only module that registers spaCy components and Doc extensions.

Each registered component wraps one stage of :mod:`kg.extract.stages` (plain
functions over a :class:`~kg.extract.stages.Found` record, which
:func:`kg.extract.extract` runs directly, without building a spaCy ``Doc``): it
runs the stage over ``doc.text`` and writes the typed result to a Doc extension
(``doc._.fz_regions`` …) and, for entity types, a span group
(``doc.spans["fz_region"]`` …) so spaCy tools can see them. The source Document
travels in ``doc.user_data["fz_document"]``.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from kg.extract.stages import (
    STAGES, Found, find_agencies_stage, find_documents_stage, find_implementations_stage,
    find_programmes_stage, find_regions_stage,
)
from kg.types import Document

__all__ = ["EXTENSIONS", "PIPES", "STAGES", "Found", "register"]

EXTENSIONS = (
    "fz_report", "fz_home", "fz_regions", "fz_agencies", "fz_programmes",
    "fz_documents", "fz_implementations", "fz_publisher",
)
PIPES = (
    "fz_regions", "fz_agencies", "fz_documents", "fz_programmes", "fz_implementations",
)


def register() -> None:
    """Declare the Doc extensions (idempotent)."""
    for name in EXTENSIONS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


# --- spaCy components: one stage each, over Doc ---------------------------------------------


def _found(doc: Doc) -> Found:
    """The Found record of ``doc``, made on first use (``doc.text`` is computed once)."""
    found = doc.user_data.get("fz_found")
    if not isinstance(found, Found):
        document = doc.user_data.get("fz_document")
        text = doc.text
        if not isinstance(document, Document):
            document = Document(source="<text>", text=text)
        found = Found(text=text, document=document)
        doc.user_data["fz_found"] = found
    return found


def _span_group(doc: Doc, name: str, hits: list[Any], key: str) -> None:
    spans = []
    for hit in hits:
        span = doc.char_span(hit.start, hit.end, label=name, alignment_mode="expand")
        if span is not None:
            spans.append(Span(doc, span.start, span.end, label=name, kb_id=str(getattr(hit, key) or "")))
    doc.spans[name] = SpanGroup(doc, name=name, spans=spans)


@Language.component("fz_regions", assigns=["doc._.fz_regions", "doc._.fz_home", "doc._.fz_report"])
def regions_component(doc: Doc) -> Doc:
    """Report metadata, the report's own region, and every region named in the text."""
    found = _found(doc)
    find_regions_stage(found)
    doc._.fz_home = found.home
    doc._.fz_report = found.report
    doc._.fz_regions = found.regions
    _span_group(doc, "fz_region", found.regions, "code")
    return doc


@Language.component("fz_agencies", requires=["doc._.fz_home"],
                    assigns=["doc._.fz_agencies", "doc._.fz_report"])
def agencies_component(doc: Doc) -> Doc:
    """Agencies, region-qualified; the publisher resolved to its canonical name; the
    document's kind and year."""
    found = _found(doc)
    find_agencies_stage(found)
    doc._.fz_report = found.report
    doc._.fz_publisher = found.publisher
    doc._.fz_agencies = found.agencies
    _span_group(doc, "fz_agency", found.agencies, "name")
    return doc


@Language.component(
    "fz_programmes", requires=["doc._.fz_documents"], assigns=["doc._.fz_programmes"]
)
def programmes_component(doc: Doc) -> Doc:
    """Named governance measures, curated and candidate (not inside a 《title》)."""
    found = _found(doc)
    find_programmes_stage(found)
    doc._.fz_programmes = found.programmes
    _span_group(doc, "fz_programme", found.programmes, "concept")
    return doc


@Language.component("fz_documents", assigns=["doc._.fz_documents"])
def documents_component(doc: Doc) -> Doc:
    """Policy documents cited as 《title》."""
    found = _found(doc)
    find_documents_stage(found)
    doc._.fz_documents = found.documents
    _span_group(doc, "fz_document", found.documents, "title")
    return doc


@Language.component(
    "fz_implementations",
    requires=["doc._.fz_programmes", "doc._.fz_agencies", "doc._.fz_report"],
    assigns=["doc._.fz_implementations"],
)
def implementations_component(doc: Doc) -> Doc:
    """Programmes carried out (or planned) by the report's region, with evidence."""
    found = _found(doc)
    find_implementations_stage(found)
    doc._.fz_implementations = found.implementations
    return doc
