"""Other processes of a build: the pool of extraction workers (results back in input
order, so the output is the same whatever the number of workers) and one-off steps in a
forked child (:func:`in_child`)."""

from __future__ import annotations

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
    fork is not available, or the child dies, ``fn`` runs in this process instead."""
    if "fork" not in multiprocessing.get_all_start_methods():
        value = fn()
        return lambda: value
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def target() -> None:
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
