"""One build's plan, shared by the clean build and the update: the folders, the inputs
(with their ``os.stat`` signatures and which are cached), the options and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.build.cache import Cache
from kg.build.clock import Clock
from kg.build.results import ManifestEntry

if TYPE_CHECKING:
    from kg.build.processes import Extractor


@dataclass
class Plan:
    out: Path  # the output folder
    build: Path  # the new build folder in it (swapped in when complete)
    previous: Path | None  # the live build, if any
    items: list[tuple[Path, str, bool]]  # path, source name, whether its subgraph is validated
    signatures: list[str | None]  # of each item (None: could not stat it)
    entries: list[ManifestEntry]  # the skipped inputs', then one per item as results come
    skipped: int  # how many entries are skipped inputs
    workers: int
    mode: str  # validation: "full" | "sample" | "none"
    spread: bool
    nquads: bool
    cache_db: Cache
    cached: dict[int, str]  # item index -> cache key, for items whose result is cached
    progress: Callable[[int], None] | None
    started: float  # perf_counter at start
    clock: Clock
    extractor: Extractor | None = None  # an update's extraction process, started early
