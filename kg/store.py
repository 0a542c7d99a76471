"""Writing a build: sorted N-Triples by external merge, the Oxigraph store, Turtle, and the
atomic swap of a whole build.

Layout of an output folder ``out/``::

    out/.builds/<id>/     one complete build each: graph.nt, graph.ttl, store/,
                          manifest.json, spread.html (graph.nq on request), and what
                          ``--update`` needs (.state.sqlite, .spread-rows.marshal,
                          .graph-ttl.index)
    out/.current          symlink -> .builds/<id>: the live build, swapped atomically
    out/graph.nt …        fixed symlinks -> .current/graph.nt …
    out/cache.sqlite      per-report extraction cache (``kg build --update``)
    out/.lock             held (flock) while a build runs

A build writes everything into a fresh ``.builds/<id>`` and, once it is complete,
replaces the ``.current`` symlink with one ``rename`` — so a build killed at any
moment leaves the previous build live and whole, and a reader resolving
``out/store`` gets either the old or the new store, never half of one. Stale
build folders (from killed builds) are removed by the next build; the previous
build is kept for readers that still hold it open. Where symlinks are not
available (Windows without developer mode) files are moved into place one by one
instead (each file atomic, the set not).
"""

from __future__ import annotations

import bisect
import contextlib
import heapq
import itertools
import math
import mmap
import os
import re
import shutil
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pyoxigraph as ox

from kg.errors import KGError
from kg.namespaces import PREFIXES

if TYPE_CHECKING:
    from rdflib import Graph

__all__ = [
    "ARTEFACTS", "BuildLock", "RunWriter", "SortedLines", "copy_store", "current_build",
    "load_store", "merge_runs", "new_build_dir", "open_store", "publish_build", "sorted_ntriples",
    "splice_sorted", "splice_turtle", "write_graph", "write_run", "write_text", "write_turtle",
]

ARTEFACTS = ("graph.nt", "graph.ttl", "graph.nq", "store", "manifest.json", "spread.html")
BUILDS = ".builds"
CURRENT = ".current"
RUN_LINES = 400_000  # lines held in memory before a sorted run is written
LOAD_LINES = 250_000  # N-Triples lines handed to the store's bulk loader at once


def sorted_ntriples(g: Graph) -> str:
    """The graph as N-Triples, one triple a line, sorted and unique: the diffable artefact."""
    lines = {ln for ln in g.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines() if ln}
    return "".join(f"{ln}\n" for ln in sorted(lines))


def write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8, atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --- sorted, unique N-Triples from lines that arrive in any order ---------------------------


class RunWriter:
    """Collects N-Triples lines (without newline); spills sorted unique runs to ``folder``.

    Each line keeps the number of times it was added (one report asserts a line once, so
    this is the number of reports asserting it; :meth:`subtract` takes a report's lines
    away again): a run line is ``line`` when it was added once and ``line #count``
    otherwise — an N-Triples comment, so a run of positive counts is itself N-Triples
    that a store can load. :func:`merge_runs` adds the counts up. Memory is bounded by
    ``limit`` distinct lines, whatever the corpus size.
    """

    def __init__(self, folder: Path, *, limit: int = RUN_LINES, name: str = "run") -> None:
        self.folder = folder
        self.limit = limit
        self.name = name
        self.buffer: Counter[str] = Counter()
        self.runs: list[Path] = []
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, lines: Iterable[str]) -> None:
        self.buffer.update(lines)
        if len(self.buffer) >= self.limit:
            self.spill()

    def subtract(self, lines: Iterable[str]) -> None:
        self.buffer.subtract(lines)
        if len(self.buffer) >= self.limit:
            self.spill()

    def spill(self) -> None:
        if not self.buffer:
            return
        path = self.folder / f"{self.name}-{len(self.runs):05d}.nt"
        write_run(path, self.buffer)
        self.runs.append(path)
        self.buffer = Counter()


def write_run(path: Path, counts: Counter[str]) -> None:
    """One sorted run of ``counts`` (line -> times added) in :class:`RunWriter`'s format."""
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.writelines(f"{ln}\n" if counts[ln] == 1 else f"{ln} #{counts[ln]}\n" for ln in sorted(counts))


def merge_runs(runs: list[Path], target: Path, *,
               repeated: Callable[[str, int], None] | None = None,
               dropped: Callable[[str], None] | None = None) -> int:
    """k-way merge of sorted runs into ``target`` (:func:`heapq.merge`: linear in the lines,
    times the log of the number of runs), dropping duplicates; returns the line count.

    ``repeated(line, n)`` is called for every line added more than once (``n`` times) —
    the reference counts that let ``kg build --update`` remove a line only when no report
    asserts it any more. A line whose counts add up to 0 or less (its reports taken away
    again: duplicates) is not written; ``dropped(line)`` is called for it.

    The runs are merged as bytes, newline included (twice as fast as decoding, slicing and
    encoding every line again): UTF-8 bytes sort as their code points do, and no N-Triples
    line is the start of another, so the order is the same; only the lines handed to
    ``repeated`` and ``dropped`` are decoded.
    """
    with contextlib.ExitStack() as stack:
        merged = _Merged(stack.enter_context(target.open("wb")), repeated, dropped)
        files = [stack.enter_context(path.open("rb")) for path in runs]
        last: bytes | None = None
        times = 0
        for item in heapq.merge(*files):
            if item.endswith(b" .\n"):
                k = 1
            else:  # "line #n": the line added n times
                line, _, n = item.rpartition(b" #")
                item, k = line + b"\n", int(n)
            if item == last:
                times += k
                continue
            if last is not None:
                merged.close(last, times)
            last, times = item, k
        if last is not None:
            merged.close(last, times)
        return merged.finish()


class _Merged:
    """The merged lines written to ``out`` in blocks, with their total counts."""

    BLOCK = 4096  # lines per write

    def __init__(self, out: IO[bytes], repeated: Callable[[str, int], None] | None,
                 dropped: Callable[[str], None] | None) -> None:
        self.out = out
        self.repeated, self.dropped = repeated, dropped
        self.block: list[bytes] = []
        self.count = 0

    def close(self, line: bytes, times: int) -> None:
        """``line`` (newline included) with its total count: written if it is positive."""
        if times <= 0:
            if self.dropped is not None:
                self.dropped(line[:-1].decode("utf-8"))
            return
        self.block.append(line)
        self.count += 1
        if times > 1 and self.repeated is not None:
            self.repeated(line[:-1].decode("utf-8"), times)
        if len(self.block) >= self.BLOCK:
            self.out.write(b"".join(self.block))
            self.block.clear()

    def finish(self) -> int:
        """Write what is left; the lines written."""
        self.out.write(b"".join(self.block))
        return self.count


class SortedLines:
    """Look-ups in sorted N-Triples ``data`` (an mmap or bytes): one line every ``step``
    bytes or so is held in memory, so a look-up is a bisection in C over those lines and
    a split of the few kilobytes between two of them, not a bisection of the file in
    Python (a few microseconds instead of some forty).

    >>> index = SortedLines(b"a\\nc\\ne\\n", step=1)
    >>> index.position(b"b"), index.position(b"c"), index.position(b"z"), index.contains(b"e")
    (2, 2, 6, True)
    """

    __slots__ = ("data", "keys", "starts")

    def __init__(self, data: mmap.mmap | bytes, *, step: int = 4096) -> None:
        self.data = data
        size = len(data)
        starts = [0] if size else []
        find = data.find
        pos = step
        while pos < size:
            nl = find(b"\n", pos - 1)  # the first line starting at pos or later
            if nl < 0 or nl + 1 >= size:
                break
            starts.append(nl + 1)
            pos = nl + 1 + step
        self.starts = starts
        self.keys = [data[a:find(b"\n", a)] for a in starts]

    @classmethod
    def for_lookups(cls, data: mmap.mmap | bytes, lookups: int) -> SortedLines:
        """An index sized for about ``lookups`` look-ups: a held line costs about a
        microsecond to find, a look-up about 1.6 µs per kilobyte between held lines, so
        the step that makes the sum least is sqrt(625 × size / lookups) bytes."""
        step = math.isqrt(625 * len(data) // max(1, lookups))
        return cls(data, step=max(512, min(1 << 16, step)))

    def position(self, line: bytes) -> int:
        """Byte offset of the first line >= ``line`` (the file's length if there is none)."""
        k = bisect.bisect_left(self.keys, line)  # keys[k-1] < line <= keys[k]
        if k == 0:
            return 0
        a = self.starts[k - 1]
        b = self.starts[k] if k < len(self.starts) else len(self.data)
        parts = self.data[a:b].split(b"\n")  # the lines between, and "" after the last
        j = bisect.bisect_left(parts, line, 1, len(parts) - 1)
        return b if j == len(parts) - 1 else a + sum(map(len, parts[:j])) + j

    def contains(self, line: bytes) -> bool:
        """Whether the file holds ``line`` (without newline)."""
        pos = self.position(line)
        return self.data[pos:pos + len(line) + 1] == line + b"\n"


def splice_sorted(old: Path, remove: Iterable[str], add: Iterable[str], target: Path, *,
                  index: SortedLines | None = None) -> int:
    """Write ``target`` = sorted lines of ``old`` minus ``remove`` plus ``add`` (each given in
    any order; ``remove`` must be in ``old``, ``add`` must not). Unchanged stretches are copied
    as whole slices, so the cost is one copy of the file plus a look-up per change (``index``:
    a :class:`SortedLines` of ``old`` already made). Returns the change in line count."""
    ops = sorted([(ln.encode("utf-8"), 0) for ln in remove] + [(ln.encode("utf-8"), 1) for ln in add])
    delta = 0
    with old.open("rb") as f, target.open("wb", buffering=1 << 20) as out:
        size = os.fstat(f.fileno()).st_size
        mm: mmap.mmap | bytes = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        try:
            lines = index if index is not None else SortedLines.for_lookups(mm, len(ops))
            data = lines.data
            cursor = 0
            for line, is_add in ops:
                pos = max(lines.position(line), cursor)
                out.write(data[cursor:pos])
                cursor = pos
                if is_add:
                    out.write(line + b"\n")
                    delta += 1
                else:
                    if data[pos:pos + len(line) + 1] != line + b"\n":
                        raise KGError(f"{old}: line to remove is missing: {line[:200]!r}")
                    cursor = pos + len(line) + 1
                    delta -= 1
            out.write(data[cursor:])
            del lines, data
        finally:
            if isinstance(mm, mmap.mmap):
                mm.close()
    return delta


# --- the store and Turtle -------------------------------------------------------------------


LENIENT_LOAD = True
"""Bulk loads of the build's own N-Triples skip Oxigraph's IRI validation (``lenient``):
every line was written by :mod:`kg.graph` (minted IRIs percent-encoded, others checked by
rdflib) and the Turtle writer parses graph.nt strictly; the store is the same, for 12%
less CPU (4.1 -> 3.5 s for the 940,000 lines of 10,000 reports)."""


def load_store(nt_path: Path, folder: Path, *, ttl_path: Path | None = None) -> ox.Store:
    """Bulk-load ``nt_path`` into a new store at ``folder`` (and write Turtle); return it open."""
    store = ox.Store(str(folder))
    # in slices: Oxigraph's bulk loader holds a whole input in memory (600 MB for 650,000
    # triples, 1.4 GB for 1.9 million); a slice of LOAD_LINES lines takes ~300 MB, for the
    # same CPU time
    with nt_path.open("rb") as f:
        while chunk := b"".join(itertools.islice(f, LOAD_LINES)):
            store.bulk_load(chunk, format=ox.RdfFormat.N_TRIPLES, lenient=LENIENT_LOAD)
    store.optimize()
    if ttl_path is not None:
        write_turtle(nt_path, ttl_path)
    return store


def write_turtle(nt_path: Path, ttl_path: Path, *, index: Path | None = None) -> None:
    """Turtle of sorted N-Triples ``nt_path``, streamed in the file's order (subjects sorted).

    Oxigraph's serializer groups consecutive triples of a subject, so the output depends on
    the set of triples only (the file is sorted) and is three times quicker than dumping
    the store, whose order is that of its hash-encoded terms. Each subject is one block of
    lines; ``index`` gets the blocks' byte offsets, for :func:`splice_turtle`."""
    ox.serialize(
        ox.parse(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES),
        output=str(ttl_path), format=ox.RdfFormat.TURTLE,
        prefixes={k: str(v) for k, v in PREFIXES.items()},
    )
    if index is not None:
        with ttl_path.open("rb") as f:
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if os.fstat(f.fileno()).st_size else b""
            try:
                offsets = _blocks(mm)
            finally:
                if isinstance(mm, mmap.mmap):
                    mm.close()
        with index.open("wb") as f:
            offsets.tofile(f)


_BLOCK = re.compile(rb"\n(?=[^\t@])")  # a subject's block starts a line (its other lines: a tab)


def _blocks(data: mmap.mmap | bytes) -> array:
    return array("q", (m.end() for m in _BLOCK.finditer(data)))


def _subject_key(ttl: mmap.mmap | bytes, pos: int) -> bytes:
    """The N-Triples form ``<iri>`` of the subject of the Turtle block at ``pos``."""
    token = ttl[pos:ttl.find(b" ", pos)]
    if token.startswith(b"<"):
        return token
    prefix, _, local = token.partition(b":")
    # a local name's escapes are a backslash and the character (never a backslash itself)
    return b"<" + _NAMESPACES[prefix] + local.replace(b"\\", b"") + b">"


_NAMESPACES = {k.encode(): str(v).encode() for k, v in PREFIXES.items()}


def splice_turtle(old_ttl: Path, old_index: Path, new_nt: Path, subjects: Iterable[str],
                  ttl_path: Path, index: Path) -> None:
    """``ttl_path`` = :func:`write_turtle` of ``new_nt``, made from the previous Turtle
    ``old_ttl`` (and its block index) by serializing again only the blocks of ``subjects``
    (IRIs whose triples changed): the other blocks are copied as they are."""
    if not old_ttl.stat().st_size or not new_nt.stat().st_size:  # no blocks (or no prefixes)
        write_turtle(new_nt, ttl_path, index=index)
        return
    keys = sorted({f"<{s}>".encode() for s in subjects})
    offsets = array("q")
    with old_index.open("rb") as f:
        offsets.frombytes(f.read())
    with old_ttl.open("rb") as ft, new_nt.open("rb") as fn, ttl_path.open("wb", buffering=1 << 20) as out:
        tt = mmap.mmap(ft.fileno(), 0, access=mmap.ACCESS_READ)
        nt: mmap.mmap | bytes = (mmap.mmap(fn.fileno(), 0, access=mmap.ACCESS_READ)
                                 if os.fstat(fn.fileno()).st_size else b"")
        try:
            lines = SortedLines.for_lookups(nt, 2 * len(keys))
            # each subject's lines in the new graph: from the first line >= "<s> " to the
            # first >= "<s>!" ("!" follows " ": every line of the subject sorts before it)
            spans = [(lines.position(key + b" "), lines.position(key + b"!")) for key in keys]
            text = b"".join(nt[a:b] for a, b in spans)
            made = ox.serialize(ox.parse(input=text, format=ox.RdfFormat.N_TRIPLES),
                                format=ox.RdfFormat.TURTLE,
                                prefixes={k: str(v) for k, v in PREFIXES.items()}) if text else b""
            starts = list(_blocks(made)) + [len(made)]
            fresh = iter(made[a:b] for a, b in itertools.pairwise(starts))
            total, size = len(offsets), len(tt)

            def at(k: int) -> int:
                return offsets[k] if k < total else size

            def subject(offset: int) -> bytes:
                return _subject_key(tt, offset)

            new = array("q")
            written = at(0)
            out.write(tt[:written])  # the prefixes
            cursor = 0
            for key, (a, b) in zip(keys, spans, strict=True):
                lo = bisect.bisect_left(offsets, key, cursor, total, key=subject)  # first block >= key
                shift = written - at(cursor)
                if shift:
                    new.extend(o + shift for o in offsets[cursor:lo])
                else:
                    new.extend(offsets[cursor:lo])
                out.write(tt[at(cursor):at(lo)])
                written += at(lo) - at(cursor)
                if b > a:
                    block = next(fresh)
                    new.append(written)
                    out.write(block)
                    written += len(block)
                cursor = lo + 1 if lo < total and subject(offsets[lo]) == key else lo
            shift = written - at(cursor)
            new.extend(o + shift for o in offsets[cursor:]) if shift else new.extend(offsets[cursor:])
            out.write(tt[at(cursor):])
            del lines
        finally:
            tt.close()
            if isinstance(nt, mmap.mmap):
                nt.close()
    with index.open("wb") as f:
        new.tofile(f)


def copy_store(source: Path, folder: Path) -> None:
    """A copy of the store at ``source`` in the new folder ``folder``: an Oxigraph backup
    (a RocksDB checkpoint, hard links on the same file system), taken read-only, so readers
    of the source are never disturbed."""
    src = ox.Store.read_only(str(source))
    try:
        src.backup(str(folder))
    finally:
        del src


def write_graph(g: Graph, out: Path) -> dict[str, int]:
    """Write graph.nt, graph.ttl and store/ of an rdflib graph into ``out`` (a whole build,
    swapped in atomically); return their sizes. The build (:mod:`kg.build`) streams instead; this is for
    graphs made in memory."""
    lock = BuildLock(out)
    with lock:
        build = new_build_dir(out)
        (build / "graph.nt").write_text(sorted_ntriples(g), encoding="utf-8")
        store = load_store(build / "graph.nt", build / "store", ttl_path=build / "graph.ttl")
        triples = len(store)
        del store
        publish_build(out, build)
    return {"triples": triples}


def open_store(out: Path) -> ox.Store:
    """The build's store, read-only (several readers may open it at once).

    The path is resolved first, so the store stays the same build while it is
    open even if a new build is swapped in meanwhile.
    """
    path = out / "store"
    if not path.is_dir():
        raise KGError(f"{path}: 没有找到图谱存储 / no store here: run `kg build --out {out}` first")
    return ox.Store.read_only(str(path.resolve()))


# --- atomic builds --------------------------------------------------------------------------


class BuildLock:
    """An exclusive lock on an output folder for the length of a build (``out/.lock``).

    The kernel drops it when the process dies, so a killed build never leaves it behind.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self._file: object | None = None
        self._depth = 0

    def __enter__(self) -> BuildLock:
        if self._depth == 0:
            self.out.mkdir(parents=True, exist_ok=True)
            f = open(self.out / ".lock", "a+b")  # held for the build, closed in __exit__
            try:
                import fcntl

                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except ImportError:  # Windows: no advisory locks here, single builds assumed
                pass
            except OSError as e:
                f.close()
                raise KGError(
                    f"{self.out}: 另一个构建正在写入此目录 / another build is writing this folder"
                ) from e
            self._file = f
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._file is not None:
            self._file.close()  # type: ignore[attr-defined]
            self._file = None


def current_build(out: Path) -> Path | None:
    """The folder of the live build, or None."""
    link = out / CURRENT
    if link.is_symlink() or link.is_dir():
        target = link.resolve()
        return target if target.is_dir() else None
    return None


def new_build_dir(out: Path, *, prune: bool = True) -> Path:
    """A fresh build folder under ``out/.builds``, after removing stale ones (call under the
    lock; ``prune=False``: the caller removes them later, :func:`remove_stale`)."""
    builds = out / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    if prune:
        remove_stale(out, keep=1)
    for leftover in (out / ".store.new", out / ".store.old"):  # from the layout before .builds
        shutil.rmtree(leftover, ignore_errors=True)
    name = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
    path = builds / name
    path.mkdir()
    return path


def remove_stale(out: Path, *, keep: int, spare: Path | None = None) -> None:
    """Remove build folders other than the live one, ``spare`` (a build being made) and the
    ``keep`` newest complete ones before the live one."""
    builds = out / BUILDS
    live = current_build(out)  # resolved: compared with the resolved folders (a relative ``out``)
    spared = {live, spare.resolve() if spare is not None else None}
    others = sorted((p for p in builds.iterdir() if p.is_dir() and p.resolve() not in spared),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    finished = [p for p in others if (p / ".complete").exists()]
    for p in others:
        if p in finished[:keep]:
            continue
        shutil.rmtree(p, ignore_errors=True)


def _symlinks_work(out: Path) -> bool:
    probe = out / ".symlink-probe"
    try:
        with contextlib.suppress(FileNotFoundError):
            probe.unlink()
        os.symlink(BUILDS, probe)
        probe.unlink()
        return True
    except (OSError, NotImplementedError):
        return False


def publish_build(out: Path, build: Path) -> None:
    """Make ``build`` the live build of ``out`` in one atomic step (call under the lock)."""
    (build / ".complete").touch()
    if not _symlinks_work(out):
        _publish_by_moving(out, build)
        return
    rel = os.path.relpath(build, out)
    tmp = out / f"{CURRENT}.tmp"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(rel, tmp)
    os.replace(tmp, out / CURRENT)  # the swap: one rename
    for name in ARTEFACTS:
        if (build / name).exists():
            _link_artefact(out, name)
        elif (out / name).is_symlink():  # e.g. graph.nq of an earlier build made with --nquads
            (out / name).unlink()
    remove_stale(out, keep=1)


def _link_artefact(out: Path, name: str) -> None:
    """``out/name`` -> ``.current/name`` (fixed; made once, replacing a file of an older layout)."""
    path = out / name
    target = f"{CURRENT}/{name}"
    if path.is_symlink() and os.readlink(path) == target:
        return
    tmp = out / f".{name}.link"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(target, tmp)
    if path.is_dir() and not path.is_symlink():  # a store folder of the old layout
        old = out / f".{name}.legacy"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, path)


def _publish_by_moving(out: Path, build: Path) -> None:
    for name in ARTEFACTS:
        src = build / name
        if not src.exists():
            continue
        dst = out / name
        if src.is_dir():
            old = out / f".{name}.old"
            shutil.rmtree(old, ignore_errors=True)
            if dst.exists():
                os.replace(dst, old)
            os.replace(src, dst)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(src, dst)
    shutil.rmtree(build, ignore_errors=True)
