"""A pool of query worker processes with a hard per-query time limit.

Each worker is a process with its own read-only store handle. A query that
runs past its deadline has its worker killed (SIGKILL) and replaced, so a
pathological query costs one worker for at most ``timeout`` seconds while the
others keep answering. Workers are started through a fork server (on Linux),
so replacing one neither forks the threaded web server nor re-imports
pyoxigraph from scratch.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import anyio
import anyio.to_thread

from kg.serve.worker import MEMORY_MB, Job, Reply, main

__all__ = ["Pool", "PoolBusy", "QueryTimeout"]

log = logging.getLogger(__name__)


class QueryTimeout(Exception):
    """The query ran past the time limit and its worker was killed."""


class PoolBusy(Exception):
    """No worker became free within the time limit."""


class QueryCrashed(Exception):
    """The worker died during the query (its memory budget, or a crash); it was replaced."""


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection


def _context() -> mp.context.BaseContext:
    if sys.platform.startswith("linux"):
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["kg.serve.worker"])
        return ctx
    return mp.get_context("spawn")


class Pool:
    """``size`` workers over the store at ``store_path``; ``run`` is async and bounded.

    Args:
        store_path: ``out/store``; each worker follows the build behind it (a rebuild
            into ``out`` is served from the next query on, without a restart).
        size: number of worker processes (queries that can run at once).
        timeout: seconds a query may run before its worker is killed.
        memory_mb: each worker's memory budget (``RLIMIT_AS`` above its size with the
            store open); a query past it kills the worker, which is replaced.
    """

    def __init__(self, store_path: Path, *, size: int = 2, timeout: float = 30.0,
                 memory_mb: int = MEMORY_MB) -> None:
        self.store_path = str(store_path)
        self.memory_mb = memory_mb
        self.size = size
        self.timeout = timeout
        self._ctx = _context()
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._free = threading.Semaphore(0)
        self.killed = 0

    def start(self) -> None:
        """Start every worker and wait until each has opened the store."""
        for _ in range(self.size):
            self._add(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=main, args=(self.store_path, child, self.memory_mb), daemon=True,
                                 name="kg-query-worker")
        proc.start()
        child.close()
        if not parent.poll(60) or parent.recv() != "ready":
            proc.kill()
            raise RuntimeError("查询进程未能启动 / a query worker failed to start")
        return _Worker(proc, parent)

    def _add(self, worker: _Worker) -> None:
        with self._lock:
            self._idle.append(worker)
        self._free.release()

    def _take(self, wait: float) -> _Worker | None:
        if not self._free.acquire(timeout=wait):
            return None
        with self._lock:
            return self._idle.pop()

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start a fresh one in the background."""
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        self.killed += 1

        def respawn() -> None:
            for attempt in range(3):
                try:
                    self._add(self._spawn())
                    return
                except (OSError, RuntimeError) as e:  # pragma: no cover - machine trouble
                    log.error("respawn failed (%s), attempt %d", e, attempt + 1)
                    time.sleep(1)

        threading.Thread(target=respawn, daemon=True).start()

    def run_sync(self, job: Job) -> Reply:
        """Run ``job`` on a free worker, blocking; raises QueryTimeout / PoolBusy."""
        worker = self._take(self.timeout)
        if worker is None:
            raise PoolBusy()
        try:
            worker.conn.send(job)
            if worker.conn.poll(self.timeout):
                reply = worker.conn.recv()
                self._add(worker)
                return reply
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            raise QueryCrashed() from None
        self._replace(worker)
        raise QueryTimeout()

    async def run(self, job: Job) -> Reply:
        """Run ``job`` without blocking the event loop (the wait happens in a thread)."""
        return await anyio.to_thread.run_sync(self.run_sync, job, abandon_on_cancel=True)

    def close(self) -> None:
        """Stop every idle worker (busy ones die with the process: they are daemons)."""
        with self._lock:
            workers, self._idle = self._idle, []
        for w in workers:
            w.conn.close()
            w.process.kill()
            w.process.join(5)
