"""The build: the only loop over documents.

files → (worker processes: :func:`kg.ingest.read` → :func:`kg.extract.extract` →
:func:`kg.graph.report_lines`, SHACL on the report's subgraph when sampled) →
sorted runs of N-Triples lines → one merged, sorted ``graph.nt`` → Oxigraph bulk
load (in slices) → ``graph.ttl`` streamed from ``graph.nt`` → ``spread.html`` from the
store → ``manifest.json``. No whole-corpus graph is ever held in memory: memory is
bounded by the run size, the load slice and the worker batches, not by the corpus.

Results come back in input order (``imap``), so the output is byte-identical
whatever the number of workers. Each report's lines are cached in
``out/cache.sqlite`` by file content and code version. ``update=True`` re-extracts
only new and changed files and changes the previous build in place of redoing it
(:func:`_update`): the lines that stop or start to hold follow from per-line
reference counts kept in the build's ``.state.sqlite`` (a line can be asserted by
several reports, and the shared division lines follow the union of their codes); the
store is an Oxigraph checkpoint of the previous one with those lines removed and
added, ``graph.nt`` a splice of the previous one, the spread view's query rows are
refreshed for the changed nodes only, and validation covers (a sample of) the changed
reports, and the shared nodes if they changed, while the other reports' violations are
carried over. The result equals a clean build (apart from which reports were validated).
Everything is written into a fresh build folder swapped in atomically
(:mod:`kg.store`). A file that fails is recorded with its reason and the others
are built; nothing here raises on a bad document.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import marshal
import mmap
import multiprocessing
import os
import shutil
import sqlite3
import time
import traceback
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from functools import cache
from json.encoder import encode_basestring as _string  # what the encoder writes a str with
from pathlib import Path
from typing import Any, Literal

import pyoxigraph as ox

from kg import gazetteer as gaz
from kg import ingest
from kg import thesaurus as thes
from kg.errors import IngestError
from kg.namespaces import ID, digest
from kg.resources import PACKAGE_DIR, SAMPLE_CORPUS, ontology_dir
from kg.store import (
    BuildLock,
    RunWriter,
    SortedLines,
    copy_store,
    current_build,
    load_store,
    merge_runs,
    new_build_dir,
    publish_build,
    splice_sorted,
    splice_turtle,
    write_turtle,
)
from kg.types import Extraction

__all__ = ["BuildResult", "ManifestEntry", "run"]

log = logging.getLogger(__name__)

ValidateMode = Literal["auto", "full", "sample", "none"]
FULL_VALIDATION_REPORTS = 300  # up to this many reports the whole graph goes through pyshacl
VALIDATION_SAMPLE = (20, 100)  # beyond it, 1% of the report subgraphs, at least 20, at most 100
SHARED_GRAPH = f"{ID}graph/shared"
UPDATE_POOL_MIN = 24  # an update extracts fewer changed files than this in its own process


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


_DONE_FIELDS = tuple(f.name for f in fields(_Done) if f.name != "cached")  # what the cache keeps


def file_key(path: Path, source: str, data: bytes | None = None) -> str:
    """Cache key of one input: its source name, its bytes (``data``, else read from ``path``
    a megabyte at a time) and the code version."""
    h = hashlib.sha256(code_version().encode())
    h.update(source.encode("utf-8", "surrogateescape") + b"\x00")  # sources are shown escaped; never raise
    if data is not None:
        h.update(data)
    else:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
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


WORKER_MEMORY_MB = int(os.environ.get("KG_WORKER_MEMORY_MB", "2048") or 0)  # per build worker; 0: no cap


def _limit_worker_memory(budget_mb: int) -> None:
    """Pool initializer: cap a build worker's address space (``RLIMIT_AS``) at its size
    at start plus ``budget_mb`` MiB, so one file that needs more fails with a reason
    (MemoryError, caught in :func:`_work`) instead of taking the machine's memory."""
    if budget_mb <= 0:
        return
    try:
        import resource

        with open("/proc/self/status", encoding="ascii") as f:
            vm = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = vm + budget_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    except (ImportError, OSError, StopIteration, ValueError):  # not Linux: bounded decoding only
        pass


def _work(item: tuple[Path, str, bool]) -> _Done:
    """Read, extract and serialise one file (runs in a worker process)."""
    from kg.extract import extract
    from kg.graph import report_iri, report_lines

    path, source, validate_it = item
    data: bytes | None
    try:
        size = path.stat().st_size  # a file too large to read is refused by ingest.read
        data = path.read_bytes() if size <= ingest.MAX_BYTES else None
        key = file_key(path, source, data)
    except OSError:
        size, data, key = 0, b"", file_key(path, source, b"")
    done = _Done(source=source, file_key=key, nbytes=size if data is None else len(data))
    try:
        document = ingest.read(path, source, data=data or None)
        done.text_key = digest(document.text)
        ext = extract(document)
        shared: set[str] = set()
        lines = report_lines(ext, gazetteer=gaz.load(), thesaurus=thes.load(), shared=shared)
    except IngestError as e:
        done.reason = e.reason
        return done
    except MemoryError:
        done.reason = (f"内存超限 / out of memory: reading this file needed more than the build "
                       f"worker's {WORKER_MEMORY_MB} MiB budget")
        return done
    except Exception as e:  # one bad document never stops a build
        log.debug("unexpected error on %s", source, exc_info=True)
        done.reason = f"内部错误 / internal error: {type(e).__name__}: {e}"
        done.flags.append(traceback.format_exc(limit=1).strip().splitlines()[-1])
        return done
    done.ok = True
    done.report = str(report_iri(ext))
    done.counts = _counts(ext)
    done.flags.extend(document.flags)
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


def _in_child(fn: Callable[[], Any]) -> Callable[[], Any]:
    """Start ``fn`` in a forked process; the returned function waits for its value. Where
    fork is not available, or the child dies, ``fn`` runs in this process instead."""
    if "fork" not in multiprocessing.get_all_start_methods():
        value = fn()
        return lambda: value
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def target() -> None:
        try:
            send.send((True, fn()))
        except BaseException as e:  # noqa: BLE001 - reported to the parent, which reruns fn
            send.send((False, repr(e)))

    proc = ctx.Process(target=target, daemon=True)
    proc.start()
    send.close()

    def wait() -> Any:
        try:
            ok, value = receive.recv()
        except EOFError:
            ok, value = False, "the process died"
        proc.join()
        if ok:
            return value
        log.debug("background step failed (%s): running it here", value)
        return fn()

    return wait


def _validate_reports(reports: list[tuple[str, list[str], tuple[str, ...]]]) -> dict[str, list[str]]:
    """SHACL over several reports' subgraphs (by key): one run over their union, and only if
    that finds violations, one run per report to tell whose they are."""
    if not reports:
        return {}
    lines = sorted({ln for _, report, _ in reports for ln in report})
    codes = tuple(sorted({c for _, _, report_codes in reports for c in report_codes}))
    if not _validate_report(lines, codes):
        return {key: [] for key, _, _ in reports}
    return {key: _validate_report(report, report_codes) for key, report, report_codes in reports}


@cache
def _scheme_lines() -> list[str]:
    from kg.graph import scheme_lines

    return scheme_lines()


# --- the cache ------------------------------------------------------------------------------


class _Cache:
    """Per-file results in ``out/cache.sqlite``: file key -> compressed _Done (``done``), the
    same without its lines (``meta``, cheap to read for every file), and each source's
    ``os.stat`` signature -> file key (``stat``: an unchanged file is not read again).

    A clean build does not read it but rewrites it (so a killed clean build leaves the
    old cache usable); entries of files not in the latest build are dropped on close.
    """

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS done (key TEXT PRIMARY KEY, body BLOB)")
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, body TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS stat (source TEXT PRIMARY KEY, sig TEXT, key TEXT)")
        self.used: list[str] = []
        self.known_stats: dict[str, tuple[str, str]] | None = None  # the stat table, once read

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

    def metas(self) -> dict[str, _Done]:
        """Every cached result without its lines, by file key."""
        out = {}
        for key, body in self.db.execute("SELECT key, body FROM meta"):
            # marshal (five times quicker to read than JSON); JSON in caches written before
            done = _Done(**(marshal.loads(body) if isinstance(body, bytes) else json.loads(body)))
            done.codes = tuple(done.codes)
            done.cached = True
            out[key] = done
        return out

    def put(self, done: _Done) -> None:
        # the fields one level deep (dataclasses.asdict copies every list and dict again)
        body = {name: getattr(done, name) for name in _DONE_FIELDS}
        blob = zlib.compress(json.dumps(body, ensure_ascii=False).encode("utf-8"), 1)
        self.db.execute("INSERT OR REPLACE INTO done VALUES (?, ?)", (done.file_key, blob))
        del body["lines"]
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (done.file_key, marshal.dumps(body)))

    def stats(self) -> dict[str, tuple[str, str]]:
        return {src: (sig, key) for src, sig, key in self.db.execute("SELECT source, sig, key FROM stat")}

    def put_stats(self, rows: list[tuple[str, str, str]], *,
                  old: dict[str, tuple[str, str]] | None = None) -> None:
        """Make the table ``rows``; ``old``: what it holds now (only the difference is written)."""
        if old is None:
            self.db.execute("DELETE FROM stat")
            self.db.executemany("INSERT OR REPLACE INTO stat VALUES (?, ?, ?)", rows)
            return
        sources = {source for source, _, _ in rows}
        self.db.executemany("DELETE FROM stat WHERE source = ?", [(s,) for s in old if s not in sources])
        self.db.executemany("INSERT OR REPLACE INTO stat VALUES (?, ?, ?)",
                            [row for row in rows if old.get(row[0]) != row[1:]])

    def close(self, *, keep: set[str]) -> None:
        """Commit, dropping entries of files no longer in the inputs."""
        stale = [(k,) for (k,) in self.db.execute("SELECT key FROM done") if k not in keep]
        self.db.executemany("DELETE FROM done WHERE key = ?", stale)
        self.db.executemany("DELETE FROM meta WHERE key = ?", stale)
        self.db.commit()
        self.db.close()


def _signature(path: Path) -> str | None:
    """What tells an unchanged file without reading it: size, mtime, ctime, inode, code version."""
    try:
        st = path.stat()
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{code_version()}"


# --- the build state (for --update) ---------------------------------------------------------

STATE = ".state.sqlite"


def _line_hash(line: str) -> bytes:
    return hashlib.blake2b(line.encode("utf-8"), digest_size=16).digest()


class _State:
    """What ``--update`` needs to change a build instead of redoing it, in ``.state.sqlite``
    beside its graph.nt: the file keys of the reports whose lines are in the graph
    (``contrib``), how many of them assert each line asserted more than once (``refs``, by a
    hash of the line; a line of the graph not listed is asserted once), how many name each
    division code (``codes``: the shared division lines are those of the codes named), the
    SHACL violations by owner (a file key, ``shared`` or ``full``) and a few facts (``info``).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.executescript("""
            CREATE TABLE IF NOT EXISTS info (k TEXT PRIMARY KEY, v TEXT);
            CREATE TABLE IF NOT EXISTS refs (h BLOB PRIMARY KEY, n INTEGER) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS codes (code TEXT PRIMARY KEY, n INTEGER);
            CREATE TABLE IF NOT EXISTS contrib (key TEXT PRIMARY KEY);
            CREATE TABLE IF NOT EXISTS violations (owner TEXT, line TEXT);
            CREATE INDEX IF NOT EXISTS violations_owner ON violations (owner);
        """)

    def info(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT k, v FROM info")}

    def set_info(self, **values: Any) -> None:
        self.db.executemany("INSERT OR REPLACE INTO info VALUES (?, ?)",
                            [(k, json.dumps(v)) for k, v in values.items()])

    def refs(self, line: str) -> int | None:
        row = self.db.execute("SELECT n FROM refs WHERE h = ?", (_line_hash(line),)).fetchone()
        return row[0] if row else None

    def refs_of(self, lines: Iterable[str]) -> dict[str, int]:
        """The counts of those of ``lines`` asserted more than once (one query per 500)."""
        by_hash = {_line_hash(ln): ln for ln in lines}
        hashes = list(by_hash)
        found: dict[str, int] = {}
        for at in range(0, len(hashes), 500):
            chunk = hashes[at:at + 500]
            query = f"SELECT h, n FROM refs WHERE h IN ({','.join('?' * len(chunk))})"
            found.update((by_hash[h], n) for h, n in self.db.execute(query, chunk))
        return found

    def set_refs(self, rows: Iterable[tuple[str, int]]) -> None:
        """Set each line's count (a count below 2 removes the line from the table)."""
        rows = list(rows)
        self.db.executemany("DELETE FROM refs WHERE h = ?", [(_line_hash(ln),) for ln, n in rows if n < 2])
        self.db.executemany("INSERT OR REPLACE INTO refs VALUES (?, ?)",
                            [(_line_hash(ln), n) for ln, n in rows if n >= 2])

    def codes(self) -> Counter[str]:
        return Counter(dict(self.db.execute("SELECT code, n FROM codes")))

    def set_codes(self, codes: Counter[str]) -> None:
        self.db.execute("DELETE FROM codes")
        self.db.executemany("INSERT INTO codes VALUES (?, ?)", [(c, n) for c, n in codes.items() if n > 0])

    def contributors(self) -> set[str]:
        return {k for (k,) in self.db.execute("SELECT key FROM contrib")}

    def set_contributors(self, removed: Iterable[str], added: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM contrib WHERE key = ?", [(k,) for k in removed])
        self.db.executemany("INSERT OR REPLACE INTO contrib VALUES (?)", [(k,) for k in added])

    def violations(self) -> list[str]:
        return sorted({ln for (ln,) in self.db.execute("SELECT line FROM violations")})

    def set_violations(self, owner: str, lines: Iterable[str] | None) -> None:
        self.db.execute("DELETE FROM violations WHERE owner = ?", (owner,))
        self.db.executemany("INSERT INTO violations VALUES (?, ?)", [(owner, ln) for ln in set(lines or ())])

    def drop_violations(self, owners: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM violations WHERE owner = ?", [(o,) for o in owners])

    def close(self) -> None:
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
        pool = ctx.Pool(workers, _limit_worker_memory, (WORKER_MEMORY_MB,))
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


def _extract_async(work: list[tuple[Path, str, bool]], workers: int) -> tuple[Iterator[_Done], Any]:
    """Results of ``work`` in order, and the pool computing them (None when they are
    computed here, lazily): a pool starts at once, so the caller can do other work meanwhile.
    The caller terminates the pool."""
    if workers <= 1 or len(work) < 2:
        return map(_work, work), None
    _warm()
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ctx.Pool(min(workers, len(work)), _limit_worker_memory, (WORKER_MEMORY_MB,))
    return pool.imap(_work, work, chunksize=max(1, min(16, len(work) // (workers * 8)))), pool


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
    _check_out(Path(out))
    with BuildLock(out):
        return _run(inputs, out, workers=workers, update=update, validate=validate,
                    nquads=nquads, spread=spread, progress=progress, on_start=on_start)


# What a build folder holds (the current layout and the one before ``.builds``): a folder
# holding anything else is not a build, and a build would replace or delete its contents.
_BUILD_NAMES = frozenset({".builds", ".current", ".lock", ".store.new", ".store.old", "cache.sqlite",
                          "cache.sqlite-journal", "cache.sqlite-wal", "cache.sqlite-shm", ".state.sqlite",
                          "graph.nt", "graph.ttl", "graph.nq", "manifest.json", "spread.html", "store"})
_BUILD_MARKS = (".current", ".builds", "manifest.json")


def _check_out(out: Path) -> None:
    """Refuse an output folder that exists, is not empty and is not a build (``kg build
    --out ~`` or ``--out`` an input folder would otherwise replace its ``store/``,
    ``graph.nt``, ``manifest.json`` …). Raises :class:`~kg.errors.KGError`."""
    from kg.errors import KGError
    from kg.ingest import show

    if out.exists() and not out.is_dir():
        raise KGError(f"{show(str(out))}: 输出路径是文件 / the output path is a file, not a folder")
    if not out.is_dir():
        return
    try:
        names = {entry.name for entry in os.scandir(out)}
    except OSError as e:
        raise KGError(f"{show(str(out))}: 无法读取输出目录 / cannot read the output folder "
                      f"({e.strerror or e})") from e
    if not names or any(mark in names for mark in _BUILD_MARKS):
        return
    others = sorted(names - _BUILD_NAMES)
    if others:
        listed = ", ".join(show(n) for n in others[:5]) + (" …" if len(others) > 5 else "")
        raise KGError(f"{show(str(out))}: 输出目录不是构建目录,且含有其他文件 / the output folder is not a "
                      f"build and holds other things ({listed}); give an empty or new folder")


class _Fallback(Exception):
    """The previous build cannot be changed in place: build from the cache instead."""


class _Dedup:
    """Turns results, in input order, into manifest entries; a report whose text equals an
    earlier one's is a duplicate (flagged on the first) and adds no lines."""

    def __init__(self, entries: list[ManifestEntry]) -> None:
        self.entries = entries
        self.first_of: dict[str, ManifestEntry] = {}

    def take(self, done: _Done) -> bool:
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


def _run(
    inputs: Sequence[Path] | None, out: Path, *, workers: int | None, update: bool,
    validate: ValidateMode, nquads: bool, spread: bool,
    progress: Callable[[int], None] | None, on_start: Callable[[int], None] | None,
) -> BuildResult:
    from kg.graph import division_lines, source_graph_iri

    started = time.perf_counter()
    clock = _Clock()
    clock.start("discover")
    previous = current_build(out)
    build = new_build_dir(out)
    roots = list(inputs) if inputs else sorted(SAMPLE_CORPUS.glob("*.txt"))
    files, skipped = ingest.discover_reasons(roots, exclude=[out])
    entries = [ManifestEntry(source=source, status="skipped", reason=reason) for _, source, reason in skipped]
    if on_start:
        on_start(len(files))
    workers = workers or os.cpu_count() or 1
    mode = validate
    if mode == "auto":
        mode = "full" if len(files) <= FULL_VALIDATION_REPORTS else "sample"
    low, high = VALIDATION_SAMPLE
    stride = max(1, len(files) // min(high, max(low, len(files) // 100)))
    items = [(path, source, mode == "sample" and i % stride == 0) for i, (path, source) in enumerate(files)]
    clock.start("signatures")
    signatures = [_signature(path) for path, _ in files]

    cache_db = _Cache(out / "cache.sqlite")
    cached: dict[int, str] = {}  # input index -> cache key, for files whose result is cached
    if update:
        known = cache_db.keys()
        stats = cache_db.known_stats = cache_db.stats()
        for i, (path, source, _) in enumerate(items):
            sig = signatures[i]
            hit = stats.get(source)
            if sig is not None and hit is not None and hit[0] == sig:
                key = hit[1]
            else:
                try:
                    key = file_key(path, source)
                except OSError:
                    continue
            if key in known:
                cached[i] = key
        if previous is not None and not nquads:
            try:
                return _update(
                    out, build, previous, items=items, cached=cached, signatures=signatures,
                    entries=entries, workers=workers, mode=mode, spread=spread,
                    cache_db=cache_db, progress=progress, started=started, clock=clock)
            except _Fallback as e:
                log.info("update in place not possible (%s): building from the cache", e)
                shutil.rmtree(build)
                build = new_build_dir(out)
                del entries[len(skipped):]

    clock.start("clean")
    runs = RunWriter(build / ".runs")
    nq = (build / "graph.nq").open("w", encoding="utf-8", newline="\n") if nquads else None
    codes: Counter[str] = Counter()
    contributors: list[str] = []
    dedup = _Dedup(entries)
    owned: dict[str, list[str]] = {}  # violations by file key
    keys: set[str] = set()
    stat_rows: list[tuple[str, str, str]] = []
    nbytes = 0
    t_extract = time.perf_counter()
    for i, done in enumerate(_results(items, workers, cached, cache_db)):
        keys.add(done.file_key)
        if signatures[i] is not None:
            stat_rows.append((done.source, signatures[i], done.file_key))  # type: ignore[arg-type]
        nbytes += done.nbytes
        if not done.cached:
            cache_db.put(done)
        if dedup.take(done):
            lines = done.lines.split("\n") if done.lines else []
            runs.add(lines)
            contributors.append(done.file_key)
            codes.update(done.codes)
            if done.violations:
                owned[done.file_key] = done.violations
            if nq is not None:
                graph = f" <{source_graph_iri(done.source)}> .\n"
                nq.writelines(ln[:-2] + graph for ln in lines)
        if progress:
            progress(1)
    t_extract = time.perf_counter() - t_extract
    rss = {"extract": _max_rss_mb()}

    shared = sorted(division_lines(codes, gaz.load()) | set(_scheme_lines()))
    runs.add(shared)
    runs.spill()
    if nq is not None:
        nq.writelines(f"{ln[:-2]} <{SHARED_GRAPH}> .\n" for ln in shared)
        nq.close()
    t0 = time.perf_counter()
    state = _State(build / STATE)
    multiple: list[tuple[str, int]] = []  # lines asserted more than once, with their count
    lines_written = merge_runs(runs.runs, build / "graph.nt",
                               repeated=lambda line, n: multiple.append((line, n)))
    shutil.rmtree(build / ".runs", ignore_errors=True)
    state.set_refs(multiple)
    multiple.clear()
    state.set_codes(codes)
    state.set_contributors((), contributors)
    t_sort = time.perf_counter() - t0
    rss["sort"] = _max_rss_mb()

    t0 = time.perf_counter()
    store = load_store(build / "graph.nt", build / "store")
    triples = len(store)
    t_load = time.perf_counter() - t0
    rss["load"] = _max_rss_mb()
    t0 = time.perf_counter()
    write_turtle(build / "graph.nt", build / "graph.ttl", index=build / TURTLE_INDEX)
    t_turtle = time.perf_counter() - t0

    t0 = time.perf_counter()
    for key, found in owned.items():
        state.set_violations(key, found)
    if mode == "full":
        state.set_violations("full", _validate_file(build / "graph.nt"))
    elif mode == "sample":
        state.set_violations("shared", _validate_lines(shared))
    violations = state.violations()
    t_validate = time.perf_counter() - t0
    rss["validate"] = _max_rss_mb()

    t0 = time.perf_counter()
    if spread:
        from kg.viz import spread_rows, write_spread

        rows = spread_rows(store)
        write_spread(store, build / "spread.html", rows=rows)
        _save_rows(build, rows)
        del rows
    t_spread = time.perf_counter() - t0
    rss["spread"] = _max_rss_mb()
    del store

    state.set_info(code_version=code_version(), validation=mode, triples=triples,
                   lines=lines_written, spread=spread)
    state.close()
    return _finish(
        out, build, entries, cache_db, keys, stat_rows, started=started, triples=triples,
        violations=violations,
        stats={
            "workers": workers, "files": len(files), "bytes": nbytes,
            "extracted": len(items) - len(cached), "cached": len(cached),
            "validation": mode, "lines": lines_written, "runs": len(runs.runs),
            "seconds": {"extract": t_extract, "sort": t_sort, "load": t_load, "turtle": t_turtle,
                        "validate": t_validate, "spread": t_spread},
            "max_rss_mb": rss,  # this process's peak so far, after each phase
            "phases": clock.phases,
        }, clock=clock)


class _Clock:
    """Wall and CPU seconds of consecutive phases, ``{phase: [wall, cpu]}`` (``phases``):
    ``start(name)`` ends the running phase and starts ``name``."""

    def __init__(self) -> None:
        self.phases: dict[str, list[float]] = {}
        self._running: tuple[str, float, float] | None = None

    def start(self, name: str) -> None:
        self.stop()
        self._running = (name, time.perf_counter(), time.process_time())

    def stop(self) -> None:
        if self._running is not None:
            name, wall, cpu = self._running
            spent = self.phases.setdefault(name, [0.0, 0.0])
            spent[0] += time.perf_counter() - wall
            spent[1] += time.process_time() - cpu
            self._running = None

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        self.start(name)
        try:
            yield
        finally:
            self.stop()


def _max_rss_mb() -> int:
    try:
        import resource
    except ImportError:  # Windows
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _finish(out: Path, build: Path, entries: list[ManifestEntry], cache_db: _Cache, keys: set[str],
            stat_rows: list[tuple[str, str, str]], *, started: float, triples: int,
            violations: list[str], stats: dict[str, Any], clock: _Clock | None = None) -> BuildResult:
    """Manifest, cache, swap."""
    t0 = time.perf_counter()
    clock = clock or _Clock()
    clock.start("manifest")
    entries.sort(key=lambda e: e.source)
    result = BuildResult(out=out, entries=entries, triples=triples, violations=violations,
                         seconds=0.0, stats=stats)
    (build / "manifest.json").write_text(_manifest_text(result), encoding="utf-8")
    clock.start("cache")
    cache_db.put_stats(stat_rows, old=cache_db.known_stats)
    cache_db.close(keep=keys)
    clock.start("publish")
    publish_build(out, build)
    clock.stop()
    result.seconds = time.perf_counter() - started
    result.stats["seconds"]["manifest"] = time.perf_counter() - t0
    result.stats["seconds"]["total"] = result.seconds
    return result


def _update(
    out: Path, build: Path, previous: Path, *, items: list[tuple[Path, str, bool]],
    cached: dict[int, str], signatures: list[str | None], entries: list[ManifestEntry],
    workers: int, mode: str, spread: bool, cache_db: _Cache,
    progress: Callable[[int], None] | None, started: float, clock: _Clock,
) -> BuildResult:
    """``--update`` in place: copy the previous build's store (a checkpoint, hard links) and
    apply the lines that stop or start to hold; splice graph.nt and graph.ttl; refresh the
    spread view's rows of the changed nodes; validate the changed reports (their SHACL,
    and graph.ttl, run in other processes meanwhile) and carry the others' violations over. Many
    changed files are extracted in worker processes while this one reads the cache's
    metadata and the previous spread rows. Work is proportional to the changed files (a
    look-up each in graph.nt and graph.ttl, through :class:`kg.store.SortedLines`), plus a
    copy of graph.nt and graph.ttl, a stat of every input and the spread view's packing;
    ``stats["phases"]`` has the wall and CPU seconds of each step. Raises _Fallback when
    the previous build cannot be changed so (other code version, validation mode or spread
    setting, a missing cache entry)."""
    from kg.graph import division_lines

    if not (previous / STATE).is_file() or not (previous / "store").is_dir():
        raise _Fallback("the previous build has no update state")
    shutil.copyfile(previous / STATE, build / STATE)
    state = _State(build / STATE)
    try:
        info = state.info()
        if info.get("code_version") != code_version() or info.get("validation") != mode or \
                info.get("spread") != spread or (spread and not (previous / SPREAD_ROWS).is_file()):
            raise _Fallback("code version or build options changed")

        # 1. results of every file: cached metadata, or extraction of new and changed files
        # (in worker processes while this one reads the cache and the previous spread rows)
        t_extract = time.perf_counter()
        clock.start("extract")
        todo = [i for i in range(len(items)) if i not in cached]
        work = [(items[i][0], items[i][1], False) for i in todo]  # validated together below
        results, pool = _extract_async(work, workers if len(work) >= UPDATE_POOL_MIN else 1)
        try:
            clock.start("metas")
            metas = cache_db.metas()
            clock.start("rows_load")
            old_rows = _load_rows(previous) if spread else None
            clock.start("extract")
            fresh: dict[int, _Done] = {}
            for i, done in zip(todo, results, strict=True):
                cache_db.put(done)
                fresh[i] = done
                if progress:
                    progress(1)
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
        for i in range(len(items)):  # a cache entry without its metadata (not expected)
            if i not in fresh and cached[i] not in metas:
                fresh[i] = _work((items[i][0], items[i][1], False))
                cache_db.put(fresh[i])
                if progress:
                    progress(1)
        clock.start("entries")
        dedup = _Dedup(entries)
        contributors: dict[str, _Done] = {}
        keys: set[str] = set()
        stat_rows: list[tuple[str, str, str]] = []
        nbytes = 0
        for i in range(len(items)):
            done = fresh[i] if i in fresh else metas[cached[i]]
            keys.add(done.file_key)
            nbytes += done.nbytes
            if signatures[i] is not None:
                stat_rows.append((done.source, signatures[i], done.file_key))  # type: ignore[arg-type]
            if dedup.take(done):
                contributors[done.file_key] = done
            if progress and i not in fresh:
                progress(1)
        t_extract = time.perf_counter() - t_extract

        # 2. the lines that stop and start to hold
        t0 = time.perf_counter()
        clock.start("delta")
        before = state.contributors()
        removed = sorted(before - contributors.keys())
        added = sorted(contributors.keys() - before)
        delta: Counter[str] = Counter()
        old_codes = state.codes()
        new_codes = Counter(old_codes)
        lines_of: dict[str, list[str]] = {}
        fresh_by_key = {d.file_key: d for d in fresh.values()}
        for key, sign in [(k, -1) for k in removed] + [(k, 1) for k in added]:
            done = fresh_by_key.get(key) or cache_db.get(key)
            if done is None:
                raise _Fallback(f"no cached lines for {key}")
            lines = done.lines.split("\n") if done.lines else []
            if sign > 0:
                lines_of[key] = lines
                delta.update(lines)
                new_codes.update(done.codes)
            else:
                delta.subtract(lines)
                new_codes.subtract(done.codes)
        # SHACL of the changed reports in a second process from here on: like a clean build,
        # a sample: every changed report up to VALIDATION_SAMPLE[0] of them, else that many
        # spread evenly over them (the others keep no violations, as unsampled reports of a
        # clean build)
        sampled = added[::max(1, len(added) // VALIDATION_SAMPLE[0])] if mode == "sample" else []
        reports = [(key, lines_of[key], contributors[key].codes) for key in sampled]
        validated = _in_child(lambda: _validate_reports(reports)) if reports else dict
        old_set = {c for c, n in old_codes.items() if n > 0}
        new_set = {c for c, n in new_codes.items() if n > 0}
        shared_changed = old_set != new_set
        new_shared: list[str] = []
        if shared_changed:
            old_div = division_lines(old_set, gaz.load())
            new_div = division_lines(new_set, gaz.load())
            scheme = set(_scheme_lines())
            old_shared, new_shared_set = old_div | scheme, new_div | scheme
            delta.subtract(old_shared - new_shared_set)
            delta.update(new_shared_set - old_shared)
            new_shared = sorted(new_shared_set)
        remove: list[str] = []
        add: list[str] = []
        counts: list[tuple[str, int]] = []
        changing = [line for line, d in delta.items() if d]
        known = state.refs_of(changing)
        nt_file = (previous / "graph.nt").open("rb")
        size = os.fstat(nt_file.fileno()).st_size
        mm: mmap.mmap | bytes = mmap.mmap(nt_file.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        try:
            clock.start("lookup")
            index = SortedLines.for_lookups(mm, 2 * len(changing))
            for line in changing:
                d = delta[line]
                n = known.get(line)
                if n is None:  # a line that loses a report was in the graph
                    n = 1 if d < 0 or index.contains(line.encode("utf-8")) else 0
                m = n + d
                if m < 0:
                    raise _Fallback(f"negative count for {line[:200]}")
                if n == 0 and m > 0:
                    add.append(line)
                elif n > 0 and m == 0:
                    remove.append(line)
                counts.append((line, m))
            clock.start("refs")
            state.set_refs(counts)
            state.set_codes(new_codes)
            state.set_contributors(removed, added)
            clock.start("splice")
            lines_written = info["lines"] + splice_sorted(previous / "graph.nt", remove, add,
                                                          build / "graph.nt", index=index)
            del index
        finally:
            if isinstance(mm, mmap.mmap):
                mm.close()
            nt_file.close()
        t_sort = time.perf_counter() - t0
        clock.start("fork")

        # 3. graph.ttl and the SHACL of the whole or the shared lines in a (third) process
        # while this one changes the store
        t0 = time.perf_counter()
        shared_lines = new_shared if mode == "sample" and shared_changed else None
        changed, programmes = _touched(remove + add)

        def turtle_and_validation() -> tuple[float, list[str] | None, list[str] | None]:
            t = time.perf_counter()
            if (previous / TURTLE_INDEX).is_file():
                splice_turtle(previous / "graph.ttl", previous / TURTLE_INDEX, build / "graph.nt",
                              changed, build / "graph.ttl", build / TURTLE_INDEX)
            else:
                write_turtle(build / "graph.nt", build / "graph.ttl", index=build / TURTLE_INDEX)
            t = time.perf_counter() - t
            full = _validate_file(build / "graph.nt") if mode == "full" else None
            return t, (_validate_lines(shared_lines) if shared_lines is not None else None), full

        background = _in_child(turtle_and_validation)

        # 4. the store: a checkpoint of the previous one, changed
        clock.start("store")
        copy_store(previous / "store", build / "store")
        store = ox.Store(str(build / "store"))
        if remove:
            for quad in ox.parse(input="\n".join(remove).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
                store.remove(quad)
        if add:
            store.extend(ox.parse(input="\n".join(add).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
        store.flush()
        triples = info["triples"] - len(remove) + len(add)
        t_load = time.perf_counter() - t0

        t0 = time.perf_counter()
        if spread:
            clock.start("rows")
            from kg.viz import refresh_rows, write_spread

            rows = refresh_rows(store, old_rows, changed, programmes)
            del old_rows
            clock.start("page")
            write_spread(store, build / "spread.html", rows=rows)
            clock.start("save_rows")
            _save_rows(build, rows)
            del rows
        t_spread = time.perf_counter() - t0
        del store
        clock.start("wait")

        t0 = time.perf_counter()
        t_turtle, shared_found, full = background()
        found = validated()
        state.drop_violations(removed)
        for key, lines in found.items():
            state.set_violations(key, lines)
        if shared_found is not None:
            state.set_violations("shared", shared_found)
        if full is not None:
            state.set_violations("full", full)
        violations = state.violations()
        t_validate = time.perf_counter() - t0  # waiting for the second process
        state.set_info(triples=triples, lines=lines_written)
    finally:
        state.close()
        clock.stop()
    return _finish(
        out, build, entries, cache_db, keys, stat_rows, started=started, triples=triples,
        violations=violations,
        stats={
            "workers": workers, "files": len(items), "bytes": nbytes,
            "extracted": len(fresh), "cached": len(items) - len(fresh),
            "validation": mode, "lines": lines_written, "runs": 0, "in_place": True,
            "changed_reports": {"removed": len(removed), "added": len(added)},
            "changed_lines": {"removed": len(remove), "added": len(add)},
            "seconds": {"extract": t_extract, "sort": t_sort, "load": t_load, "turtle": t_turtle,
                        "validate": t_validate, "spread": t_spread},
            "phases": clock.phases,
        }, clock=clock)


SPREAD_ROWS = ".spread-rows.marshal"
TURTLE_INDEX = ".graph-ttl.index"  # byte offsets of graph.ttl's subject blocks
PROGRAMME = "<https://w3id.org/fazhi-kg/ontology#programme>"


def _save_rows(build: Path, rows: dict[str, Any]) -> None:
    """The spread view's query rows, for the next ``--update`` to change instead of redo
    (marshal: dicts, lists, tuples and strings only, and twice as quick as pickle; a string
    the rows share, such as a region's IRI, is written once)."""
    (build / SPREAD_ROWS).write_bytes(marshal.dumps(rows))


def _load_rows(build: Path) -> dict[str, Any]:
    # our own file, written by _save_rows; loads() of the whole file, as load() from a file
    # reads it in many small pieces (three times slower)
    return marshal.loads((build / SPREAD_ROWS).read_bytes())


def _touched(lines: Iterable[str]) -> tuple[set[str], set[str]]:
    """Subjects of ``lines``, and the programmes they name as an implementation's."""
    subjects: set[str] = set()
    programmes: set[str] = set()
    for line in lines:
        subject, predicate, rest = line.split(" ", 2)
        subjects.add(subject[1:-1])
        if predicate == PROGRAMME and rest.startswith("<"):
            programmes.add(rest[1:rest.index(">")])
    return subjects, programmes


def _validate_lines(lines: list[str]) -> list[str]:
    from rdflib import Graph

    from kg.validate import validate as shacl

    g = Graph()
    g.parse(data="\n".join(lines) + "\n", format="nt")
    return shacl(g)


def _validate_file(nt_path: Path) -> list[str]:
    from rdflib import Graph

    from kg.validate import validate

    g = Graph()
    g.parse(nt_path, format="nt")
    return validate(g)


def _entry_dict(e: ManifestEntry) -> dict[str, Any]:
    # dataclasses.asdict deep-copies field by field: 10x slower for 10,000 entries
    return {"source": e.source, "status": e.status, "reason": e.reason, "report": e.report,
            "counts": dict(e.counts), "flags": list(e.flags)}


def _manifest_text(result: BuildResult) -> str:
    """manifest.json exactly as ``json.dumps(_manifest(result), ensure_ascii=False, indent=2)``
    writes it, with the entries (the bulk) laid out by hand: the indenting encoder is pure
    Python, ten times slower for 10,000 entries."""
    manifest = _manifest(result, entries=False)
    manifest["entries"] = "\x00ENTRIES\x00"
    text = json.dumps(manifest, ensure_ascii=False, indent=2)
    body = ",\n".join(map(_entry_text, result.entries))
    return text.replace('"\\u0000ENTRIES\\u0000"', f"[\n{body}\n  ]" if body else "[]")


_encode = json.JSONEncoder(ensure_ascii=False).encode


def _value(v: object) -> str:
    """``_encode(v)`` for the values entries hold, without the encoder's own dispatch (a
    string goes straight to the C function the encoder calls)."""
    if isinstance(v, str):
        return _string(v)
    if v is None:
        return "null"
    if type(v) is int:
        return int.__repr__(v)
    return _encode(v)


def _entry_text(e: ManifestEntry) -> str:
    counts = ",\n".join(f"        {_string(k)}: {_value(v)}" for k, v in e.counts.items())
    flags = ",\n".join(f"        {_string(f)}" for f in e.flags)
    return (f'    {{\n      "source": {_value(e.source)},\n      "status": {_value(e.status)},\n'
            f'      "reason": {_value(e.reason)},\n      "report": {_value(e.report)},\n'
            f'      "counts": {f"{{{chr(10)}{counts}{chr(10)}      }}" if counts else "{}"},\n'
            f'      "flags": {f"[{chr(10)}{flags}{chr(10)}      ]" if flags else "[]"}\n    }}')


def _manifest(result: BuildResult, *, entries: bool = True) -> dict[str, object]:
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
        "entries": [_entry_dict(e) for e in result.entries] if entries else [],
        "shacl_violations": result.violations,
        "build": result.stats,
    }
