"""Explorer pages: CPU and wall time to make one page on demand (as ``kg serve`` does, index
included on the first call) and to write them all (``kg viz --explore-all``).

    python benchmarks/bench_explore.py [--out BUILD]   # default: builds the sample corpus
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def _timed(fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    from kg import build
    from kg.store import open_store
    from kg.viz.explore import PAGE_KINDS, explorer_page, page_index, write_all_explorers

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--per-kind", type=int, default=10)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp()) / "out"
    if args.out is None:
        build.run(None, out)
    store = open_store(out)
    index, wall, cpu = _timed(lambda: page_index(store))
    print(f"index: {len(index)} pages, {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU")
    _, wall, cpu = _timed(lambda: explorer_page(out, next(iter(index))))
    print(f"first page (opens store, builds index): {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU")
    for kind in PAGE_KINDS:
        pages = sorted(p for p in index if p.startswith(kind + "-"))[1:args.per_kind + 1]
        cpus = [_timed(lambda p=p: explorer_page(out, p))[2] * 1000 for p in pages]
        if cpus:
            print(f"{kind:10s} {len(cpus):3d} pages on demand: CPU median {statistics.median(cpus):.0f} ms, "
                  f"max {max(cpus):.0f} ms")
    count, wall, cpu = _timed(lambda: write_all_explorers(store, out))
    print(f"explore-all: {count} pages, {wall:.1f} s wall, {cpu:.1f} s CPU")


if __name__ == "__main__":
    main()
