"""The clean build: every input's result (from the worker pool, or the cache after a
failed update) → sorted runs of N-Triples lines → one merged, sorted ``graph.nt`` (and the
state's reference counts) → Oxigraph bulk load → ``graph.ttl`` streamed from ``graph.nt``
→ SHACL → ``spread.html`` from the store → the manifest (:func:`kg.build.publish.finish`)."""

from __future__ import annotations

import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import IO

from kg import gazetteer as gaz
from kg.build import artefacts, processes
from kg.build.cache import code_version
from kg.build.clock import max_rss_mb
from kg.build.plan import Plan
from kg.build.publish import finish
from kg.build.results import BuildResult, Dedup
from kg.build.state import STATE, State
from kg.build.validation import scheme_lines, validate_file, validate_lines
from kg.namespaces import ID
from kg.store import RunWriter, load_store, merge_runs, write_turtle

SHARED_GRAPH = f"{ID}graph/shared"


@dataclass
class _Extracted:
    """What the extraction loop gathers besides the runs."""

    codes: Counter[str] = field(default_factory=Counter)  # division code -> reports naming it
    contributors: list[str] = field(default_factory=list)  # file keys of the reports in the graph
    owned: dict[str, list[str]] = field(default_factory=dict)  # violations by file key
    keys: set[str] = field(default_factory=set)  # every input's file key (kept in the cache)
    stat_rows: list[tuple[str, str, str]] = field(default_factory=list)
    nbytes: int = 0
    seconds: float = 0.0


def _extract(plan: Plan, runs: RunWriter, nq: IO[str] | None) -> _Extracted:
    """Every input's result, in input order, into the runs (and graph.nq), the cache and
    the manifest's entries."""
    from kg.graph import source_graph_iri

    got = _Extracted()
    dedup = Dedup(plan.entries)
    t0 = time.perf_counter()
    for i, done in enumerate(processes.results(plan.items, plan.workers, plan.cached, plan.cache_db)):
        got.keys.add(done.file_key)
        if plan.signatures[i] is not None:
            got.stat_rows.append((done.source, plan.signatures[i], done.file_key))  # type: ignore[arg-type]
        got.nbytes += done.nbytes
        if not done.cached:
            plan.cache_db.put(done)
        if dedup.take(done):
            lines = done.lines.split("\n") if done.lines else []
            runs.add(lines)
            got.contributors.append(done.file_key)
            got.codes.update(done.codes)
            if done.violations:
                got.owned[done.file_key] = done.violations
            if nq is not None:
                graph = f" <{source_graph_iri(done.source)}> .\n"
                nq.writelines(ln[:-2] + graph for ln in lines)
        if plan.progress:
            plan.progress(1)
    got.seconds = time.perf_counter() - t0
    return got


def build(plan: Plan) -> BuildResult:
    """Build ``plan`` afresh into ``plan.build`` and publish it."""
    from kg.graph import division_lines

    plan.clock.start("clean")
    build_dir = plan.build
    runs = RunWriter(build_dir / ".runs")
    nq = (build_dir / "graph.nq").open("w", encoding="utf-8", newline="\n") if plan.nquads else None
    got = _extract(plan, runs, nq)
    rss = {"extract": max_rss_mb()}

    shared = sorted(division_lines(got.codes, gaz.load()) | set(scheme_lines()))
    runs.add(shared)
    runs.spill()
    if nq is not None:
        nq.writelines(f"{ln[:-2]} <{SHARED_GRAPH}> .\n" for ln in shared)
        nq.close()
    t0 = time.perf_counter()
    state = State(build_dir / STATE)
    multiple: list[tuple[str, int]] = []  # lines asserted more than once, with their count
    lines_written = merge_runs(runs.runs, build_dir / "graph.nt",
                               repeated=lambda line, n: multiple.append((line, n)))
    shutil.rmtree(build_dir / ".runs", ignore_errors=True)
    state.set_refs(multiple)
    multiple.clear()
    state.set_codes(got.codes)
    state.set_contributors((), got.contributors)
    seconds = {"extract": got.seconds, "sort": time.perf_counter() - t0}
    rss["sort"] = max_rss_mb()

    triples, violations = _artefacts(plan, state, got, shared, seconds, rss)
    state.set_info(code_version=code_version(), validation=plan.mode, triples=triples,
                   lines=lines_written, spread=plan.spread)
    state.close()
    return finish(
        plan, got.keys, got.stat_rows, triples=triples, violations=violations,
        stats={
            "workers": plan.workers, "files": len(plan.items), "bytes": got.nbytes,
            "extracted": len(plan.items) - len(plan.cached), "cached": len(plan.cached),
            "validation": plan.mode, "lines": lines_written, "runs": len(runs.runs),
            "seconds": seconds,
            "max_rss_mb": rss,  # this process's peak so far, after each phase
            "phases": plan.clock.phases,
        })


def _artefacts(plan: Plan, state: State, got: _Extracted, shared: list[str],
               seconds: dict[str, float], rss: dict[str, int]) -> tuple[int, list[str]]:
    """From graph.nt: the store, graph.ttl, the SHACL violations and spread.html; the
    number of triples and the violations."""
    build_dir = plan.build
    t0 = time.perf_counter()
    store = load_store(build_dir / "graph.nt", build_dir / "store")
    triples = len(store)
    seconds["load"] = time.perf_counter() - t0
    rss["load"] = max_rss_mb()
    t0 = time.perf_counter()
    write_turtle(build_dir / "graph.nt", build_dir / "graph.ttl", index=build_dir / artefacts.TURTLE_INDEX)
    seconds["turtle"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    for key, found in got.owned.items():
        state.set_violations(key, found)
    if plan.mode == "full":
        state.set_violations("full", validate_file(build_dir / "graph.nt"))
    elif plan.mode == "sample":
        state.set_violations("shared", validate_lines(shared))
    violations = state.violations()
    seconds["validate"] = time.perf_counter() - t0
    rss["validate"] = max_rss_mb()

    t0 = time.perf_counter()
    if plan.spread:
        from kg.viz import spread_rows, write_spread

        rows = spread_rows(store)
        write_spread(store, build_dir / "spread.html", rows=rows)
        artefacts.save_rows(build_dir, rows)
        del rows
    seconds["spread"] = time.perf_counter() - t0
    rss["spread"] = max_rss_mb()
    del store
    return triples, violations
