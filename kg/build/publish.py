"""The end of every build: entries sorted, ``manifest.json`` written, the cache committed
(with the stat signatures) and the build folder swapped in (:func:`kg.store.publish_build`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kg.build.manifest import manifest_text
from kg.build.plan import Plan
from kg.build.results import BuildResult
from kg.store import publish_build


def finish(plan: Plan, keys: set[str], stat_rows: list[tuple[str, str, str]], *, triples: int,
           violations: list[str], stats: dict[str, Any],
           before_publish: Callable[[], object] | None = None) -> BuildResult:
    """Manifest, cache, swap; ``before_publish`` (say, waiting for a file still being written
    into the build folder) is called just before the swap."""
    t0 = time.perf_counter()
    clock = plan.clock
    clock.start("manifest")
    plan.entries.sort(key=lambda e: e.source)
    result = BuildResult(out=plan.out, entries=plan.entries, triples=triples, violations=violations,
                         seconds=0.0, stats=stats)
    (plan.build / "manifest.json").write_text(manifest_text(result), encoding="utf-8")
    clock.start("cache")
    plan.cache_db.put_stats(stat_rows, old=plan.cache_db.known_stats)
    plan.cache_db.close(keep=keys)
    if before_publish is not None:
        clock.start("wait_page")
        before_publish()
    clock.start("publish")
    publish_build(plan.out, plan.build)
    clock.stop()
    result.seconds = time.perf_counter() - plan.started
    result.stats["seconds"]["manifest"] = time.perf_counter() - t0
    result.stats["seconds"]["total"] = result.seconds
    return result
