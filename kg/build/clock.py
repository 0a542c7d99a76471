"""The build's own figures: wall and CPU seconds of each phase (:class:`Clock`, the
manifest's ``build.phases``) and this process's peak memory."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator


class Clock:
    """Wall and CPU seconds of consecutive phases, ``{phase: [wall, cpu]}`` (``phases``):
    ``start(name)`` ends the running phase and starts ``name``."""

    def __init__(self) -> None:
        self.phases: dict[str, list[float]] = {}
        self._running: tuple[str, float, float] | None = None

    def start(self, name: str) -> None:
        self.stop()
        self._running = (name, time.perf_counter(), time.process_time())

    def stop(self) -> None:
        if self._running is not None:
            name, wall, cpu = self._running
            spent = self.phases.setdefault(name, [0.0, 0.0])
            spent[0] += time.perf_counter() - wall
            spent[1] += time.process_time() - cpu
            self._running = None

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        self.start(name)
        try:
            yield
        finally:
            self.stop()


def max_rss_mb() -> int:
    """This process's peak resident memory so far, in MiB (0 where not known)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
