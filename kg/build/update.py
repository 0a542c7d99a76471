"""``kg build --update`` in place: the previous build changed instead of redone.

Only new and changed files are extracted (in worker processes when there are many, while
this one reads the cache's metadata and the previous spread rows). The lines that stop or
start to hold follow from the per-line reference counts of :class:`kg.build.state.State`
(a line can be asserted by several reports, and the shared division lines follow the
union of their codes); the store is an Oxigraph checkpoint of the previous one with those
lines removed and added, ``graph.nt`` and ``graph.ttl`` splices of the previous ones (made
in a child while this process changes the store and the spread rows), the spread view's
query rows are refreshed for the changed nodes only (the page packed from them in another
child, waited for just before the build is published), and validation covers
(a sample of) the changed reports, and the shared nodes if they changed, while the other
reports' violations are carried over (:mod:`kg.build.validation`: the same sample as a
clean build, and at least a few changed reports). The result equals a clean build (apart
from those extra checks). Work is proportional to the changed files (a look-up each in
graph.nt and graph.ttl, through :class:`kg.store.SortedLines`), plus a copy of graph.nt and
graph.ttl, a stat of every input and the spread view's packing; ``stats["phases"]`` has the
wall and CPU seconds of each step. :class:`Fallback` is raised when the previous build
cannot be changed so (other code version, validation mode or spread setting, a missing
cache entry): the caller builds from the cache instead.
"""

from __future__ import annotations

import contextlib
import gc
import mmap
import os
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import gazetteer as gaz
from kg.build import artefacts, processes, worker
from kg.build.cache import code_version
from kg.build.plan import Plan
from kg.build.publish import finish
from kg.build.results import BuildResult, Dedup, Done
from kg.build.state import STATE, State
from kg.build.validation import (
    sample_rate,
    scheme_lines,
    update_sample,
    validate_file,
    validate_lines,
    validate_reports,
)
from kg.store import SortedLines, copy_store, remove_stale, splice_sorted, splice_turtle, write_turtle

# an update extracts fewer changed files than this in its own process: at 10,000 reports
# the pool (forks, copy-on-write of the lexicons) cost 0.1-0.3 CPU s more than extracting
# 86 files here for the same wall time, and saved 0.3 s of wall time at 315 files
UPDATE_POOL_MIN = 150


class Fallback(Exception):
    """The previous build cannot be changed in place: build from the cache instead."""


@dataclass
class _Gathered:
    """Every input's result (fresh or the cache's metadata) and what follows from them."""

    fresh: dict[int, Done] = field(default_factory=dict)  # item index -> newly extracted result
    contributors: dict[str, Done] = field(default_factory=dict)  # file key -> report in the graph
    keys: set[str] = field(default_factory=set)
    stat_rows: list[tuple[str, str, str]] = field(default_factory=list)
    nbytes: int = 0
    old_rows: dict[str, Any] | None = None  # the previous spread rows
    store: ox.Store | None = None  # the new build's store: a copy of the previous one, to change
    index: SortedLines | None = None  # of the previous graph.nt, for the look-ups of changed lines
    seconds: float = 0.0


@dataclass
class _Delta:
    """The change in line counts and division codes, by report."""

    removed: list[str]  # file keys of the reports that leave the graph
    added: list[str]  # and of those that join it
    lines: Counter[str] = field(default_factory=Counter)  # line -> change in its count
    old_codes: Counter[str] = field(default_factory=Counter)  # the division-code counts before
    codes: Counter[str] = field(default_factory=Counter)  # and after
    lines_of: dict[str, list[str]] = field(default_factory=dict)  # added report -> its lines
    shared_changed: bool = False
    shared: list[str] = field(default_factory=list)  # the new shared lines, when changed


def update(plan: Plan) -> BuildResult:
    """Change ``plan.previous`` into ``plan.build`` and publish it; raises :class:`Fallback`."""
    with _collector_for_update():
        return _update(plan)


@contextlib.contextmanager
def _collector_for_update() -> Iterator[None]:
    """The cyclic garbage collector paused while the update loads, then blind to what it
    loaded (:func:`_freeze`); afterwards as the caller had it (enabled or not, nothing of
    the update's left frozen)."""
    enabled, frozen = gc.isenabled(), gc.get_freeze_count()
    try:
        yield
    finally:
        if not frozen:
            gc.unfreeze()
        if enabled:
            gc.enable()
        else:
            gc.disable()


def _update(plan: Plan) -> BuildResult:
    previous, build, clock = plan.previous, plan.build, plan.clock
    assert previous is not None
    if not (previous / STATE).is_file() or not (previous / "store").is_dir():
        raise Fallback("the previous build has no update state")
    state, info = _open_state(previous, build)
    got: _Gathered | None = None
    try:
        if info.get("code_version") != code_version() or info.get("validation") != plan.mode or \
                info.get("spread") != plan.spread or \
                (plan.spread and not (previous / artefacts.SPREAD_ROWS).is_file()):
            raise Fallback("code version or build options changed")
        gc.disable()  # while the metadata and rows load: no collections of what cannot be garbage
        try:
            got = _gather(plan, info)
        finally:
            _freeze()
            gc.enable()
        t0 = time.perf_counter()
        clock.start("delta")
        delta = _delta(plan, state, got)
        validated = _validate_changed(plan, got, delta)
        _shared_delta(delta)
        remove, add, counts, index = _apply(plan, state, delta, got)
        lines_written = info["lines"] + len(add) - len(remove)
        seconds = {"extract": got.seconds, "sort": time.perf_counter() - t0}
        clock.start("fork")
        t0 = time.perf_counter()
        changed, programmes = artefacts.touched(remove + add)
        background = _files_and_validation(plan, changed, delta, remove, add, index)
        _close(index)  # the child has its own map: this process's would count in its memory
        store, triples = _change_store(plan, got, info, remove, add)
        seconds["load"] = time.perf_counter() - t0
        seconds["spread"], page = _refresh_spread(plan, store, got, changed, programmes)
        del store
        _record_counts(plan, state, delta, counts)  # (after the page's child is started)
        clock.start("wait")
        t0 = time.perf_counter()
        violations, seconds["turtle"] = _violations(state, delta, background, validated)
        seconds["validate"] = time.perf_counter() - t0  # waiting for the second process
        state.set_info(triples=triples, lines=lines_written)
    finally:
        state.close()
        clock.stop()
        if got is not None:
            got.store = None  # (a fallback removes the folder: its store closed first)
    order = ("extract", "sort", "load", "turtle", "validate", "spread")

    def before_publish() -> None:
        # the build folders but the live one and this one removed while the page is packed
        # (a build's whole files: ~0.1 s of unlinking at 10,000 reports), not after the swap
        remove_stale(plan.out, keep=0, spare=plan.build)
        page()

    return finish(
        plan, got.keys, got.stat_rows, triples=triples, violations=violations,
        before_publish=before_publish,
        stats={
            "workers": plan.workers, "files": len(plan.items), "bytes": got.nbytes,
            "extracted": len(got.fresh), "cached": len(plan.items) - len(got.fresh),
            "validation": plan.mode, "lines": lines_written, "runs": 0, "in_place": True,
            "changed_reports": {"removed": len(delta.removed), "added": len(delta.added)},
            "changed_lines": {"removed": len(remove), "added": len(add)},
            "seconds": {k: seconds[k] for k in order},
            "phases": clock.phases,
        })


def _open_state(previous: Path, build: Path) -> tuple[State, dict[str, Any]]:
    """A copy of the previous build's update state in ``build``, open, and its facts; a
    damaged one raises :class:`Fallback` (the cache still has every report's lines)."""
    shutil.copyfile(previous / STATE, build / STATE)
    state = None
    try:
        state = State(build / STATE)
        return state, state.info()
    except sqlite3.DatabaseError as e:
        if state is not None:
            state.close()
        raise Fallback(f"the update state {previous / STATE} is damaged ({e})") from e


def _gather(plan: Plan, info: dict[str, Any]) -> _Gathered:
    """Results of every file: cached metadata, or extraction of new and changed files (in
    worker processes while this one reads the cache and the previous spread rows)."""
    items, cached, cache_db, clock, progress = plan.items, plan.cached, plan.cache_db, plan.clock, plan.progress
    got = _Gathered()
    t0 = time.perf_counter()
    clock.start("extract")
    todo = [i for i in range(len(items)) if i not in cached]
    work = [(items[i][0], items[i][1], False) for i in todo]  # validated together below
    if plan.extractor is not None and len(work) < UPDATE_POOL_MIN:
        results, pool = plan.extractor.extract(work), None  # (its lexicons loaded meanwhile)
    else:
        if plan.extractor is not None:
            plan.extractor.close()
        results, pool = processes.extract_async(work, plan.workers if len(work) >= UPDATE_POOL_MIN else 1)
    try:
        clock.start("metas")
        metas = cache_db.metas()
        clock.start("rows_load")
        got.old_rows = artefacts.load_rows(plan.previous) if plan.spread else None  # type: ignore[arg-type]
        clock.start("store_copy")
        got.store = _copy_store(plan)
        clock.start("index")
        # the changed lines: about those of the reports that leave and join, two look-ups each
        per_report = info.get("lines", 0) // max(1, len(items))
        got.index = _previous_index(plan, 4 * len(work) * max(1, per_report))
        clock.start("extract")
        for i, done in zip(todo, results, strict=True):
            cache_db.put(done)
            got.fresh[i] = done
            if progress:
                progress(1)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    for i in range(len(items)):  # a cache entry without its metadata (not expected)
        if i not in got.fresh and cached[i] not in metas:
            got.fresh[i] = worker.work((items[i][0], items[i][1], False))
            cache_db.put(got.fresh[i])
            if progress:
                progress(1)
    clock.start("entries")
    dedup = Dedup(plan.entries)
    for i in range(len(items)):
        done = got.fresh[i] if i in got.fresh else metas[cached[i]]
        got.keys.add(done.file_key)
        got.nbytes += done.nbytes
        if plan.signatures[i] is not None:
            got.stat_rows.append((done.source, plan.signatures[i], done.file_key))  # type: ignore[arg-type]
        if dedup.take(done):
            got.contributors[done.file_key] = done
        if progress and i not in got.fresh:
            progress(1)
    got.seconds = time.perf_counter() - t0
    return got


def _freeze() -> None:
    """Everything this process holds so far (the cache's metadata of every input, the spread
    rows: millions of objects) left out of the cyclic garbage collector's passes from now on
    (``gc.freeze``): they hold no cycles to collect, a pass over them costs CPU here, and in a
    forked child it writes to every object's header, so the child copies those pages."""
    gc.freeze()


def _delta(plan: Plan, state: State, got: _Gathered) -> _Delta:
    """The lines of the reports that leave and join the graph."""
    before = state.contributors()
    delta = _Delta(removed=sorted(before - got.contributors.keys()),
                   added=sorted(got.contributors.keys() - before))
    delta.old_codes = state.codes()
    delta.codes = Counter(delta.old_codes)
    fresh_by_key = {d.file_key: d for d in got.fresh.values()}
    for key, sign in [(k, -1) for k in delta.removed] + [(k, 1) for k in delta.added]:
        done = fresh_by_key.get(key) or plan.cache_db.get(key)
        if done is None:
            raise Fallback(f"no cached lines for {key}")
        lines = done.lines.split("\n") if done.lines else []
        if sign > 0:
            delta.lines_of[key] = lines
            delta.lines.update(lines)
            delta.codes.update(done.codes)
        else:
            delta.lines.subtract(lines)
            delta.codes.subtract(done.codes)
    return delta


def _validate_changed(plan: Plan, got: _Gathered, delta: _Delta) -> Callable[[], dict[str, list[str]]]:
    """SHACL of the changed reports in a second process from here on, in ``sample`` mode: the
    ones a clean build of these inputs samples, and at least a few
    (:func:`kg.build.validation.update_sample`); the others keep no violations, as unsampled
    reports of a clean build."""
    if plan.mode != "sample":
        return dict
    rate = sample_rate(len(plan.items))
    keys = update_sample([(key, got.contributors[key].source) for key in delta.added], rate)
    reports = [(key, delta.lines_of[key], got.contributors[key].codes) for key in keys]
    return processes.in_child(lambda: validate_reports(reports)) if reports else dict


def _shared_delta(delta: _Delta) -> None:
    """The shared lines (divisions named, the scheme) that stop and start to hold."""
    from kg.graph import division_lines

    old_set = {c for c, n in delta.old_codes.items() if n > 0}
    new_set = {c for c, n in delta.codes.items() if n > 0}
    delta.shared_changed = old_set != new_set
    if delta.shared_changed:
        scheme = set(scheme_lines())
        old_shared = division_lines(old_set, gaz.load()) | scheme
        new_shared = division_lines(new_set, gaz.load()) | scheme
        delta.lines.subtract(old_shared - new_shared)
        delta.lines.update(new_shared - old_shared)
        delta.shared = sorted(new_shared)


def _previous_index(plan: Plan, lookups: int) -> SortedLines:
    """An index of the previous graph.nt, over a read-only map of it (which outlives the
    file object; the caller closes it), sized for about ``lookups`` look-ups."""
    assert plan.previous is not None
    with (plan.previous / "graph.nt").open("rb") as nt_file:
        size = os.fstat(nt_file.fileno()).st_size
        data: mmap.mmap | bytes = mmap.mmap(nt_file.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
    return SortedLines.for_lookups(data, lookups)


def _apply(plan: Plan, state: State, delta: _Delta,
           got: _Gathered) -> tuple[list[str], list[str], list[tuple[str, int]], SortedLines]:
    """The lines to remove from and add to the graph, from their counts before and after.
    Returns the lines, the changed lines' new counts (for :func:`_record_counts`) and an
    index of the previous graph.nt (``got.index``, made while the files were extracted; over a
    read-only map of it, which the caller closes)."""
    remove: list[str] = []
    add: list[str] = []
    counts: list[tuple[str, int]] = []
    changing = [line for line, d in delta.lines.items() if d]
    known = state.refs_of(changing)
    plan.clock.start("lookup")
    index = got.index if got.index is not None else _previous_index(plan, 2 * len(changing))
    got.index = None
    try:
        for line in changing:
            d = delta.lines[line]
            n = known.get(line)
            if n is None:  # a line that loses a report was in the graph
                n = 1 if d < 0 or index.contains(line.encode("utf-8")) else 0
            m = n + d
            if m < 0:
                raise Fallback(f"negative count for {line[:200]}")
            if n == 0 and m > 0:
                add.append(line)
            elif n > 0 and m == 0:
                remove.append(line)
            counts.append((line, m))
    except BaseException:
        _close(index)
        raise
    return remove, add, counts, index


def _record_counts(plan: Plan, state: State, delta: _Delta, counts: list[tuple[str, int]]) -> None:
    """The state's line counts, division codes and contributors changed (nothing the store,
    the files or the page need: done once the page is being packed, off the update's path)."""
    plan.clock.start("refs")
    state.set_refs(counts)
    state.set_codes(delta.codes)
    state.set_contributors(delta.removed, delta.added)


def _close(index: SortedLines) -> None:
    """Unmap the file under ``index``."""
    if isinstance(index.data, mmap.mmap):
        index.data.close()


def _files_and_validation(plan: Plan, changed: set[str], delta: _Delta, remove: list[str],
                          add: list[str], index: SortedLines) -> Callable[[], Any]:
    """graph.nt and graph.ttl spliced and the SHACL of the whole or the shared lines, in a
    (third) process, while this one changes the store and the spread view; the returned
    function waits for (seconds of the splices, the shared lines' violations or None, the
    whole graph's or None). ``index``: of the previous graph.nt, for the splice (the caller
    may close its map once the child is forked)."""
    previous, build = plan.previous, plan.build
    assert previous is not None
    shared_lines = delta.shared if plan.mode == "sample" and delta.shared_changed else None
    full_graph = plan.mode == "full"

    def background() -> tuple[float, list[str] | None, list[str] | None]:
        t = time.perf_counter()
        # (run here instead, where no child could be forked, the map is closed: a new index)
        open_index = index if not isinstance(index.data, mmap.mmap) or not index.data.closed else None
        splice_sorted(previous / "graph.nt", remove, add, build / "graph.nt", index=open_index)
        if (previous / artefacts.TURTLE_INDEX).is_file():
            splice_turtle(previous / "graph.ttl", previous / artefacts.TURTLE_INDEX, build / "graph.nt",
                          changed, build / "graph.ttl", build / artefacts.TURTLE_INDEX)
        else:
            write_turtle(build / "graph.nt", build / "graph.ttl", index=build / artefacts.TURTLE_INDEX)
        t = time.perf_counter() - t
        full = validate_file(build / "graph.nt") if full_graph else None
        return t, (validate_lines(shared_lines) if shared_lines is not None else None), full

    return processes.in_child(background)


def _copy_store(plan: Plan) -> ox.Store:
    """The new build's store, a checkpoint of the previous one (taken while the changed
    files are extracted, in another process), opened to be changed."""
    assert plan.previous is not None
    copy_store(plan.previous / "store", plan.build / "store")
    return ox.Store(str(plan.build / "store"))


def _change_store(plan: Plan, got: _Gathered, info: dict[str, Any], remove: list[str],
                  add: list[str]) -> tuple[ox.Store, int]:
    """The store (:func:`_copy_store`) changed; returns it and its triple count."""
    plan.clock.start("store")
    store = got.store if got.store is not None else _copy_store(plan)
    got.store = None
    if remove:
        for quad in ox.parse(input="\n".join(remove).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
            store.remove(quad)
    if add:
        store.extend(ox.parse(input="\n".join(add).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    store.flush()
    return store, info["triples"] - len(remove) + len(add)


def _refresh_spread(plan: Plan, store: ox.Store, got: _Gathered, changed: set[str],
                    programmes: set[str]) -> tuple[float, Callable[[], Any]]:
    """The spread view's rows of the changed nodes refreshed; the page written and the rows
    saved in children. Returns the seconds, and the function that waits for them (called
    before the build is published, so the manifest and the cache are written meanwhile)."""
    t0 = time.perf_counter()
    page: Callable[[], Any] = dict
    if plan.spread:
        from kg.viz import refresh_rows, write_spread

        plan.clock.start("rows")
        rows = refresh_rows(store, got.old_rows, changed, programmes)
        got.old_rows = None
        _freeze()
        # the page from the rows alone (the store is not read), and the rows saved for the
        # next update, in two children (the page's is the longer: the rows' save, 0.06 s at
        # 10,000 reports, 0.3 s at 30,000, is off its path), while this process goes on
        plan.clock.start("page")
        page_child = processes.in_child(lambda: write_spread(store, plan.build / "spread.html", rows=rows))
        rows_child = processes.in_child(lambda: artefacts.save_rows(plan.build, rows))

        def both() -> None:
            page_child()
            rows_child()

        page = both
    return time.perf_counter() - t0, page


def _violations(state: State, delta: _Delta, background: Callable[[], Any],
                validated: Callable[[], dict[str, list[str]]]) -> tuple[list[str], float]:
    """Wait for the other processes; the changed reports' violations replace theirs in the
    state, the others' carried over. Returns every violation and the Turtle's seconds."""
    t_turtle, shared_found, full = background()
    found = validated()
    state.drop_violations(delta.removed)
    for key, lines in found.items():
        state.set_violations(key, lines)
    if shared_found is not None:
        state.set_violations("shared", shared_found)
    if full is not None:
        state.set_violations("full", full)
    return state.violations(), t_turtle
