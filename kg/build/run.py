"""``kg build``: the entry point (:func:`run`). Checks the output folder, takes its lock,
finds the inputs, decides the validation and which inputs are cached, then changes the
previous build in place (:mod:`kg.build.update`) or builds afresh (:mod:`kg.build.clean`)."""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from kg import ingest
from kg.build import clean, processes, validation
from kg.build import update as in_place
from kg.build.cache import Cache, file_key, signature
from kg.build.clock import Clock
from kg.build.plan import Plan
from kg.build.results import BuildResult, ManifestEntry
from kg.outputs import write_inputs
from kg.resources import SAMPLE_CORPUS
from kg.store import BuildLock, current_build, new_build_dir

log = logging.getLogger(__name__)

Found = tuple[list[tuple[Path, str]], list[tuple[Path, str, str]]]
"""Inputs found: (path, source name) of each file to read, (path, source, reason) of each
file not read (:func:`kg.ingest.discover_reasons`)."""


def run(
    inputs: Sequence[Path | str] | None, out: Path | str, *,
    workers: int | None = None,
    update: bool = False,
    validate: validation.ValidateMode = "auto",
    nquads: bool = False,
    spread: bool = True,
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    discovered: Found | None = None,
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
        progress: called with 1 for every input done.
        on_start: called with the number of inputs once they are found.
        discovered: what :func:`kg.ingest.discover_reasons` found for these ``inputs`` (the
            sample corpus for None) with ``exclude=[out]``, when the caller already asked
            (``kg build`` does, to refuse bad inputs before anything is written).
    """
    out = Path(out)  # str paths too (notebooks, scripts)
    inputs = [Path(p) for p in inputs] if inputs else None
    check_out(out)
    # an update in place extracts its few changed files in one process, whose lexicons
    # load while this one finds the inputs and reads the cache
    extractor = processes.Extractor() if update and not nquads and current_build(out) is not None else None
    try:
        with BuildLock(out):
            plan = _plan(inputs, out, workers=workers, validate=validate, nquads=nquads, spread=spread,
                         progress=progress, on_start=on_start, prune=not update, discovered=discovered)
            plan.extractor = extractor
            if update:
                _find_cached(plan)
                if plan.previous is not None and not nquads:
                    try:
                        return _recorded(in_place.update(plan), inputs)
                    except in_place.Fallback as e:
                        log.info("update in place not possible (%s): building from the cache", e)
                        shutil.rmtree(plan.build)
                        plan.build = new_build_dir(out)
                        del plan.entries[plan.skipped:]
            plan.extractor = None
            if extractor is not None:
                extractor.close()
            return _recorded(clean.build(plan), inputs)
    finally:
        if extractor is not None:
            extractor.close()


def _recorded(result: BuildResult, inputs: Sequence[Path] | None) -> BuildResult:
    """``result``, its inputs written beside the live build's manifest (``inputs.json``,
    :func:`kg.outputs.write_inputs`: listed by ``kg builds``, checked by ``kg build``)."""
    write_inputs(result.out, inputs)
    return result



def _plan(inputs: Sequence[Path] | None, out: Path, *, workers: int | None,
          validate: validation.ValidateMode, nquads: bool, spread: bool,
          progress: Callable[[int], None] | None, on_start: Callable[[int], None] | None,
          prune: bool = True, discovered: Found | None = None) -> Plan:
    """Find the inputs (unless ``discovered``) and what to do with them (``prune=False``: the
    stale build folders are left for the update to remove while it waits,
    :func:`kg.build.update.update`)."""
    started = time.perf_counter()
    clock = Clock()
    clock.start("discover")
    previous = current_build(out)
    build = new_build_dir(out, prune=prune)
    roots = list(inputs) if inputs else sorted(SAMPLE_CORPUS.glob("*.txt"))
    files, skipped = discovered if discovered is not None else ingest.discover_reasons(roots, exclude=[out])
    entries = [ManifestEntry(source=source, status="skipped", reason=reason) for _, source, reason in skipped]
    if on_start:
        on_start(len(files))
    mode, rate = validation.choose(validate, len(files))
    items = [(path, source, mode == "sample" and validation.sampled(source, rate)) for path, source in files]
    clock.start("signatures")
    signatures = [signature(path) for path, _ in files]
    return Plan(out=out, build=build, previous=previous, items=items, signatures=signatures,
                entries=entries, skipped=len(skipped), workers=workers or os.cpu_count() or 1,
                mode=mode, spread=spread, nquads=nquads, cache_db=Cache(out / "cache.sqlite"),
                cached={}, progress=progress, started=started, clock=clock)


def _find_cached(plan: Plan) -> None:
    """Which inputs have a cached result (``plan.cached``): by their stat signature when
    it is unchanged, else by their bytes."""
    cache_db = plan.cache_db
    known = cache_db.keys()
    stats = cache_db.known_stats = cache_db.stats()
    for i, (path, source, _) in enumerate(plan.items):
        sig = plan.signatures[i]
        hit = stats.get(source)
        if sig is not None and hit is not None and hit[0] == sig:
            key = hit[1]
        else:
            try:
                key = file_key(path, source)
            except OSError:
                continue
        if key in known:
            plan.cached[i] = key


# What a build folder holds (the current layout and the one before ``.builds``): a folder
# holding anything else is not a build, and a build would replace or delete its contents.
_BUILD_NAMES = frozenset({".builds", ".current", ".lock", ".store.new", ".store.old", "cache.sqlite",
                          "cache.sqlite-journal", "cache.sqlite-wal", "cache.sqlite-shm",
                          "cache.sqlite.damaged", ".state.sqlite",
                          "graph.nt", "graph.ttl", "graph.nq", "manifest.json", "spread.html", "store"})
_BUILD_MARKS = (".current", ".builds", "manifest.json")
_PLACEHOLDERS = frozenset({".gitkeep", ".keep", ".gitignore"})
"""Files that keep an empty folder in version control (this repository's own output/ holds a
.gitkeep): a folder holding only these is empty for the build, which leaves them in place."""


def check_out(out: Path) -> None:
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
    others = sorted(names - _BUILD_NAMES - _PLACEHOLDERS)
    if others:
        listed = ", ".join(show(n) for n in others[:5]) + (" …" if len(others) > 5 else "")
        raise KGError(f"{show(str(out))}: 输出目录不是构建目录,且含有其他文件 / the output folder is not a "
                      f"build and holds other things ({listed}); give an empty or new folder")
