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
    loader.proc.wait()
    for run in _runs(tmp_path):  # sending to it does not fail the build either
        loader.add(run)
    loader.finish([])
    out = loader.wait()
    assert out["triples"] == 2
    assert _triples(build) == {A, B}


def test_a_script_without_a_main_guard_builds_once(tmp_path):
    """The loader is its own interpreter: a user's script calling kg.build at top level (str
    paths, no ``if __name__ == "__main__"``) is not run again by it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    out = tmp_path / "out"
    script = tmp_path / "build_it.py"
    script.write_text(f"import kg\nr = kg.build(None, {str(out)!r})\nprint('built', r.triples)\n",
                      encoding="utf-8")
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": root}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300, check=True)
    assert done.stdout.count("built") == 1
    assert len(list((out / ".builds").iterdir())) == 1
    lines = (out / "graph.nt").read_text(encoding="utf-8").count("\n")
    assert f"built {lines}" in done.stdout  # the store holds graph.nt's triples
