"""The store of a clean build, loaded while the workers still extract. Each sorted run of
lines (a batch's, written by a worker: N-Triples, its counts are comments) is handed to a
loader process as soon as it exists; the loader bulk-loads the runs some 48 MB at a time
(fewer, larger loads: each makes files for the store to compact), so that when the
extraction ends the store is nearly complete, instead of a load of ``graph.nt`` after the
merge. The runs overlap (a line several reports assert is in several of them), which the
store absorbs; the lines of duplicate reports, which the runs hold but the graph does not,
are removed at the end (:meth:`StoreLoader.finish`). The same process then writes
``spread.html`` from the store.

The loader is a new interpreter (``python -m kg.build.loader``, one JSON message a line on
its stdin, its answer on its stdout), not a fork: a fork of a process that has used
RocksDB (a test or a notebook that built before) can inherit its locks held and hang
opening a store; and not multiprocessing's spawn, which runs the caller's main script
again (a user's script without a ``__main__`` guard would build twice). It starts with the
build, so its start-up is hidden by the extraction. Where it fails, the store is loaded
from ``graph.nt`` here instead (:func:`kg.store.load_store`)."""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kg.build import artefacts
from kg.store import LENIENT_LOAD, LOAD_LINES, load_store

log = logging.getLogger(__name__)

LOAD_BYTES = 48 << 20  # runs are loaded once this much of them is waiting (some 250,000 lines)


def _load_runs(store: ox.Store, paths: list[Path]) -> None:
    """Bulk-load runs: the batches' small runs together, a large run of the parent's in
    slices of LOAD_LINES lines (the bulk loader holds its whole input in memory); leniently
    (:data:`kg.store.LENIENT_LOAD`: the runs are the build's own lines)."""
    small: list[bytes] = []
    for path in paths:
        if path.stat().st_size < LOAD_BYTES:
            small.append(path.read_bytes())
            continue
        with path.open("rb") as f:
            while chunk := b"".join(itertools.islice(f, LOAD_LINES)):
                store.bulk_load(chunk, format=ox.RdfFormat.N_TRIPLES, lenient=LENIENT_LOAD)
    if small:
        store.bulk_load(b"".join(small), format=ox.RdfFormat.N_TRIPLES, lenient=LENIENT_LOAD)


def _finish_store(store: ox.Store, build: Path, dropped: list[str], spread: bool) -> dict[str, Any]:
    """Remove ``dropped``, compact, write the spread view; the triples and the seconds."""
    t0 = time.perf_counter()
    if dropped:
        for quad in ox.parse(input="\n".join(dropped).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
            store.remove(quad)
    store.optimize()
    out: dict[str, Any] = {"triples": len(store), "optimize": time.perf_counter() - t0, "spread": 0.0}
    if spread:
        from kg.viz import spread_rows, write_spread

        t0 = time.perf_counter()
        rows = spread_rows(store)
        write_spread(store, build / "spread.html", rows=rows)
        artefacts.save_rows(build, rows)
        out["spread"] = time.perf_counter() - t0
    return out


def _serve(messages: IO[str], build: Path, spread: bool) -> dict[str, Any]:
    """The loader process: load the runs named as they come, then finish."""
    cpu, load = time.process_time(), 0.0
    store = ox.Store(str(build / "store"))
    pending: list[Path] = []
    waiting = 0
    dropped: list[str] = []
    for line in messages:
        message = json.loads(line)
        if "run" in message:
            pending.append(Path(message["run"]))
            waiting += pending[-1].stat().st_size
            if waiting < LOAD_BYTES:
                continue
        t0 = time.perf_counter()
        _load_runs(store, pending)
        load += time.perf_counter() - t0
        pending, waiting = [], 0
        if "end" in message:
            dropped = message["end"]
            break
    else:
        raise EOFError("the build stopped before its end")
    out = _finish_store(store, build, dropped, spread)
    del store
    out.update(load=load, cpu=time.process_time() - cpu)
    return out


def main(argv: list[str]) -> None:
    """``python -m kg.build.loader BUILD_DIR SPREAD(0|1)``: messages on stdin, the answer
    (``{"ok": …}``) on stdout."""
    try:
        out = {"ok": True, **_serve(sys.stdin, Path(argv[0]), argv[1] == "1")}
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which loads instead
        out = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


class StoreLoader:
    """The store of ``build`` loaded run by run in another process (see the module)."""

    def __init__(self, build: Path, *, spread: bool) -> None:
        self.build = build
        self.spread = spread
        package_root = str(Path(__file__).resolve().parents[2])  # where this kg is imported from
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [package_root, *filter(None, [os.environ.get("PYTHONPATH")])])}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kg.build.loader", str(build), "1" if spread else "0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, encoding="utf-8", errors="surrogateescape")

    def add(self, run: Path) -> None:
        """Load ``run`` (a sorted run of positive counts) into the store."""
        self._send({"run": str(run)})

    def finish(self, dropped: list[str]) -> None:
        """Every run is added: remove ``dropped`` (lines of the runs not in the graph), then
        write the spread view."""
        self._send({"end": dropped})

    def _send(self, message: dict[str, Any]) -> None:
        try:
            self.proc.stdin.write(json.dumps(message) + "\n")  # type: ignore[union-attr]
            self.proc.stdin.flush()  # type: ignore[union-attr]
        except (OSError, ValueError):  # the loader died: wait() loads graph.nt instead
            pass

    def wait(self) -> dict[str, Any]:
        """Wait for the store (and the spread view): the triples and the seconds of each step.
        When the loader process failed, load ``graph.nt`` here."""
        try:
            self.proc.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass
        answer = self.proc.stdout.readline()  # type: ignore[union-attr]
        self.proc.wait()
        self.proc.stdout.close()  # type: ignore[union-attr]
        value = json.loads(answer) if answer else {"ok": False, "error": "the loader process died"}
        if value.pop("ok"):
            return value
        log.warning("store loader failed (%s): loading graph.nt instead", value.get("error"))
        shutil.rmtree(self.build / "store", ignore_errors=True)
        t0, cpu = time.perf_counter(), time.process_time()
        store = load_store(self.build / "graph.nt", self.build / "store")
        load = time.perf_counter() - t0
        out = _finish_store(store, self.build, [], self.spread)
        del store
        out.update(load=load, cpu=time.process_time() - cpu)
        return out


if __name__ == "__main__":
    main(sys.argv[1:])
