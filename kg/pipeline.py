"""The build: the only loop over documents.

files → (worker processes: :func:`kg.ingest.read` → :func:`kg.extract.extract` →
:func:`kg.graph.report_lines`, SHACL on the report's subgraph when sampled) →
sorted runs of N-Triples lines → one merged, sorted ``graph.nt`` → Oxigraph bulk
load → ``graph.ttl`` dumped by Oxigraph → ``spread.html`` from the store →
``manifest.json``. No whole-corpus graph is ever held in memory: memory is bounded
by the run size and the worker batches, not by the corpus.

Results come back in input order (``imap``), so the output is byte-identical
whatever the number of workers. Each report's lines are cached in
``out/cache.sqlite`` by file content and code version, so ``update=True``
re-extracts only new and changed files and drops the facts of deleted ones.
Everything is written into a fresh build folder swapped in atomically
(:mod:`kg.store`). A file that fails is recorded with its reason and the others
are built; nothing here raises on a bad document.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import sqlite3
import time
import traceback
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from kg import gazetteer as gaz
from kg import ingest
from kg import thesaurus as thes
from kg.errors import IngestError
from kg.namespaces import ID, digest
from kg.resources import PACKAGE_DIR, SAMPLE_CORPUS, ontology_dir
from kg.store import BuildLock, RunWriter, load_store, merge_runs, new_build_dir, publish_build
from kg.types import Extraction

__all__ = ["BuildResult", "ManifestEntry", "run"]

log = logging.getLogger(__name__)

ValidateMode = Literal["auto", "full", "sample", "none"]
FULL_VALIDATION_REPORTS = 300  # up to this many reports the whole graph goes through pyshacl
VALIDATION_SAMPLE = (20, 100)  # beyond it, 1% of the report subgraphs, at least 20, at most 100
SHARED_GRAPH = f"{ID}graph/shared"


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


def _counts(ext: Extraction) -> dict[str, int]:
    return {
        "regions": len({h.code or h.name for h in ext.regions}),
        "agencies": len({h.name for h in ext.agencies}),
        "programmes": len({h.concept for h in ext.programmes}),
        "candidate_programmes": len({h.concept for h in ext.programmes if not h.curated}),
        "documents": len({h.title for h in ext.documents}),
        "implementations": len(ext.implementations),
    }


# --- one document, in a worker --------------------------------------------------------------


@dataclass
class _Done:
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


def file_key(path: Path, source: str, data: bytes | None = None) -> str:
    """Cache key of one input: its source name, its bytes and the code version."""
    h = hashlib.sha256(code_version().encode())
    h.update(source.encode("utf-8") + b"\x00")
    h.update(data if data is not None else path.read_bytes())
    return h.hexdigest()


@cache
def code_version() -> str:
    """A digest of the package code, lexicons and ontology: any change invalidates the cache."""
    h = hashlib.sha256()
    roots = [PACKAGE_DIR, ontology_dir()]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in {".py", ".json", ".tsv", ".txt", ".ttl", ".csv"} and \
                    "corpus" not in path.parts and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(root)).encode() + b"\x00" + path.read_bytes())
    return h.hexdigest()[:16]


def _work(item: tuple[Path, str, bool]) -> _Done:
    """Read, extract and serialise one file (runs in a worker process)."""
    from kg.extract import extract
    from kg.graph import report_iri, report_lines

    path, source, validate_it = item
    try:
        data = path.read_bytes()
    except OSError:
        data = b""
    done = _Done(source=source, file_key=file_key(path, source, data), nbytes=len(data))
    try:
        document = ingest.read(path, source)
        done.text_key = digest(document.text)
        ext = extract(document)
        shared: set[str] = set()
        lines = report_lines(ext, gazetteer=gaz.load(), thesaurus=thes.load(), shared=shared)
    except IngestError as e:
        done.reason = e.reason
        return done
    except Exception as e:  # noqa: BLE001 - one bad document never stops a build
        log.debug("unexpected error on %s", source, exc_info=True)
        done.reason = f"内部错误 / internal error: {type(e).__name__}: {e}"
        done.flags.append(traceback.format_exc(limit=1).strip().splitlines()[-1])
        return done
    done.ok = True
    done.report = str(report_iri(ext))
    done.counts = _counts(ext)
    done.flags.extend(ext.warnings)
    done.lines = "\n".join(lines)
    done.codes = tuple(sorted(shared))
    if validate_it:
        done.violations = _validate_report(lines, done.codes)
    return done


def _validate_report(lines: list[str], codes: tuple[str, ...]) -> list[str]:
    """SHACL over one report's subgraph: its lines, its divisions, its curated programmes."""
    from rdflib import Graph

    from kg.graph import division_lines
    from kg.validate import validate

    programmes = {ln.split(" ", 3)[2] for ln in lines if "/ontology#programme> <" in ln
                  or "/ontology#mentions> <" in ln}
    scheme = [ln for ln in _scheme_lines() if ln.split(" ", 1)[0] in programmes]
    text = "\n".join([*lines, *division_lines(codes, gaz.load()), *scheme]) + "\n"
    g = Graph()
    g.parse(data=text, format="nt")
    return validate(g)


@cache
def _scheme_lines() -> list[str]:
    from kg.graph import scheme_lines

    return scheme_lines()


# --- the cache ------------------------------------------------------------------------------


class _Cache:
    """Per-file results in ``out/cache.sqlite``: file key -> compressed _Done.

    A clean build does not read it but rewrites it (so a killed clean build leaves the
    old cache usable); entries of files not in the latest build are dropped on close.
    """

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS done (key TEXT PRIMARY KEY, body BLOB)")
        self.used: list[str] = []

    def keys(self) -> set[str]:
        return {k for (k,) in self.db.execute("SELECT key FROM done")}

    def get(self, key: str) -> _Done | None:
        row = self.db.execute("SELECT body FROM done WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        done = _Done(**json.loads(zlib.decompress(row[0])))
        done.codes = tuple(done.codes)
        done.cached = True
        return done

    def put(self, done: _Done) -> None:
        body = {k: v for k, v in asdict(done).items() if k not in {"cached", "violations"}}
        blob = zlib.compress(json.dumps(body, ensure_ascii=False).encode("utf-8"), 1)
        self.db.execute("INSERT OR REPLACE INTO done VALUES (?, ?)", (done.file_key, blob))

    def close(self, *, keep: set[str]) -> None:
        """Commit, dropping entries of files no longer in the inputs."""
        stale = [k for (k,) in self.db.execute("SELECT key FROM done") if k not in keep]
        self.db.executemany("DELETE FROM done WHERE key = ?", [(k,) for k in stale])
        self.db.commit()
        self.db.close()


# --- the build ------------------------------------------------------------------------------


def _results(items: list[tuple[Path, str, bool]], workers: int,
             cached: dict[int, str], cache_db: _Cache) -> Iterator[_Done]:
    """Results in input order: cached ones read from the cache one at a time (memory stays
    bounded), the rest from the worker pool."""
    todo = [it for i, it in enumerate(items) if i not in cached]
    if workers <= 1 or len(todo) < 2:
        fresh: Iterator[_Done] = map(_work, todo)
        pool = None
    else:
        _warm()
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        pool = ctx.Pool(workers)
        chunk = max(1, min(16, len(todo) // (workers * 8)))
        fresh = pool.imap(_work, todo, chunksize=chunk)
    try:
        for i in range(len(items)):
            if i not in cached:
                yield next(fresh)
                continue
            hit = cache_db.get(cached[i])
            yield hit if hit is not None else _work(items[i])
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def _warm() -> None:
    """Load the lexicons before forking, so workers share them."""
    from kg.extract import extract
    from kg.types import Document

    extract(Document(source="<warm>", text="镜湖区司法局推进“枫桥经验”。《法治政府建设实施纲要》"))


def run(
    inputs: Sequence[Path] | None, out: Path, *,
    workers: int | None = None,
    update: bool = False,
    validate: ValidateMode = "auto",
    nquads: bool = False,
    spread: bool = True,
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> BuildResult:
    """Build the graph of ``inputs`` (files or folders; default: the sample corpus) into ``out``.

    Args:
        inputs: files and folders; None for the packaged sample corpus.
        out: the output folder (its previous build stays live until this one is complete).
        workers: extraction processes (default: every core; 1 runs in this process).
        update: reuse the cached extraction of unchanged files (``kg build --update``).
        validate: ``full`` runs SHACL over the whole graph, ``sample`` over the subgraphs of
            about 100 reports plus the shared nodes, ``auto`` picks full up to 300 reports.
        nquads: also write ``graph.nq``: one named graph per report (named after its
            file: :func:`kg.graph.source_graph_iri`) plus a graph of the shared nodes.
        spread: write ``spread.html``.
    """
    with BuildLock(out):
        return _run(inputs, out, workers=workers, update=update, validate=validate,
                    nquads=nquads, spread=spread, progress=progress, on_start=on_start)


def _run(
    inputs: Sequence[Path] | None, out: Path, *, workers: int | None, update: bool,
    validate: ValidateMode, nquads: bool, spread: bool,
    progress: Callable[[int], None] | None, on_start: Callable[[int], None] | None,
) -> BuildResult:
    from kg.graph import division_lines, source_graph_iri

    started = time.perf_counter()
    build = new_build_dir(out)
    roots = list(inputs) if inputs else sorted(SAMPLE_CORPUS.glob("*.txt"))
    files = ingest.discover(roots)
    entries = [
        ManifestEntry(source=source, status="skipped",
                      reason=f"不支持的文件类型 / unsupported file type ({path.suffix or 'no extension'})")
        for path, source in ingest.skipped_in(roots)
    ]
    if on_start:
        on_start(len(files))
    workers = workers or os.cpu_count() or 1
    mode = validate
    if mode == "auto":
        mode = "full" if len(files) <= FULL_VALIDATION_REPORTS else "sample"
    low, high = VALIDATION_SAMPLE
    stride = max(1, len(files) // min(high, max(low, len(files) // 100)))
    items = [(path, source, mode == "sample" and i % stride == 0) for i, (path, source) in enumerate(files)]

    cache_db = _Cache(out / "cache.sqlite")
    cached: dict[int, str] = {}  # input index -> cache key, for files whose result is cached
    if update:
        known = cache_db.keys()
        for i, (path, source, _) in enumerate(items):
            try:
                key = file_key(path, source)
            except OSError:
                continue
            if key in known:
                cached[i] = key

    runs = RunWriter(build / ".runs")
    nq = (build / "graph.nq").open("w", encoding="utf-8", newline="\n") if nquads else None
    codes: set[str] = set()
    first_of: dict[str, ManifestEntry] = {}
    violations: set[str] = set()
    keys: set[str] = set()
    nbytes = 0
    t_extract = time.perf_counter()
    for done in _results(items, workers, cached, cache_db):
        entry = ManifestEntry(source=done.source, status="failed", reason=done.reason,
                              flags=list(done.flags))
        entries.append(entry)
        keys.add(done.file_key)
        nbytes += done.nbytes
        if not done.cached:
            cache_db.put(done)
        if done.ok and done.text_key in first_of:
            first = first_of[done.text_key]
            entry.status, entry.report, entry.reason, entry.flags = (
                "duplicate", first.report,
                f"与 {first.source} 内容相同 / same text as {first.source}", [])
            first.flags.append(f"also-at:{done.source}")
        elif done.ok:
            first_of[done.text_key] = entry  # type: ignore[index]
            entry.status, entry.report, entry.counts = "ok", done.report, done.counts
            lines = done.lines.split("\n") if done.lines else []
            runs.add(lines)
            codes.update(done.codes)
            if done.violations:
                violations.update(done.violations)
            if nq is not None:
                graph = f" <{source_graph_iri(done.source)}> .\n"
                nq.writelines(ln[:-2] + graph for ln in lines)
        if progress:
            progress(1)
    t_extract = time.perf_counter() - t_extract

    shared = sorted(division_lines(codes, gaz.load()) | set(_scheme_lines()))
    runs.add(shared)
    runs.spill()
    if nq is not None:
        nq.writelines(f"{ln[:-2]} <{SHARED_GRAPH}> .\n" for ln in shared)
        nq.close()
    t0 = time.perf_counter()
    lines_written = merge_runs(runs.runs, build / "graph.nt")
    shutil.rmtree(build / ".runs", ignore_errors=True)
    t_sort = time.perf_counter() - t0

    t0 = time.perf_counter()
    store = load_store(build / "graph.nt", build / "store", ttl_path=build / "graph.ttl")
    triples = len(store)
    t_load = time.perf_counter() - t0

    t0 = time.perf_counter()
    if mode == "full":
        violations |= set(_validate_file(build / "graph.nt"))
    elif mode == "sample":
        from rdflib import Graph

        from kg.validate import validate as shacl

        g = Graph()
        g.parse(data="\n".join(shared) + "\n", format="nt")
        violations |= set(shacl(g))
    t_validate = time.perf_counter() - t0

    t0 = time.perf_counter()
    if spread:
        from kg.viz import write_spread

        write_spread(store, build / "spread.html")
    t_spread = time.perf_counter() - t0
    del store

    entries.sort(key=lambda e: e.source)
    result = BuildResult(
        out=out, entries=entries, triples=triples, violations=sorted(violations),
        seconds=0.0,
        stats={
            "workers": workers, "files": len(files), "bytes": nbytes,
            "extracted": len(items) - len(cached), "cached": len(cached),
            "validation": mode, "lines": lines_written, "runs": len(runs.runs),
            "seconds": {"extract": t_extract, "sort": t_sort, "load": t_load,
                        "validate": t_validate, "spread": t_spread},
        },
    )
    (build / "manifest.json").write_text(
        json.dumps(_manifest(result), ensure_ascii=False, indent=2), encoding="utf-8")
    cache_db.close(keep=keys)
    publish_build(out, build)
    result.seconds = time.perf_counter() - started
    result.stats["seconds"]["total"] = result.seconds
    return result


def _validate_file(nt_path: Path) -> list[str]:
    from rdflib import Graph

    from kg.validate import validate

    g = Graph()
    g.parse(nt_path, format="nt")
    return validate(g)


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
            "validation": result.stats.get("validation"),
        },
        "entries": [asdict(e) for e in result.entries],
        "shacl_violations": result.violations,
        "build": result.stats,
    }
