"""The clean build. Every core stays busy:

- the workers extract batches of files; each batch comes back with its cache rows encoded
  and its lines written as one sorted run (:func:`kg.build.worker.work_batch`), so this
  process only files results (cache rows, manifest entries, duplicates);
- a loader process bulk-loads the runs into the store as they come (:mod:`kg.build.loader`),
  and at the end writes ``spread.html`` from the store;
- once the extraction ends: the SHACL of the shared nodes and of the sampled reports'
  subgraphs (validated together, not one by one in the workers) in a child process; the k-way
  merge of the runs into ``graph.nt`` (and the state's reference counts) here, then
  ``graph.ttl`` (and the whole graph's SHACL, in ``full`` mode) in another child, while the
  loader finishes the store and the spread view;
- the manifest (:func:`kg.build.publish.finish`).

``stats["cpu"]`` has the CPU seconds of this process and of all the others.
"""

from __future__ import annotations

import resource
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from kg import gazetteer as gaz
from kg.build import artefacts, processes
from kg.build.cache import code_version
from kg.build.clock import max_rss_mb
from kg.build.loader import StoreLoader
from kg.build.plan import Plan
from kg.build.publish import finish
from kg.build.results import BuildResult, Dedup
from kg.build.state import STATE, State
from kg.build.validation import scheme_lines, validate_file, validate_lines, validate_reports
from kg.build.worker import Batch
from kg.namespaces import ID
from kg.store import RunWriter, merge_runs, write_turtle

SHARED_GRAPH = f"{ID}graph/shared"


@dataclass
class _Extracted:
    """What the extraction loop gathers."""

    runs: list[Path] = field(default_factory=list)  # sorted runs of lines, for the merge
    codes: Counter[str] = field(default_factory=Counter)  # division code -> reports naming it
    contributors: list[str] = field(default_factory=list)  # file keys of the reports in the graph
    owned: dict[str, list[str]] = field(default_factory=dict)  # violations by file key
    sampled: list[tuple[str, list[str], tuple[str, ...]]] = field(default_factory=list)  # to validate
    keys: set[str] = field(default_factory=set)  # every input's file key (kept in the cache)
    stat_rows: list[tuple[str, str, str]] = field(default_factory=list)
    nbytes: int = 0
    seconds: float = 0.0


def _extract(plan: Plan, loader: StoreLoader, own: RunWriter, minus: RunWriter,
             nq: IO[str] | None) -> _Extracted:
    """Every input's result, in input order, filed: cache rows, manifest entries, runs (the
    batches' to the loader as they come), graph.nq. The lines of a cached result go into
    ``own``; those of a duplicate, already in its batch's run, are taken away in ``minus``."""
    from kg.graph import source_graph_iri

    got = _Extracted()
    dedup = Dedup(plan.entries)
    cache_db = plan.cache_db
    sampled: dict[str, list[str]] = {}  # the lines of the reports to validate, by file key

    def on_batch(batch: Batch) -> None:
        for row in batch.rows:
            cache_db.put_encoded(*row)
        sampled.update(batch.sampled)
        if batch.run is not None:
            got.runs.append(batch.run)
            loader.add(batch.run)

    t0 = time.perf_counter()
    results = processes.batched_results(plan.items, plan.workers, plan.cached, cache_db,
                                        plan.build / ".runs", keep_lines=nq is not None, on_batch=on_batch)
    for i, done in enumerate(results):
        got.keys.add(done.file_key)
        if plan.signatures[i] is not None:
            got.stat_rows.append((done.source, plan.signatures[i], done.file_key))  # type: ignore[arg-type]
        got.nbytes += done.nbytes
        was_cached = i in plan.cached
        if was_cached and not done.cached:  # a cache entry gone missing: extracted here
            cache_db.put(done)
        if dedup.take(done):
            got.contributors.append(done.file_key)
            got.codes.update(done.codes)
            if done.violations:
                got.owned[done.file_key] = done.violations
            elif done.violations is None and plan.items[i][2]:  # sampled, not validated yet
                lines = sampled.pop(done.file_key, None) or (done.lines.split("\n") if done.lines else [])
                got.sampled.append((done.file_key, lines, done.codes))
            if was_cached:
                own.add(done.lines.split("\n") if done.lines else [])
            if nq is not None:
                graph = f" <{source_graph_iri(done.source)}> .\n"
                nq.writelines(ln[:-2] + graph for ln in (done.lines.split("\n") if done.lines else []))
        elif done.ok and not was_cached:  # a duplicate: its lines are in its batch's run
            full = cache_db.get(done.file_key)
            minus.subtract(full.lines.split("\n") if full is not None and full.lines else [])
        if plan.progress:
            plan.progress(1)
    got.seconds = time.perf_counter() - t0
    return got


def build(plan: Plan) -> BuildResult:
    """Build ``plan`` afresh into ``plan.build`` and publish it."""
    from kg.graph import division_lines

    cpu_children = _children_cpu()
    clock, build_dir = plan.clock, plan.build
    clock.start("extract")
    loader = StoreLoader(build_dir, spread=plan.spread)
    own = RunWriter(build_dir / ".runs", name="own")
    minus = RunWriter(build_dir / ".runs", name="minus")
    nq = (build_dir / "graph.nq").open("w", encoding="utf-8", newline="\n") if plan.nquads else None
    got = _extract(plan, loader, own, minus, nq)
    rss = {"extract": max_rss_mb()}

    clock.start("shared")
    shared = sorted(division_lines(got.codes, gaz.load()) | set(scheme_lines()))
    own.add(shared)
    own.spill()
    minus.spill()
    for run in own.runs:
        loader.add(run)
    if nq is not None:
        nq.writelines(f"{ln[:-2]} <{SHARED_GRAPH}> .\n" for ln in shared)
        nq.close()
    shacl = _sample_shacl(shared, got.sampled) if plan.mode == "sample" else []

    clock.start("merge")
    t0 = time.perf_counter()
    state = State(build_dir / STATE)
    if not minus.runs:  # no duplicate's lines to take away: the merge can drop no line, so
        loader.finish([])  # the loader finishes the store and the spread view meanwhile
    lines_written = _merge(got.runs + own.runs + minus.runs, build_dir / "graph.nt", state,
                           loader if minus.runs else None)
    full = plan.mode == "full"
    turtle = processes.in_child(lambda: _turtle(build_dir, validate=full))
    state.set_codes(got.codes)
    state.set_contributors((), got.contributors)
    seconds = {"extract": got.seconds, "sort": time.perf_counter() - t0}
    rss["sort"] = max_rss_mb()

    triples, violations = _wait(plan, state, got, loader, turtle, shacl, seconds)
    state.set_info(code_version=code_version(), validation=plan.mode, triples=triples,
                   lines=lines_written, spread=plan.spread)
    state.close()
    return finish(
        plan, got.keys, got.stat_rows, triples=triples, violations=violations,
        stats={
            "workers": plan.workers, "files": len(plan.items), "bytes": got.nbytes,
            "extracted": len(plan.items) - len(plan.cached), "cached": len(plan.cached),
            "validation": plan.mode, "lines": lines_written, "runs": len(got.runs) + len(own.runs),
            "seconds": seconds,
            "cpu": {"this_process": time.process_time(), "other_processes": _children_cpu() - cpu_children},
            "max_rss_mb": rss,  # this process's peak so far, after each phase
            "phases": clock.phases,
        })


def _merge(runs: list[Path], target: Path, state: State, loader: StoreLoader | None) -> int:
    """The runs merged into ``target``; the loader (unless it was told already) told which
    lines of the runs are not in it (those only duplicates asserted); the reference counts
    of the lines asserted more than once into the state. Returns the lines written."""
    multiple: list[tuple[str, int]] = []  # lines asserted more than once, with their count
    dropped: list[str] = []
    written = merge_runs(runs, target, repeated=lambda line, n: multiple.append((line, n)),
                         dropped=dropped.append)
    if loader is not None:
        loader.finish(dropped)
    state.set_refs(multiple)
    return written


def _timed(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - t0, value


Validated = Callable[[], tuple[float, dict[str, list[str]]]]  # waits: seconds, violations by owner


def _sample_shacl(shared: list[str], reports: list[tuple[str, list[str], tuple[str, ...]]]
                  ) -> list[Validated]:
    """``sample`` mode's SHACL in two children side by side (neither waits for the other at
    the end of the build): the shared nodes (owner ``shared``), and the sampled reports'
    subgraphs (file key, lines, codes) by file key, in one run over their union (one run
    per report only when it finds any: :func:`kg.build.validation.validate_reports`)."""
    waits = [processes.in_child(lambda: _timed(lambda: {"shared": validate_lines(shared)}))]
    if reports:
        waits.append(processes.in_child(lambda: _timed(validate_reports, reports)))
    return waits


def _turtle(build_dir: Path, *, validate: bool) -> tuple[float, float, list[str] | None]:
    """graph.ttl (and its block index) from graph.nt, and in ``full`` mode the SHACL of the
    whole graph: the seconds of each and the violations."""
    t0 = time.perf_counter()
    write_turtle(build_dir / "graph.nt", build_dir / "graph.ttl", index=build_dir / artefacts.TURTLE_INDEX)
    t_turtle = time.perf_counter() - t0
    if not validate:
        return t_turtle, 0.0, None
    t_validate, found = _timed(validate_file, build_dir / "graph.nt")
    return t_turtle, t_validate, found


def _wait(plan: Plan, state: State, got: _Extracted, loader: StoreLoader,
          turtle: Callable[[], Any], shacl: list[Validated],
          seconds: dict[str, float]) -> tuple[int, list[str]]:
    """Wait for the other processes; the triples and the violations (into the state)."""
    plan.clock.start("wait")
    store = loader.wait()
    shutil.rmtree(plan.build / ".runs", ignore_errors=True)  # the loader is done with them
    t_turtle, t_full, full = turtle()
    seconds.update(load=store["load"] + store["optimize"], turtle=t_turtle, validate=t_full)
    for key, found in got.owned.items():
        state.set_violations(key, found)
    if full is not None:
        state.set_violations("full", full)
    for wait in shacl:
        t_shacl, by_owner = wait()
        seconds["validate"] += t_shacl
        for owner, lines in by_owner.items():
            state.set_violations(owner, lines)
    seconds["spread"] = store["spread"]
    seconds["loader_cpu"] = store["cpu"]
    return store["triples"], state.violations()


def _children_cpu() -> float:
    """CPU seconds of the finished child processes so far (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
