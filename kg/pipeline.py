"""The build: the only loop over documents.

files → :func:`kg.ingest.read` → :func:`kg.extract.extract` → :func:`kg.graph.build`
→ :func:`kg.store.write_graph`, plus ``manifest.json`` (one entry per input) and
``spread.html``. A file that fails is recorded with its reason and the others
are built; nothing here raises on a bad document.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kg import gazetteer as gaz
from kg import ingest
from kg import thesaurus as thes
from kg.errors import IngestError
from kg.extract import build_nlp, extract
from kg.graph import build, report_iri
from kg.namespaces import digest
from kg.resources import SAMPLE_CORPUS
from kg.store import open_store, write_graph, write_text
from kg.types import Extraction
from kg.validate import validate

__all__ = ["BuildResult", "ManifestEntry", "run"]

log = logging.getLogger(__name__)


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

    @property
    def failed(self) -> list[ManifestEntry]:
        return [e for e in self.entries if e.status == "failed"]

    @property
    def ok(self) -> list[ManifestEntry]:
        return [e for e in self.entries if e.status == "ok"]


def _counts(ext: Extraction) -> dict[str, int]:
    return {
        "regions": len({h.code or h.name for h in ext.regions}),
        "agencies": len({h.name for h in ext.agencies}),
        "programmes": len({h.concept for h in ext.programmes}),
        "candidate_programmes": len({h.concept for h in ext.programmes if not h.curated}),
        "documents": len({h.title for h in ext.documents}),
        "implementations": len(ext.implementations),
    }


def run(
    inputs: Sequence[Path] | None, out: Path, *,
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> BuildResult:
    """Build the graph of ``inputs`` (files or folders; default: the sample corpus) into ``out``."""
    started = time.perf_counter()
    roots = list(inputs) if inputs else sorted(SAMPLE_CORPUS.glob("*.txt"))
    files = ingest.discover(roots)
    entries = [
        ManifestEntry(source=source, status="skipped",
                      reason=f"不支持的文件类型 / unsupported file type ({path.suffix or 'no extension'})")
        for path, source in ingest.skipped_in(roots)
    ]
    if on_start:
        on_start(len(files))
    nlp = build_nlp()
    extractions: dict[str, Extraction] = {}
    entry_of: dict[str, ManifestEntry] = {}
    for path, source in files:
        entry = ManifestEntry(source=source, status="failed")
        entries.append(entry)
        try:
            document = ingest.read(path, source)
            key = digest(document.text)
            if key in extractions:
                first = entry_of[key]
                entry.status, entry.report = "duplicate", first.report
                entry.reason = f"与 {first.source} 内容相同 / same text as {first.source}"
                first.flags.append(f"also-at:{source}")
                continue
            ext = extract(document, nlp)
        except IngestError as e:
            entry.reason = e.reason
        except Exception as e:  # noqa: BLE001 - one bad document never stops a build
            log.debug("unexpected error on %s", source, exc_info=True)
            entry.reason = f"内部错误 / internal error: {type(e).__name__}: {e}"
            entry.flags.append(traceback.format_exc(limit=1).strip().splitlines()[-1])
        else:
            extractions[key] = ext
            entry_of[key] = entry
            entry.status = "ok"
            entry.report = str(report_iri(ext))
            entry.counts = _counts(ext)
            entry.flags.extend(ext.warnings)
        finally:
            if progress:
                progress(1)
    ordered = sorted(extractions.values(), key=lambda e: e.doc.source)
    g = build(ordered, gazetteer=gaz.load(), thesaurus=thes.load())
    violations = validate(g)
    sizes = write_graph(g, out)
    from kg.viz import write_spread

    write_spread(open_store(out), out / "spread.html")
    entries.sort(key=lambda e: e.source)
    result = BuildResult(
        out=out, entries=entries, triples=sizes["triples"], violations=violations,
        seconds=time.perf_counter() - started,
    )
    write_text(out / "manifest.json", json.dumps(_manifest(result), ensure_ascii=False, indent=2))
    return result


def _manifest(result: BuildResult) -> dict[str, object]:
    status = Counter(e.status for e in result.entries)
    return {
        "summary": {
            "inputs": len(result.entries),
            "ok": status["ok"],
            "failed": status["failed"],
            "duplicate": status["duplicate"],
            "skipped": status["skipped"],
            "triples": result.triples,
            "shacl_violations": len(result.violations),
        },
        "entries": [asdict(e) for e in result.entries],
        "shacl_violations": result.violations,
    }
