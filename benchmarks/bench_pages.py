"""Paged and whole answers of the research queries (issue 16 item 4; not a test).

    python benchmarks/bench_pages.py --work /tmp/kg-bench --sizes 1000,10000,30000

For each size, a `kg synth` corpus and its build (``WORK/synth-N-1``, ``WORK/out-N``;
made with benchmarks/bench_scale.py's helpers when missing), then for every research
SELECT query, its example's parameters bound to a programme and region of the corpus:

- **first page** (``--page`` rows, 1,000 by default) p50/p95, in process (what
  ``kg query --page-size`` runs: the windowed query, rows written as SPARQL JSON) and
  over HTTP from a real ``kg serve`` (``/queries/NAME?page-size=…``);
- **whole answer**: rows, and rows per second in process (engine + JSON writer, wall
  and CPU time, the median of three runs) and over HTTP (one request, row and byte caps raised).

Targets (issue 16): first page p95 < 300 ms at 30,000 reports; whole answers
>= 50,000 rows/s. Prints a table and writes JSON (--json).
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
BUDGET_S = 15.0  # per query and measurement: stop repeating once this is spent
WHOLE_RUNS = 3  # whole answers: the median of this many runs


def _p95(times: list[float]) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]


def _repeat(fn, repeat: int, cpu: list[float] | None = None) -> list[float]:  # type: ignore[no-untyped-def]
    """Wall times of up to ``repeat`` runs of ``fn``; this process's CPU times too into ``cpu``
    (on a shared machine the CPU time is the steadier figure)."""
    times: list[float] = []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        if cpu is not None:
            cpu.append(time.process_time() - c0)
        if sum(times) > BUDGET_S:
            break
    return times


def _in_process(store, prepared, page: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Run ``prepared`` (a page when ``page``) and write it as SPARQL JSON; (rows, bytes)."""
    from kg.query import engine, paging
    from kg.serve.stream import Sink, write_solutions

    text = paging.window(prepared.text, page + 1) if page else prepared.text
    result = engine.execute(store, engine.Prepared("SELECT", text, None))
    sink = Sink("", 2**62, inline=2**62)
    written = write_solutions(result, "json", sink, page or 2**62)
    return written.rows, sink.size


def _serve(out: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--out", str(out), "--port", str(port),
                             "--timeout", "120", "--max-rows", "100000000", "--max-bytes", str(2**40)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/queries", timeout=2).close()
            return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit("kg serve did not start")


def _http(url: str) -> tuple[int, int]:
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=300) as resp:
        body = resp.read()
        return int(resp.headers["X-KG-Rows"]), len(body)


def measure(out: Path, corpus: Path, page: int, repeat: int,
            only: set[str] | None = None) -> dict[str, dict[str, object]]:
    from bench_scale import _bindings

    from kg.query import engine, library
    from kg.store import open_store

    store = open_store(out)
    proc, base = _serve(out)
    results: dict[str, dict[str, object]] = {}
    try:
        for name, nq in sorted(library.library().items()):
            bindings = _bindings(nq.example, corpus)
            prepared = engine.prepare(name, bindings)
            if prepared.form != "SELECT" or (only and name not in only):
                continue
            first_cpu: list[float] = []
            first = _repeat(lambda: _in_process(store, prepared, page), repeat, first_cpu)
            query = urllib.parse.urlencode({**bindings, "page-size": page})
            first_http = _repeat(lambda: _http(f"{base}/queries/{name}?{query}"), repeat)
            whole_cpu: list[float] = []
            whole = _repeat(lambda: _in_process(store, prepared, 0), WHOLE_RUNS, whole_cpu)
            wall, cpu = statistics.median(whole), statistics.median(whole_cpu)
            rows, size = _in_process(store, prepared, 0)
            t0 = time.perf_counter()
            http_rows, _ = _http(f"{base}/queries/{name}?{urllib.parse.urlencode(bindings)}")
            http_wall = time.perf_counter() - t0
            entry = {
                "bindings": bindings, "rows": rows, "json_bytes": size,
                "first_page_p50_ms": 1000 * statistics.median(first), "first_page_p95_ms": 1000 * _p95(first),
                "first_page_cpu_p50_ms": 1000 * statistics.median(first_cpu),
                "first_page_cpu_p95_ms": 1000 * _p95(first_cpu),
                "first_page_http_p50_ms": 1000 * statistics.median(first_http),
                "first_page_http_p95_ms": 1000 * _p95(first_http), "runs": len(first),
                "whole_rows_per_s": rows / wall if wall else None,
                "whole_rows_per_cpu_s": rows / cpu if cpu else None,
                "whole_http_rows_per_s": http_rows / http_wall if http_wall else None,
                "whole_s": wall, "whole_http_s": http_wall,
            }
            results[name] = entry
            print(f"  {name}: {json.dumps({k: (round(v, 1) if isinstance(v, float) else v) for k, v in entry.items() if k != 'bindings'}, ensure_ascii=False)}",
                  flush=True)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return results


def _table(results: dict[str, dict[str, object]]) -> None:
    """The size's figures as a table: CPU time (the steadier figure on a shared machine) and wall."""
    print(f"  {'query':26s} {'rows':>7s} {'page1 cpu p95':>13s} {'wall p95':>9s} {'http p95':>9s}"
          f" {'whole rows/cpu-s':>16s} {'rows/s':>8s}")
    for name, q in results.items():
        print(f"  {name:26s} {q['rows']:7d} {q['first_page_cpu_p95_ms']:10.1f} ms {q['first_page_p95_ms']:6.1f} ms"
              f" {q['first_page_http_p95_ms']:6.1f} ms {q['whole_rows_per_cpu_s'] or 0:16,.0f} {q['whole_rows_per_s'] or 0:8,.0f}",
              flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/kg-bench"))
    ap.add_argument("--sizes", default="1000,10000,30000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--page", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--queries", default="", help="comma-separated query names (default: every one)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    only = {q for q in args.queries.split(",") if q} or None
    from bench_scale import _corpus, build

    report: dict[str, object] = {}
    for n in (int(x) for x in args.sizes.split(",")):
        corpus, _ = _corpus(args.work, n, args.seed)
        out = args.work / f"out-{n}"
        if not (out / "store").exists():
            build(corpus, out, None)
        print(f"{n} reports ({out}):", flush=True)
        report[str(n)] = measure(out, corpus, args.page, args.repeat, only)
        _table(report[str(n)])
    worst = {n: max((q["first_page_p95_ms"] for q in r.values()), default=None)  # type: ignore[union-attr]
             for n, r in report.items()}
    slowest = {n: min((q["whole_rows_per_s"] for q in r.values() if q["rows"] >= 1000), default=None)  # type: ignore[union-attr]
               for n, r in report.items()}
    worst_cpu = {n: max((q["first_page_cpu_p95_ms"] for q in r.values()), default=None)  # type: ignore[union-attr]
                 for n, r in report.items()}
    slowest_cpu = {n: min((q["whole_rows_per_cpu_s"] for q in r.values() if q["rows"] >= 1000), default=None)  # type: ignore[union-attr]
                   for n, r in report.items()}
    print(json.dumps({"worst_first_page_p95_ms": worst, "worst_first_page_cpu_p95_ms": worst_cpu,
                      "slowest_whole_rows_per_cpu_s (answers >= 1000 rows)": slowest_cpu, "slowest_whole_rows_per_s (answers >= 1000 rows)": slowest},
                     indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
