"""The only module that registers spaCy components and Doc extensions.

Each component wraps one plain extractor function (``kg.extract.*``) and writes
its typed result to a Doc extension (``doc._.fz_regions`` …) and, for entity
types, a span group (``doc.spans["fz_region"]`` …) so spaCy tools can see them.
The source :class:`kg.types.Document` travels in ``doc.user_data["fz_document"]``.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from kg import gazetteer as gaz
from kg import thesaurus as thes
from kg.extract import agencies, documents, implementations, metadata, programmes, regions
from kg.types import AgencyHit, Document, ReportMeta

EXTENSIONS = (
    "fz_report", "fz_home", "fz_regions", "fz_agencies", "fz_programmes",
    "fz_documents", "fz_implementations", "fz_publisher",
)
PIPES = (
    "fz_regions", "fz_agencies", "fz_programmes", "fz_documents", "fz_implementations",
)


def register() -> None:
    """Declare the Doc extensions (idempotent)."""
    for name in EXTENSIONS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


def _document(doc: Doc) -> Document:
    found = doc.user_data.get("fz_document")
    return found if isinstance(found, Document) else Document(source="<text>", text=doc.text)


def _span_group(doc: Doc, name: str, hits: list, key: str) -> None:
    spans = []
    for hit in hits:
        span = doc.char_span(hit.start, hit.end, label=name, alignment_mode="expand")
        if span is not None:
            spans.append(Span(doc, span.start, span.end, label=name, kb_id=str(getattr(hit, key) or "")))
    doc.spans[name] = SpanGroup(doc, name=name, spans=spans)


@Language.component("fz_regions", assigns=["doc._.fz_regions", "doc._.fz_home", "doc._.fz_report"])
def regions_component(doc: Doc) -> Doc:
    """Report metadata, the report's own region, and every region named in the text."""
    source = _document(doc)
    gazetteer = gaz.load()
    title = metadata.find_title(source)
    issued = metadata.find_issued(source)
    publisher_surface = metadata.find_publisher_surface(source, title)
    home = regions.subject_region(
        title=title or "", publisher=publisher_surface, text=doc.text, gazetteer=gazetteer
    )
    doc._.fz_home = home
    doc._.fz_report = ReportMeta(
        title=title, region_code=home.code if home else None, publisher=publisher_surface,
        year=metadata.find_year(source, title, issued), issued=issued,
    )
    hits = regions.find_regions(doc.text, gazetteer=gazetteer, home=home.code if home else None)
    doc._.fz_regions = hits
    _span_group(doc, "fz_region", hits, "code")
    return doc


@Language.component("fz_agencies", requires=["doc._.fz_home"], assigns=["doc._.fz_agencies"])
def agencies_component(doc: Doc) -> Doc:
    """Agencies, region-qualified; the publisher resolved to its canonical name."""
    gazetteer = gaz.load()
    home = doc._.fz_home
    report: ReportMeta = doc._.fz_report
    publisher: AgencyHit | None = None
    if report.publisher:
        found = agencies.find_agencies(report.publisher, gazetteer=gazetteer, home=home)
        publisher = found[0] if found else None
    hits = agencies.find_agencies(doc.text, gazetteer=gazetteer, home=home, publisher=publisher)
    if publisher is None and report.publisher is None:
        # no declared publisher: the first agency named at the top of the text
        publisher = next((h for h in hits if h.start < 400 and h.kind == "justice-bureau"), None)
        if publisher is not None:
            hits = agencies.find_agencies(
                doc.text, gazetteer=gazetteer, home=home, publisher=publisher
            )
    doc._.fz_publisher = publisher
    doc._.fz_agencies = hits
    _span_group(doc, "fz_agency", hits, "name")
    return doc


@Language.component("fz_programmes", assigns=["doc._.fz_programmes"])
def programmes_component(doc: Doc) -> Doc:
    """Named governance measures, curated and candidate."""
    hits = programmes.find_programmes(doc.text, thesaurus=thes.load())
    doc._.fz_programmes = hits
    _span_group(doc, "fz_programme", hits, "concept")
    return doc


@Language.component("fz_documents", assigns=["doc._.fz_documents"])
def documents_component(doc: Doc) -> Doc:
    """Policy documents cited as 《title》."""
    hits = documents.find_documents(doc.text, gazetteer=gaz.load())
    doc._.fz_documents = hits
    _span_group(doc, "fz_document", hits, "title")
    return doc


@Language.component(
    "fz_implementations",
    requires=["doc._.fz_programmes", "doc._.fz_agencies", "doc._.fz_report"],
    assigns=["doc._.fz_implementations"],
)
def implementations_component(doc: Doc) -> Doc:
    """Programmes carried out (or planned) by the report's region, with evidence."""
    report: ReportMeta = doc._.fz_report
    doc._.fz_implementations = implementations.find_implementations(
        doc.text, programmes=doc._.fz_programmes, agencies=doc._.fz_agencies,
        year=report.year, region_code=report.region_code,
    )
    return doc
