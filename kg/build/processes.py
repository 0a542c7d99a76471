"""Other processes of a build: the pool of extraction workers (results back in input
order, so the output is the same whatever the number of workers), the one extraction
process an update starts before it knows what to extract (:class:`Extractor`) and one-off
steps in a forked child (:func:`in_child`)."""

from __future__ import annotations

import gc
import logging
import multiprocessing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kg.build import worker
from kg.build.cache import Cache
from kg.build.results import Done

log = logging.getLogger(__name__)


def pool(workers: int) -> Any:
    """A pool of ``workers`` extraction processes (forked where possible, after the lexicons
    are loaded, so they share them), each with its memory cap."""
    worker.warm()
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ctx.Pool(workers, worker.limit_worker_memory, (worker.WORKER_MEMORY_MB,))


def results(items: list[tuple[Path, str, bool]], workers: int,
            cached: dict[int, str], cache_db: Cache) -> Iterator[Done]:
    """Results in input order: cached ones read from the cache one at a time (memory stays
    bounded), the rest from the worker pool."""
    todo = [it for i, it in enumerate(items) if i not in cached]
    if workers <= 1 or len(todo) < 2:
        fresh: Iterator[Done] = map(worker.work, todo)
        running = None
    else:
        running = pool(workers)
        chunk = max(1, min(16, len(todo) // (workers * 8)))
        fresh = running.imap(worker.work, todo, chunksize=chunk)
    try:
        for i in range(len(items)):
            if i not in cached:
                yield next(fresh)
                continue
            hit = cache_db.get(cached[i])
            yield hit if hit is not None else worker.work(items[i])
    finally:
        if running is not None:
            running.terminate()
            running.join()


BATCH_MAX = 128  # files per batch task of a clean build (its lines make one sorted run)


def batch_size(files: int, workers: int) -> int:
    """Files per batch: some 16 batches per worker (so the last ones even out the load),
    at most BATCH_MAX (a run per batch: a few hundred runs to merge at 30,000 files)."""
    return max(1, min(BATCH_MAX, files // (workers * 16)))


def batched_results(items: list[tuple[Path, str, bool]], workers: int, cached: dict[int, str],
                    cache_db: Cache, folder: Path, *, keep_lines: bool,
                    on_batch: Callable[[worker.Batch], None]) -> Iterator[Done]:
    """Results in input order, as :func:`results`, the uncached ones computed in batches
    (:func:`kg.build.worker.work_batch`): ``on_batch`` gets each batch (its cache rows, its
    run of lines) before its results are yielded. A cached result keeps its lines."""
    todo = [it for i, it in enumerate(items) if i not in cached]
    size = batch_size(len(todo), workers)
    tasks = [(folder, k, todo[at:at + size], keep_lines) for k, at in enumerate(range(0, len(todo), size))]
    running = pool(min(workers, len(tasks))) if workers > 1 and len(tasks) > 1 else None
    batches = running.imap(worker.work_batch, tasks) if running is not None else map(worker.work_batch, tasks)
    pending: Iterator[Done] = iter(())
    try:
        for i in range(len(items)):
            if i in cached:
                hit = cache_db.get(cached[i])
                yield hit if hit is not None else worker.work(items[i])
                continue
            done = next(pending, None)
            if done is None:
                batch = next(batches)
                on_batch(batch)
                pending = iter(batch.dones)
                done = next(pending)
            yield done
    finally:
        if running is not None:
            running.terminate()
            running.join()


def extract_async(work: list[tuple[Path, str, bool]], workers: int) -> tuple[Iterator[Done], Any]:
    """Results of ``work`` in order, and the pool computing them (None when they are
    computed here, lazily): a pool starts at once, so the caller can do other work meanwhile.
    The caller terminates the pool."""
    if workers <= 1 or len(work) < 2:
        return map(worker.work, work), None
    running = pool(min(workers, len(work)))
    return running.imap(worker.work, work, chunksize=max(1, min(16, len(work) // (workers * 8)))), running


def in_child(fn: Callable[[], Any]) -> Callable[[], Any]:
    """Start ``fn`` in a forked process; the returned function waits for its value. Where
    fork is not available, or the child dies, ``fn`` runs in this process instead.

    The child first takes what it inherits out of the cyclic collector's passes
    (``gc.freeze``): it frees none of it, and a step that makes many objects (pyshacl) would
    otherwise have each full collection walk all of them again (0.18 and 0.24 CPU s of the
    two SHACL children of a 10,000-report build). Run here instead, nothing is frozen."""
    if "fork" not in multiprocessing.get_all_start_methods():
        value = fn()
        return lambda: value
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def target() -> None:
        gc.freeze()
        try:
            send.send((True, fn()))
        except BaseException as e:  # noqa: BLE001 - reported to the parent, which reruns fn
            send.send((False, repr(e)))

    proc = ctx.Process(target=target, daemon=True)
    proc.start()
    send.close()

    def wait() -> Any:
        try:
            ok, value = receive.recv()
        except EOFError:
            ok, value = False, "the process died"
        proc.join()
        if ok:
            return value
        log.debug("background step failed (%s): running it here", value)
        return fn()

    return wait


class Extractor:
    """One forked extraction process, started before the files to extract are known: it
    loads the lexicons (~0.2 s) while this process finds the inputs and reads the cache,
    then extracts the files :meth:`extract` sends it. Where fork is not available, or the
    process dies, the files are extracted in this process instead."""

    def __init__(self) -> None:
        self._proc: Any = None
        if "fork" not in multiprocessing.get_all_start_methods():
            return
        ctx = multiprocessing.get_context("fork")
        self._results, send_results = ctx.Pipe(duplex=False)
        receive_work, self._work = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_extractor, args=(receive_work, send_results), daemon=True)
        self._proc.start()
        send_results.close()
        receive_work.close()

    def extract(self, work: list[tuple[Path, str, bool]]) -> Iterator[Done]:
        """Results of ``work`` in order, as the process finishes them (once per extractor):
        the files are sent at once, the results read as the caller iterates."""
        if self._proc is None:
            return map(worker.work, work)
        try:
            self._work.send(work)
        except OSError:
            return map(worker.work, work)
        return self._receive(work)

    def _receive(self, work: list[tuple[Path, str, bool]]) -> Iterator[Done]:
        for n in range(len(work)):
            try:
                done = self._results.recv()
            except EOFError:
                log.debug("the extraction process died: extracting here")
                yield from map(worker.work, work[n:])
                return
            yield done

    def close(self) -> None:
        """Stop the process (at once, if it is still loading or has nothing to do)."""
        if self._proc is None:
            return
        self._work.close()
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        self._results.close()
        self._proc = None


def _extractor(receive: Any, send: Any) -> None:
    """The :class:`Extractor`'s process: lexicons, memory cap, then one list of files. No
    cyclic garbage collection in this short-lived process (its passes over the lexicons
    as they load cost ~0.05 CPU s; the update's own process extracted with it paused too)."""
    gc.disable()
    worker.warm()
    worker.limit_worker_memory(worker.WORKER_MEMORY_MB)
    try:
        work = receive.recv()
    except EOFError:
        return
    for item in work:
        send.send(worker.work(item))
