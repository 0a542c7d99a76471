"""A pool of query worker processes with a hard per-query time limit.

Each worker is a process with its own read-only store handle. A query that
runs past its deadline has its worker killed (SIGKILL) and replaced, so a
pathological query costs one worker for at most ``timeout`` seconds while the
others keep answering. Which waiting query gets a free worker is decided by
:class:`kg.serve.lanes.Lanes`: reserved workers for clients with nothing
running, runaways (time or memory kills) counted per client and queued apart.
Workers are started through a fork server (on Linux), so replacing one neither
forks the threaded web server nor re-imports pyoxigraph from scratch. Large
answers come back as files in the pool's spool folder (see
:mod:`kg.serve.stream`); a killed worker's files are removed with it.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import anyio.to_thread

from kg.serve.lanes import Lanes
from kg.serve.stream import remove_spool
from kg.serve.worker import MEMORY_MB, Job, Reply, main

__all__ = ["ClientBusy", "Pool", "PoolBusy", "QueryCrashed", "QueryTimeout"]

log = logging.getLogger(__name__)


class QueryTimeout(Exception):
    """The query ran past the time limit and its worker was killed."""


class PoolBusy(Exception):
    """No worker became free within the time limit."""


class QueryCrashed(Exception):
    """The worker died during the query (its memory budget, or a crash); it was replaced."""


class ClientBusy(PoolBusy):
    """This client already has as many queries running or waiting as it may."""


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection


@dataclass
class _Waiter:
    key: str
    wake: Callable[[], None]
    worker: _Worker | None = None
    suspect: bool = False


def _context() -> mp.context.BaseContext:
    if sys.platform.startswith("linux"):
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["kg.serve.worker"])
        return ctx
    return mp.get_context("spawn")


class Pool:
    """``size`` + ``reserve`` workers over the store at ``store_path``; ``run`` is async and bounded.

    Args:
        store_path: ``out/store``; each worker follows the build behind it (a rebuild
            into ``out`` is served from the next query on, without a restart).
        size: ordinary workers (queries that can run at once for busy clients).
        reserve: extra workers kept for clients with nothing running and no runaway.
        timeout: seconds a query may run before its worker is killed (and may wait
            for a worker before the client is told to retry).
        memory_mb: each worker's memory budget (``RLIMIT_AS`` above its size with the
            store open); a query past it kills the worker, which is replaced.
        per_client: queries one client may have running or waiting at once.
        cooldown: seconds a client's runaway keeps it in the runaway lane
            (default: ten time limits, at least a minute).
    """

    def __init__(self, store_path: Path, *, size: int = 2, reserve: int = 1, timeout: float = 30.0,
                 memory_mb: int = MEMORY_MB, per_client: int = 8, cooldown: float | None = None) -> None:
        self.store_path = str(store_path)
        self.memory_mb = memory_mb
        self.size, self.reserve = size, reserve
        self.timeout = timeout
        self.lanes = Lanes(size, reserve, cooldown if cooldown is not None else max(60.0, 10 * timeout),
                           per_client)
        self.spool = ""
        self._ctx = _context()
        self._idle: list[_Worker] = []
        self._waiters: list[_Waiter] = []
        self._lock = threading.Lock()
        self.killed = 0

    def start(self) -> None:
        """Start every worker and wait until each has opened the store."""
        self.spool = tempfile.mkdtemp(prefix="kg-serve-spool-")
        for _ in range(self.size + self.reserve):
            self._add(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=main, args=(self.store_path, child, self.memory_mb, self.spool),
                                 daemon=True, name="kg-query-worker")
        proc.start()
        child.close()
        if not parent.poll(60) or parent.recv() != "ready":
            proc.kill()
            raise RuntimeError("查询进程未能启动 / a query worker failed to start")
        return _Worker(proc, parent)

    def _add(self, worker: _Worker) -> None:
        with self._lock:
            self._idle.append(worker)
            self._dispatch()

    def _dispatch(self) -> None:
        """Grant idle workers to waiting queries the lanes admit, in arrival order (lock held)."""
        now = time.monotonic()
        i = 0
        while self._idle and i < len(self._waiters):
            w = self._waiters[i]
            if not self.lanes.admits(w.key, len(self._idle), now):
                i += 1
                continue
            self._waiters.pop(i)
            w.suspect = self.lanes.started(w.key, now)
            w.worker = self._idle.pop()
            w.wake()

    def _enqueue(self, key: str, wake: Callable[[], None]) -> _Waiter:
        with self._lock:
            if self.lanes.full(key):
                raise ClientBusy()
            w = _Waiter(key, wake)
            self.lanes.queued(key)
            self._waiters.append(w)
            self._dispatch()
        return w

    def _withdraw(self, w: _Waiter) -> bool:
        """Stop waiting; True if a worker was granted meanwhile (the query then runs)."""
        with self._lock:
            if w.worker is not None:
                return True
            self._waiters.remove(w)
            self.lanes.withdrawn(w.key, time.monotonic())
            return False

    def _finish(self, w: _Waiter, worker: _Worker | None, runaway: bool) -> None:
        with self._lock:
            self.lanes.finished(w.key, w.suspect, runaway, time.monotonic())
            if worker is not None:
                self._idle.append(worker)
            self._dispatch()

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker``, remove its spool files and start a fresh one, in the background."""
        worker.process.kill()
        self.killed += 1

        def respawn() -> None:
            worker.process.join(10)
            worker.conn.close()
            if worker.process.pid is not None:
                remove_spool(self.spool, worker.process.pid)
            for attempt in range(3):
                try:
                    self._add(self._spawn())
                    return
                except (OSError, RuntimeError) as e:  # pragma: no cover - machine trouble
                    log.error("respawn failed (%s), attempt %d", e, attempt + 1)
                    time.sleep(1)

        threading.Thread(target=respawn, daemon=True).start()

    def _execute(self, w: _Waiter, job: Job) -> Reply:
        """Run ``job`` on the worker granted to ``w`` (blocking); frees or replaces it."""
        worker = w.worker
        assert worker is not None
        try:
            worker.conn.send(job)
            if worker.conn.poll(self.timeout):
                reply: Reply = worker.conn.recv()
                self._finish(w, worker, runaway=reply.status == 503)
                return reply
        except (EOFError, OSError):
            self._finish(w, None, runaway=True)
            self._replace(worker)
            raise QueryCrashed() from None
        self._finish(w, None, runaway=True)
        self._replace(worker)
        raise QueryTimeout()

    def run_sync(self, job: Job, client: str = "") -> Reply:
        """Run ``job`` for ``client``, blocking; raises QueryTimeout / PoolBusy / QueryCrashed."""
        granted = threading.Event()
        w = self._enqueue(client, granted.set)
        if not granted.wait(self.timeout) and not self._withdraw(w):
            raise PoolBusy()
        return self._execute(w, job)

    async def run(self, job: Job, client: str = "") -> Reply:
        """Run ``job`` for ``client`` without blocking the event loop."""
        loop = asyncio.get_running_loop()
        granted = asyncio.Event()
        w = self._enqueue(client, lambda: loop.call_soon_threadsafe(granted.set))
        try:
            await asyncio.wait_for(granted.wait(), self.timeout)
        except asyncio.TimeoutError:
            if not self._withdraw(w):
                raise PoolBusy() from None
        except asyncio.CancelledError:
            if self._withdraw(w):
                self._finish(w, w.worker, runaway=False)
            raise
        return await anyio.to_thread.run_sync(self._execute, w, job, abandon_on_cancel=True)

    def close(self) -> None:
        """Stop every idle worker (busy ones die with the process: they are daemons)."""
        with self._lock:
            workers, self._idle = self._idle, []
        for w in workers:
            w.conn.close()
            w.process.kill()
            w.process.join(5)
        if self.spool:
            shutil.rmtree(self.spool, ignore_errors=True)
