"""The store of a clean build, loaded while ``graph.nt`` is being merged: each time the merge
has written another LOAD_LINES lines (:func:`kg.store.merge_runs`' ``on_slice``), a loader
process bulk-loads that slice of the file, so the load runs beside the merge instead of
after it, and the store gets each line once. The same process then writes
``spread.html`` from the store. It is started (spawned: a fork of a process that has used
RocksDB, such as a test that built before, can inherit its locks held and hang opening a
store) at the start of the build, so that its start-up is hidden by the extraction. Where
it fails, the store is loaded from ``graph.nt`` here instead (:func:`kg.store.load_store`)."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import shutil
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.build import artefacts
from kg.store import load_store

log = logging.getLogger(__name__)


def _finish_store(store: ox.Store, build: Path, spread: bool) -> dict[str, Any]:
    """Compact the store, write the spread view; the triples and the seconds."""
    t0 = time.perf_counter()
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


def _serve(receive: Any, send: Any, build: str, spread: bool) -> None:
    """The loader process: load each slice of graph.nt named by its end, then finish."""
    cpu, load = time.process_time(), 0.0
    try:
        store = ox.Store(str(Path(build) / "store"))
        done = 0
        with contextlib.ExitStack() as stack:
            nt = None  # graph.nt, opened once the merge has begun it
            while True:
                kind, upto = receive.recv()
                t0 = time.perf_counter()
                if upto > done:
                    nt = nt or stack.enter_context((Path(build) / "graph.nt").open("rb"))
                    nt.seek(done)
                    store.bulk_load(nt.read(upto - done), format=ox.RdfFormat.N_TRIPLES)
                    done = upto
                load += time.perf_counter() - t0
                if kind == "end":
                    break
        out = _finish_store(store, Path(build), spread)
        del store
        out.update(load=load, cpu=time.process_time() - cpu)
        send.send((True, out))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which loads instead
        send.send((False, f"{type(e).__name__}: {e}"))


class StoreLoader:
    """The store of ``build`` loaded slice by slice in another process (see the module)."""

    def __init__(self, build: Path, *, spread: bool) -> None:
        self.build = build
        self.spread = spread
        ctx = multiprocessing.get_context("spawn")
        to_child, self._to_child = ctx.Pipe(duplex=False)
        self._from_child, from_child = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_serve, args=(to_child, from_child, str(build), spread), daemon=True)
        self.proc.start()
        to_child.close()
        from_child.close()

    def upto(self, offset: int) -> None:
        """graph.nt is written (and flushed) up to byte ``offset``: load what is new."""
        self._to_child.send(("upto", offset))

    def finish(self, size: int) -> None:
        """graph.nt is complete (``size`` bytes): load the rest, then write the spread view."""
        self._to_child.send(("end", size))

    def wait(self) -> dict[str, Any]:
        """Wait for the store (and the spread view): the triples and the seconds of each step.
        When the loader process failed, load ``graph.nt`` here."""
        try:
            ok, value = self._from_child.recv()
        except EOFError:
            ok, value = False, "the loader process died"
        self.proc.join()
        if ok:
            return value
        log.warning("store loader failed (%s): loading graph.nt instead", value)
        shutil.rmtree(self.build / "store", ignore_errors=True)
        t0, cpu = time.perf_counter(), time.process_time()
        store = load_store(self.build / "graph.nt", self.build / "store")
        load = time.perf_counter() - t0
        out = _finish_store(store, self.build, self.spread)
        del store
        out.update(load=load, cpu=time.process_time() - cpu)
        return out
