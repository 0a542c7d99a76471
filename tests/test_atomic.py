"""Atomic output (issue 6, item 4): a build killed at any moment leaves the previous build
complete and loadable; a reader never sees half a store; a re-run needs no clean-up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

from kg import build
from kg.store import current_build, open_store
from kg.synth import generate

KG = [sys.executable, "-m", "kg"]
COUNT_REPORTS = "SELECT (COUNT(?r) AS ?n) WHERE { ?r a <https://w3id.org/fazhi-kg/ontology#Report> }"


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    root = tmp_path_factory.mktemp("atomic-corpora")
    generate(8, root / "small", seed=31)
    generate(24, root / "medium", seed=33)
    generate(200, root / "big", seed=32)  # a build of a few seconds
    return root


def _state(out):
    """What a reader sees: graph.nt bytes, store size, reports in the store, manifest ok count.

    The live build is resolved once (``current_build``), so all four come from one build."""
    out = current_build(out)
    store = open_store(out)
    reports = int(next(iter(store.query(COUNT_REPORTS)))["n"].value)
    state = ((out / "graph.nt").read_bytes(), len(store), reports,
             json.loads((out / "manifest.json").read_text(encoding="utf-8"))["summary"]["ok"])
    del store
    return state


def _build(corpus, out, *extra):
    # --replace: these builds replace one of other inputs on purpose (else kg build refuses)
    return subprocess.Popen([*KG, "build", str(corpus), "--out", str(out), "--replace", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def test_sigkill_at_any_moment_leaves_the_previous_build(tmp_path, corpora):
    out = tmp_path / "out"
    build.run([corpora / "small" / "reports"], out, workers=1)
    before = _state(out)
    assert before[2] == 8 and before[3] == 8

    started = time.perf_counter()  # one uninterrupted run elsewhere, to know how long a build takes
    assert _build(corpora / "big" / "reports", tmp_path / "timing", "--workers", "2").wait() == 0
    duration = time.perf_counter() - started

    for fraction in (0.2, 0.6, 0.9):
        proc = _build(corpora / "big" / "reports", out, "--workers", "2")
        time.sleep(duration * fraction)
        os.killpg(proc.pid, signal.SIGKILL)  # the build and its worker processes
        proc.wait()
        if _state(out)[2] == 200:  # it finished before the kill: start again from small
            build.run([corpora / "small" / "reports"], out, workers=1)
            continue
        assert _state(out) == before, f"killed at {fraction:.0%} of a build"

    # re-running after the kills needs no clean-up and leaves no stale build folders
    assert _build(corpora / "big" / "reports", out, "--workers", "2").wait() == 0
    after = _state(out)
    assert after[2] == 200 and after[3] == 200
    assert after[0] == (tmp_path / "timing" / "graph.nt").read_bytes()
    assert len(list((out / ".builds").iterdir())) <= 2  # the live build and the one before


def test_a_reader_never_sees_a_partial_graph(tmp_path, corpora):
    small, medium = corpora / "small" / "reports", corpora / "medium" / "reports"
    out = tmp_path / "out"
    build.run([medium], tmp_path / "m", workers=1)
    build.run([small], out, workers=1)
    valid = {_state(out)[:3], _state(tmp_path / "m")[:3]}
    stop = threading.Event()
    errors: list[str] = []
    seen: Counter = Counter()

    def reader():
        while not stop.is_set():
            try:
                seen[_state(out)[:3]] += 1
            except Exception as e:  # noqa: BLE001 - any error is a failure of the test
                errors.append(repr(e))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for corpus in (medium, small):
            assert _build(corpus, out, "--workers", "1").wait() == 0
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert set(seen) <= valid and len(seen) == 2 and sum(seen.values()) > 10
