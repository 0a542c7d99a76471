"""Writing a build: sorted N-Triples by external merge, the Oxigraph store, Turtle, and the
atomic swap of a whole build.

Layout of an output folder ``out/``::

    out/.builds/<id>/     one complete build each: graph.nt, graph.ttl, store/,
                          manifest.json, spread.html (graph.nq on request)
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

import contextlib
import heapq
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kg.errors import KGError
from kg.namespaces import PREFIXES

__all__ = [
    "ARTEFACTS", "BuildLock", "RunWriter", "current_build", "load_store", "merge_runs",
    "new_build_dir", "open_store", "publish_build", "sorted_ntriples", "write_graph", "write_text",
]

ARTEFACTS = ("graph.nt", "graph.ttl", "graph.nq", "store", "manifest.json", "spread.html")
BUILDS = ".builds"
CURRENT = ".current"
RUN_LINES = 400_000  # lines held in memory before a sorted run is written


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

    Memory is bounded by ``limit`` lines, whatever the corpus size.
    """

    def __init__(self, folder: Path, *, limit: int = RUN_LINES) -> None:
        self.folder = folder
        self.limit = limit
        self.buffer: set[str] = set()
        self.runs: list[Path] = []
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, lines: Iterable[str]) -> None:
        self.buffer.update(lines)
        if len(self.buffer) >= self.limit:
            self.spill()

    def spill(self) -> None:
        if not self.buffer:
            return
        path = self.folder / f"run-{len(self.runs):05d}.nt"
        with path.open("w", encoding="utf-8", newline="\n") as f:
            f.writelines(f"{ln}\n" for ln in sorted(self.buffer))
        self.runs.append(path)
        self.buffer = set()


def _run_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", newline="\n") as f:
        for line in f:
            yield line[:-1]


def merge_runs(runs: list[Path], target: Path) -> int:
    """k-way merge of sorted runs into ``target``, dropping duplicates; returns the line count."""
    count = 0
    last = None
    with target.open("w", encoding="utf-8", newline="\n") as out:
        for line in heapq.merge(*(_run_lines(p) for p in runs)):
            if line != last:
                out.write(line)
                out.write("\n")
                last = line
                count += 1
    return count


# --- the store and Turtle -------------------------------------------------------------------


def load_store(nt_path: Path, folder: Path, *, ttl_path: Path | None = None) -> ox.Store:
    """Bulk-load ``nt_path`` into a new store at ``folder`` (and dump Turtle); return it open."""
    store = ox.Store(str(folder))
    store.bulk_load(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES)
    store.optimize()
    if ttl_path is not None:
        store.dump(
            str(ttl_path), format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(),
            prefixes={k: str(v) for k, v in PREFIXES.items()},
        )
    return store


def write_graph(g: Graph, out: Path) -> dict[str, int]:
    """Write graph.nt, graph.ttl and store/ of an rdflib graph into ``out`` (a whole build,
    swapped in atomically); return their sizes. The pipeline streams instead; this is for
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
            f = open(self.out / ".lock", "a+b")  # noqa: SIM115 - held for the build
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


def new_build_dir(out: Path) -> Path:
    """A fresh build folder under ``out/.builds``, after removing stale ones (call under the lock)."""
    builds = out / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    _remove_stale(out, keep=1)
    for leftover in (out / ".store.new", out / ".store.old"):  # from the layout before .builds
        shutil.rmtree(leftover, ignore_errors=True)
    name = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
    path = builds / name
    path.mkdir()
    return path


def _remove_stale(out: Path, *, keep: int) -> None:
    """Remove build folders other than the live one and the ``keep`` newest before it."""
    builds = out / BUILDS
    live = current_build(out)
    others = sorted((p for p in builds.iterdir() if p.is_dir() and p != live),
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
    _remove_stale(out, keep=1)


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
