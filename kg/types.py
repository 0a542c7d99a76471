"""Records that flow between the stages: files → Document → Extraction → graph.

Plain frozen dataclasses, no logic: every stage takes one of these and returns
another, so the records stay picklable (for worker processes) and diffable.
Offsets are character offsets into ``Document.text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Level = Literal["province", "prefecture", "county", "township", "village"]
DocLevel = Literal["national", "provincial", "prefecture", "county", "unknown"]
# What a document is: an annual report of a government, of a department or of a
# township/street, a news item, or a signed article (kg.extract.metadata.find_kind)
DocumentKind = Literal["report", "department-report", "township-report", "news", "article"]
# Each kind's individual in the ontology (fz:documentKind fz:NewsItem …)
DOCUMENT_KINDS: dict[str, str] = {
    "report": "GovernmentReport", "department-report": "DepartmentReport",
    "township-report": "TownshipReport", "news": "NewsItem", "article": "Article",
}
# The kinds that are annual reports: they cover a year (fz:yearCovered)
REPORT_KINDS: frozenset[str] = frozenset({"report", "department-report", "township-report"})


@dataclass(frozen=True, slots=True)
class Document:
    """One input file, decoded to text.

    ``source`` is the path relative to the input folder (POSIX separators);
    ``meta`` holds page metadata such as 发文机关 / 发文时间 / 索引号 / 标题.
    """

    source: str
    text: str
    fmt: Literal["txt", "html", "pdf", "docx"] = "txt"
    encoding: str = "utf-8"
    title: str = ""  # a title the file itself declares (HTML <title>, 标题 field), if any
    meta: tuple[tuple[str, str], ...] = ()
    flags: tuple[str, ...] = ()  # what ingest noticed and changed (e.g. invisible characters removed)

    def meta_value(self, *keys: str) -> str | None:
        """The first metadata value among ``keys``, or None."""
        found = dict(self.meta)
        for key in keys:
            if found.get(key):
                return found[key]
        return None


@dataclass(frozen=True, slots=True)
class RegionHit:
    """A region named in the text, resolved to a division.

    ``code`` is the six-digit GB/T 2260 code (province, prefecture, county) or
    None for townships and villages, which carry ``parent_code`` (their county, or
    the report's region when the county is not known).
    ``reason`` says why one of several divisions sharing the name was chosen:
    "home" (the report's own region), "qualified" (written right after its parent:
    西宁市城中区), "near-home" (the only one in or near the report's region),
    "context" (the only one under the divisions the text names), "broadest" (a
    province over its namesake city: 吉林), "only-fit" (the context rules allow no
    other: bare county stems away from home, generic names without their parent); for
    a township, "county-list" (the township list of the county has it), "named-county"
    (the county named right before it) or "context" (the one county of the name whose
    level word is that of the superior its report names). None when the name is one
    division's only.
    """

    start: int
    end: int
    surface: str
    name: str
    level: Level
    code: str | None = None
    parent_code: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AgencyHit:
    """An agency named in the text; ``name`` is region-qualified where resolvable."""

    start: int
    end: int
    surface: str
    name: str
    region_code: str | None = None  # jurisdiction (six-digit code) when known
    kind: str = "other"


@dataclass(frozen=True, slots=True)
class ProgrammeHit:
    """A named governance measure; ``concept`` is the canonical prefLabel."""

    start: int
    end: int
    surface: str
    concept: str
    curated: bool = True
    theme: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentHit:
    """A policy document cited as 《title》; ``title`` is normalised, no brackets."""

    start: int
    end: int
    surface: str
    title: str
    level: DocLevel = "unknown"


@dataclass(frozen=True, slots=True)
class ImplementationHit:
    """A region carried out (or plans) a programme in a year: the report's region, or
    one its sentence names; ``learned_from`` the regions the text says it came from."""

    programme: str  # concept prefLabel
    year: int | None  # None: neither the sentence nor the document gives a year
    evidence: str  # the supporting sentence, a substring of Document.text
    start: int  # offset of the evidence sentence
    region_code: str | None = None
    agency: str | None = None  # canonical agency name
    planned: bool = False
    learned_from: tuple[str, ...] = ()  # codes of regions the text says it was learnt from
    township: str | None = None  # the township (under region_code, if known) that did it


@dataclass(frozen=True, slots=True)
class ReportMeta:
    title: str | None = None
    region_code: str | None = None
    publisher: str | None = None  # canonical agency name
    year: int | None = None
    issued: str | None = None  # ISO date YYYY-MM-DD
    kind: DocumentKind = "report"
    # a township's report: the township's name; region_code is then its county (None if
    # the context does not decide which county)
    township: str | None = None
    township_reason: str | None = None  # why that county (RegionHit.reason)


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything found in one Document."""

    doc: Document
    report: ReportMeta
    regions: tuple[RegionHit, ...] = ()
    agencies: tuple[AgencyHit, ...] = ()
    programmes: tuple[ProgrammeHit, ...] = ()
    documents: tuple[DocumentHit, ...] = ()
    implementations: tuple[ImplementationHit, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    # names several divisions share that the context did not decide: (surface, codes)
    undecided: tuple[tuple[str, tuple[str, ...]], ...] = ()
