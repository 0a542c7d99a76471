"""What a build produces and passes around: a worker's result for one file (:class:`Done`),
the manifest's entries (:class:`ManifestEntry`), the build's result (:class:`BuildResult`),
and the turning of results, in input order, into entries with duplicates found
(:class:`Dedup`)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from kg.types import Extraction


@dataclass
class ManifestEntry:
    source: str
    status: str  # "ok" | "failed" | "duplicate" | "skipped" (not a report file type)
    reason: str | None = None
    report: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)


@dataclass
class BuildResult:
    out: Path
    entries: list[ManifestEntry]
    triples: int
    violations: list[str]
    seconds: float
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[ManifestEntry]:
        return [e for e in self.entries if e.status == "failed"]

    @property
    def ok(self) -> list[ManifestEntry]:
        return [e for e in self.entries if e.status == "ok"]


@dataclass
class Done:
    """What a worker returns for one file (small and picklable)."""

    source: str
    file_key: str
    ok: bool = False
    reason: str | None = None
    flags: list[str] = field(default_factory=list)
    text_key: str | None = None
    report: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    lines: str = ""  # the report's sorted N-Triples lines, "\n"-joined
    codes: tuple[str, ...] = ()  # GB/T divisions the report names (shared triples)
    violations: list[str] | None = None  # when its subgraph was validated
    nbytes: int = 0
    cached: bool = False


DONE_FIELDS = tuple(f.name for f in fields(Done) if f.name != "cached")  # what the cache keeps


def counts(ext: Extraction) -> dict[str, int]:
    """A report's counts in the manifest."""
    return {
        "regions": len({h.code or h.name for h in ext.regions}),
        "agencies": len({h.name for h in ext.agencies}),
        "programmes": len({h.concept for h in ext.programmes}),
        "candidate_programmes": len({h.concept for h in ext.programmes if not h.curated}),
        "documents": len({h.title for h in ext.documents}),
        "implementations": len(ext.implementations),
    }


class Dedup:
    """Turns results, in input order, into manifest entries; a report whose text equals an
    earlier one's is a duplicate (flagged on the first) and adds no lines."""

    def __init__(self, entries: list[ManifestEntry]) -> None:
        self.entries = entries
        self.first_of: dict[str, ManifestEntry] = {}

    def take(self, done: Done) -> bool:
        """Record ``done``; True when its lines are part of the graph."""
        entry = ManifestEntry(source=done.source, status="failed", reason=done.reason,
                              flags=list(done.flags))
        self.entries.append(entry)
        if done.ok and done.text_key in self.first_of:
            first = self.first_of[done.text_key]
            entry.status, entry.report, entry.reason, entry.flags = (
                "duplicate", first.report,
                f"与 {first.source} 内容相同 / same text as {first.source}", [])
            first.flags.append(f"also-at:{done.source}")
            return False
        if done.ok:
            self.first_of[done.text_key] = entry  # type: ignore[index]
            entry.status, entry.report, entry.counts = "ok", done.report, done.counts
            return True
        return False
