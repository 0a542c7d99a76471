"""The clean build's store loader (kg.build.loader): runs loaded as they come, lines of
duplicates removed at the end, and the store still made when the loader process dies."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox

from kg.build.loader import StoreLoader
from kg.store import write_run

A = "<https://example.org/a> <https://example.org/p> \"甲 #1\" ."
B = "<https://example.org/b> <https://example.org/p> <https://example.org/c> ."
C = "<https://example.org/c> <https://example.org/p> \"only a duplicate said this\" ."


def _runs(tmp_path):
    write_run(tmp_path / "r1.nt", Counter({A: 2, B: 1}))
    write_run(tmp_path / "r2.nt", Counter({A: 1, C: 1}))
    return [tmp_path / "r1.nt", tmp_path / "r2.nt"]


def _triples(build) -> set[str]:
    store = ox.Store(str(build / "store"))
    return {f"{q.subject} {q.predicate} {q.object} ." for q in store}


def test_loader_loads_overlapping_runs_and_drops_lines(tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    loader = StoreLoader(build, spread=False)
    for run in _runs(tmp_path):
        loader.add(run)
    loader.finish([C])
    out = loader.wait()
    assert out["triples"] == 2
    assert _triples(build) == {A, B}


def test_a_dead_loader_falls_back_to_loading_graph_nt(tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    (build / "graph.nt").write_text(f"{A}\n{B}\n", encoding="utf-8")
    loader = StoreLoader(build, spread=False)
    loader.proc.kill()
    loader.proc.join()
    for run in _runs(tmp_path):  # sending to it does not fail the build either
        loader.add(run)
    loader.finish([])
    out = loader.wait()
    assert out["triples"] == 2
    assert _triples(build) == {A, B}
