"""Scale benchmark: generated corpora of 1,000 / 10,000 / 30,000 reports (not a test).

    python benchmarks/bench_scale.py                       # 1000,10000,30000
    python benchmarks/bench_scale.py --sizes 1000,10000 --work /tmp/kg-bench

For each size: a `kg synth` corpus (reused if already generated), then

- extraction rate in one process (ingest → linked records: read, extract, N-Triples
  lines), MB/s per core and reports/s per core (CPU time), and the extract-only rate;
- the raw pyahocorasick scan rate over the same text with the gazetteer's names and
  the scheme's labels (the "≥ a quarter of Aho-Corasick" target);
- an end-to-end `kg build` in a subprocess (all cores): wall time, peak RSS (the whole
  process tree, sampled), the phases from the manifest, store load rate;
- `kg build --update` after changing 1% of the reports, against the clean build's wall and
  CPU time: the clean build reads a copy of the corpus, 1% of whose reports are then edited
  in place (the others keep their stat signatures, as in a user's folder);
- p50/p95 of every research query in kg/queries/*.rq (those present at run time) on the
  Oxigraph store and, up to --rdflib-max reports, on rdflib's memory store;
- the spread view's size, write time and render time in headless Chromium (the
  measurement of benchmarks/bench_viz.py);
- recovery of the synth truth (P/R);
- at the end, the growth exponent of build time against corpus size: the least-squares
  slope of log CPU seconds (and of log wall seconds) of the clean builds against log
  reports; ``--build-repeat N`` builds each size N times and keeps the least-CPU build.

``--build-only`` keeps only the builds and the update; ``--reference COMMIT`` also builds each
size (up to ``--reference-max``) with the single-module build of that commit
(benchmarks/reference_build.py; a462eb60 is the last before ``kg/build/``) and checks that
graph.nt, graph.ttl and spread.html are byte-identical. A build's ``cpu_split`` is the CPU
of the build's own process against all its others (workers, loader, children).

Prints a report and writes it as JSON (--json).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
QUERY_BUDGET_S = 20.0  # per query and size: stop repeating once this is spent
RDFLIB_SKIP_MS = 5000.0  # queries slower than this on Oxigraph are not tried on rdflib
RDFLIB_TIMEOUT_S = 10.0  # rdflib gets this long per query ("speedup_at_least" when it runs out)
RENDER_RUNS = 3  # fresh pages per spread view


def _corpus(work: Path, n: int, seed: int) -> tuple[Path, float]:
    from kg.synth import generate

    folder = work / f"synth-{n}-{seed}"
    meta = folder / "truth.json"
    if meta.is_file() and json.loads(meta.read_text(encoding="utf-8"))["reports"] == n:
        return folder, 0.0
    started = time.perf_counter()
    generate(n, folder, seed=seed)
    return folder, time.perf_counter() - started


def _files(corpus: Path) -> list[Path]:
    return sorted(p for p in (corpus / "reports").rglob("*") if p.is_file())


def extraction_rate(corpus: Path, sample: int) -> dict[str, float]:
    """Single-process CPU rates over the first ``sample`` files (the lexicons warmed first)."""
    from kg import ingest
    from kg.extract import extract
    from kg.build.worker import warm as _warm
    from kg.build.worker import work as _work

    files = _files(corpus)[:sample]
    _warm()
    _work((files[0], files[0].name, False))
    nbytes = sum(p.stat().st_size for p in files)
    t0 = time.process_time()
    for p in files:
        _work((p, p.name, False))
    full = time.process_time() - t0
    docs = [ingest.read(p, p.name) for p in files]
    text_bytes = sum(len(d.text.encode("utf-8")) for d in docs)
    t0 = time.process_time()
    for d in docs:
        extract(d)
    only = time.process_time() - t0
    return {
        "files": len(files), "file_mb": nbytes / 1e6, "text_mb": text_bytes / 1e6,
        "ingest_to_records_mb_s_per_core": nbytes / full / 1e6,
        "ingest_to_records_reports_s_per_core": len(files) / full,
        "extract_only_mb_s_per_core": text_bytes / only / 1e6,
        "extract_only_reports_s_per_core": len(files) / only,
    }


def aho_corasick_rate(corpus: Path, sample: int) -> dict[str, float]:
    """Raw pyahocorasick scan (count every match) over the same decoded texts."""
    import ahocorasick

    from kg import gazetteer, ingest, thesaurus

    texts = [ingest.read(p, p.name).text for p in _files(corpus)[:sample]]
    automaton = ahocorasick.Automaton()
    terms = set(gazetteer.load().surfaces())
    for concept in thesaurus.load().concepts():
        terms.update(concept.labels)
    for term in terms:
        automaton.add_word(term, term)
    automaton.make_automaton()
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    rounds = 3
    t0 = time.process_time()
    hits = 0
    for _ in range(rounds):
        for t in texts:
            for _match in automaton.iter(t):
                hits += 1
    seconds = time.process_time() - t0
    # the Rust automaton the extractors use (ahocorasick-rs), every overlapping match too
    import ahocorasick_rs

    rs = ahocorasick_rs.AhoCorasick(sorted(terms), matchkind=ahocorasick_rs.MatchKind.Standard)
    t0 = time.process_time()
    rs_hits = sum(len(rs.find_matches_as_indexes(t, overlapping=True)) for _ in range(rounds) for t in texts)
    rs_seconds = time.process_time() - t0
    return {"terms": len(terms), "mb_s": nbytes * rounds / seconds / 1e6, "hits": hits // rounds,
            "ahocorasick_rs_mb_s": nbytes * rounds / rs_seconds / 1e6, "ahocorasick_rs_hits": rs_hits // rounds}


def _run_tree(cmd: list[str]) -> tuple[float, int, int, float]:
    """Run ``cmd``; wall seconds, peak RSS of the process tree and of its largest process,
    CPU seconds of the whole tree (user + system)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ps = psutil.Process(proc.pid)
    peak_tree = peak_one = 0
    while proc.poll() is None:
        try:
            rss = [p.memory_info().rss for p in [ps, *ps.children(recursive=True)]]
        except psutil.Error:
            rss = []
        if rss:
            peak_tree, peak_one = max(peak_tree, sum(rss)), max(peak_one, max(rss))
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-2000:]}")
    return seconds, peak_tree, peak_one, cpu


def build(corpus: Path, out: Path, workers: int | None, *extra: str,
          reference: str | None = None) -> dict[str, object]:
    """One ``kg build`` (or, with ``reference``, the single-module build of that commit:
    benchmarks/reference_build.py) in a subprocess: wall and CPU seconds of the process
    tree, peak memory, the manifest's figures."""
    cmd = [sys.executable, "-m", "kg", "build", str(corpus / "reports"), "--out", str(out), *extra]
    if workers:
        cmd += ["--workers", str(workers)]
    if reference:
        cmd = [sys.executable, str(ROOT / "benchmarks" / "reference_build.py"), reference,
               str(corpus / "reports"), str(out)]
    load = os.getloadavg()[0]
    seconds, tree, one, cpu = _run_tree(cmd)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    phases = manifest["build"]["seconds"]
    triples = manifest["summary"]["triples"]
    return {
        "seconds": seconds, "cpu_seconds": cpu, "load_avg_before": load,
        "peak_rss_tree_mb": tree / 1e6, "peak_rss_largest_mb": one / 1e6,
        "phases": phases, "triples": triples, "ok": manifest["summary"]["ok"],
        "extracted": manifest["build"]["extracted"], "validation": manifest["build"]["validation"],
        "in_place": manifest["build"].get("in_place", False),
        "violations": manifest["summary"]["shacl_violations"],
        "store_load_triples_s": triples / phases["load"] if phases["load"] else None,
        "bytes": manifest["build"]["bytes"],
        "mb_s_per_core": manifest["build"]["bytes"] / 1e6 / seconds / (os.cpu_count() or 1),
        "cpu_percent": 100 * cpu / seconds,
        "cpu_split": manifest["build"].get("cpu"),  # this process vs all the others
    }


def same_as_reference(corpus: Path, out: Path, commit: str, work: Path) -> dict[str, object]:
    """Build ``corpus`` with the single-module build of ``commit`` and compare graph.nt,
    graph.ttl and spread.html with ``out``'s byte for byte; both builds' figures."""
    ref = work / f"reference-{corpus.name}"
    shutil.rmtree(ref, ignore_errors=True)
    row = build(corpus, ref, None, reference=commit)
    same = {name: (ref / name).read_bytes() == (out / name).read_bytes()
            for name in ("graph.nt", "graph.ttl", "spread.html")}
    shutil.rmtree(ref, ignore_errors=True)
    return {"identical": same, "reference_build": row}


def touch_one_percent(corpus: Path) -> int:
    """Append a sentence to 1% of the UTF-8 .txt reports (the same ones each time)."""
    files = [p for p in _files(corpus) if p.suffix == ".txt"]
    chosen = files[:: 100] or files[:1]
    for p in chosen:
        data = p.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        p.write_bytes(data + "此外,持续推进“双随机、一公开”监管。\n".encode())
    return len(chosen)


def _bindings(example: str, corpus: Path) -> dict[str, str]:
    """The example's ``-p key=value`` pairs, with a programme and region of this corpus."""
    import csv
    import re
    from collections import Counter

    with (corpus / "truth.csv").open(encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    with (corpus / "reports.csv").open(encoding="utf-8") as f:
        names = {r["region_code"]: r["region"] for r in csv.DictReader(f)}
    top = Counter(t["programme"] for t in truth).most_common(1)[0][0]
    region = Counter(t["region_code"] for t in truth).most_common(1)[0][0]
    out = dict(re.findall(r"-p\s+(\w+)=(\S+)", example))
    for key in out:
        if key == "programme":
            out[key] = top
        elif key == "region":
            out[key] = names.get(region, region)
    return out


def _rdflib_time(graph: object, text: str, timeout: float) -> float | None:
    """Milliseconds rdflib takes for ``text``, in a forked child (killed after ``timeout``)."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)

    def run() -> None:
        t0 = time.perf_counter()
        try:
            sum(1 for _ in graph.query(text))  # type: ignore[attr-defined]
            child.send(1000 * (time.perf_counter() - t0))
        except Exception:  # noqa: BLE001
            child.send(None)

    proc = ctx.Process(target=run)
    proc.start()
    ms = parent.recv() if parent.poll(timeout) else None
    proc.kill()
    proc.join()
    return ms


def queries(out: Path, corpus: Path, *, repeat: int,
            rdflib_graph: object | None) -> dict[str, dict[str, object]]:
    """Every named query of the research library (kg/queries/*.rq), with its example's
    parameters bound to a programme and a region of this corpus."""
    from kg.namespaces import PREFIXES
    from kg.store import open_store

    try:
        from kg.query import engine, library
    except ImportError:
        return {"skipped": {"error": "kg.query (the research-query library) is not there"}}
    store = open_store(out)
    declared = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())
    results: dict[str, dict[str, object]] = {}
    for name, nq in sorted(library.library().items()):
        bindings = _bindings(nq.example, corpus)
        times = []
        try:
            prepared = engine.prepare(name, bindings)
            rows = 0
            for _ in range(repeat):
                t0 = time.perf_counter()
                rows = sum(1 for _ in engine.execute(store, prepared))
                times.append(time.perf_counter() - t0)
                if sum(times) > QUERY_BUDGET_S:  # a slow query: fewer runs
                    break
        except Exception as e:  # noqa: BLE001 - report and go on
            results[name] = {"error": f"{type(e).__name__}: {e}"[:200], "bindings": bindings}
            continue
        times.sort()
        entry: dict[str, object] = {
            "bindings": bindings, "rows": rows, "p50_ms": 1000 * statistics.median(times),
            "p95_ms": 1000 * times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)],
        }
        if rdflib_graph is not None and entry["p50_ms"] > RDFLIB_SKIP_MS:  # type: ignore[operator]
            entry["rdflib_error"] = "skipped: too slow on Oxigraph already"
        elif rdflib_graph is not None:
            # queries using Oxigraph's LATERAL run on rdflib in their portable form (same answers)
            portable = ROOT / "kg" / "queries" / "portable" / f"{name}.rq"
            text = engine.prepare(portable, bindings).text if portable.is_file() else prepared.text
            entry["rdflib_form"] = "portable" if portable.is_file() else "same"
            ms = _rdflib_time(rdflib_graph, declared + text, RDFLIB_TIMEOUT_S)
            if ms is None:
                entry["rdflib_error"] = f"no answer within {RDFLIB_TIMEOUT_S:.0f} s"
                entry["speedup_at_least"] = 1000 * RDFLIB_TIMEOUT_S / max(entry["p50_ms"], 1e-3)  # type: ignore[operator]
            else:
                entry["rdflib_ms"] = ms
                entry["speedup"] = ms / max(entry["p50_ms"], 1e-3)  # type: ignore[operator]
        results[name] = entry
        print(f"  query {name}: {json.dumps(entry, ensure_ascii=False)}", flush=True)
    del store
    return results


def spread_view(out: Path, *, runs: int = RENDER_RUNS) -> dict[str, object]:
    """Size of the build's spread.html, the time the build took to write it, and its render
    time in headless Chromium (benchmarks/bench_viz.py's measurement: navigation start to
    the first frame vis-network draws, and wall time from ``goto`` until then; medians)."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    info: dict[str, object] = {"bytes": (out / "spread.html").stat().st_size,
                               "write_s": manifest["build"]["seconds"].get("spread")}
    try:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import bench_viz
        from playwright.sync_api import sync_playwright

        first, wall = [], []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=bench_viz.ARGS)
            for _ in range(runs):
                page, wall_ms, errors = bench_viz._open(browser, (out / "spread.html").resolve())
                if errors:
                    raise RuntimeError(f"page errors: {errors[:3]}")
                first.append(page.evaluate("spreadView.timings.firstDraw"))
                wall.append(wall_ms)
                page.close()
            browser.close()
        info["render_first_draw_ms"] = statistics.median(first)
        info["render_goto_to_drawn_ms"] = statistics.median(wall)
        info["render_runs"] = runs
    except Exception as e:  # noqa: BLE001 - report and go on
        info["render"] = f"failed: {type(e).__name__}: {e}"[:300]
    return info


def recovery(corpus: Path, out: Path) -> dict[str, object]:
    from kg.store import open_store
    from kg.synth import score

    s = score(corpus, open_store(out))
    return {k: {m: round(v, 4) for m, v in s[k].items() if m in ("precision", "recall")}
            for k in ("first_years", "adoptions", "reports")}


def _live_copy(args: argparse.Namespace, corpus: Path) -> Path:
    """The folder the clean build and the update read: ``corpus`` itself with --no-update,
    else a copy of it (the update edits 1% of its reports, and the corpus may be shared with
    other runs). The update then sees what a user's does: the unchanged files with the stat
    signatures the clean build recorded, the changed ones with new bytes."""
    if args.no_update:
        return corpus
    live = args.work / f"{corpus.name}-live"
    shutil.rmtree(live, ignore_errors=True)
    shutil.copytree(corpus, live)
    return live


def _clean_builds(args: argparse.Namespace, corpus: Path, out: Path) -> dict[str, object]:
    """``--build-repeat`` clean builds of ``corpus`` into ``out``: the one of least CPU time,
    with every run's wall and CPU seconds (``runs``)."""
    runs = []
    for _ in range(max(1, args.build_repeat)):
        shutil.rmtree(out, ignore_errors=True)  # a clean build, not one from the cache
        runs.append(build(corpus, out, args.workers))
    best = dict(min(runs, key=lambda r: r["cpu_seconds"]))  # type: ignore[arg-type, return-value]
    best["runs"] = [{"seconds": r["seconds"], "cpu_seconds": r["cpu_seconds"]} for r in runs]
    return best


def _update(args: argparse.Namespace, live: Path, out: Path, row: dict[str, object],
            clean: dict[str, object]) -> None:
    """``kg build --update`` after 1% of the reports of ``live`` (the clean build's inputs,
    :func:`_live_copy`) changed, against the clean build. The clean build's written pages
    are flushed first (``os.sync``), so the update is not charged for their write-back."""
    if args.no_update:
        return
    changed = touch_one_percent(live)
    os.sync()
    row["update"] = u = build(live, out, args.workers, "--update")
    shutil.rmtree(live, ignore_errors=True)
    u["changed"] = changed
    u["fraction_of_clean"] = u["seconds"] / clean["seconds"]  # type: ignore[operator]
    u["cpu_fraction_of_clean"] = u["cpu_seconds"] / clean["cpu_seconds"]  # type: ignore[operator]
    print("  update", json.dumps(u), flush=True)
    print(f"  update / clean: wall {u['fraction_of_clean']:.1%}, CPU {u['cpu_fraction_of_clean']:.1%}",
          flush=True)


def growth_exponents(builds: dict[int, dict[str, object]]) -> dict[str, float]:
    """Least-squares slope of log(build time) against log(reports) over the sizes measured,
    for CPU seconds (user + system of the build's whole process tree: the figure other
    programs on the machine disturb least) and for wall seconds; each size's build is the
    least-CPU one of ``--build-repeat``."""
    sizes = sorted(builds)
    xs = [math.log(n) for n in sizes]
    mx = statistics.mean(xs)
    out = {}
    for key, name in (("cpu_seconds", "cpu"), ("seconds", "wall")):
        ys = [math.log(builds[n][key]) for n in sizes]  # type: ignore[arg-type]
        my = statistics.mean(ys)
        out[name] = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / \
            sum((x - mx) ** 2 for x in xs)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,30000")
    ap.add_argument("--work", type=Path, default=Path("/tmp/kg-bench"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--sample", type=int, default=400, help="reports in the single-process rate runs")
    ap.add_argument("--repeat", type=int, default=20, help="runs of each query")
    ap.add_argument("--rdflib-max", type=int, default=10000, help="largest size compared with rdflib")
    ap.add_argument("--no-update", action="store_true")
    ap.add_argument("--build-repeat", type=int, default=1,
                    help="clean builds per size; the least-CPU one is reported and used for the growth exponent")
    ap.add_argument("--reference", default=None, metavar="COMMIT",
                    help="also build with kg/pipeline.py of COMMIT (the build before kg/build/) and "
                         "check graph.nt, graph.ttl, spread.html byte-identical, e.g. a462eb60")
    ap.add_argument("--reference-max", type=int, default=10000,
                    help="largest size built with --reference too")
    ap.add_argument("--build-only", action="store_true",
                    help="only the builds (and --update, --reference): no rates, queries, views, recovery")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    report: dict[str, object] = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_avg_at_start": os.getloadavg()},
        "sizes": {},
    }
    for n in [int(x) for x in args.sizes.split(",")]:
        corpus, gen_s = _corpus(args.work, n, args.seed)
        print(f"== {n} reports ({corpus}; generated in {gen_s:.1f} s)", flush=True)
        row: dict[str, object] = {"generate_s": gen_s}
        if not args.build_only:
            row["extraction"] = extraction_rate(corpus, args.sample)
            row["aho_corasick"] = ac = aho_corasick_rate(corpus, args.sample)
            row["extraction"]["fraction_of_aho_corasick"] = (  # type: ignore[index]
                row["extraction"]["ingest_to_records_mb_s_per_core"] / ac["mb_s"])  # type: ignore[index]
            print("  extraction", json.dumps(row["extraction"]), "\n  aho-corasick", json.dumps(ac), flush=True)
        out = args.work / f"out-{n}"
        live = _live_copy(args, corpus)
        row["build"] = b = _clean_builds(args, live, out)
        print("  build", json.dumps(b), flush=True)
        if args.reference and n <= args.reference_max:
            row["reference"] = ref = same_as_reference(corpus, out, args.reference, args.work)
            print("  reference", json.dumps(ref), flush=True)
        if args.build_only:
            _update(args, live, out, row, b)
            report["sizes"][str(n)] = row  # type: ignore[index]
            continue
        row["recovery"] = recovery(corpus, out)
        print("  recovery", json.dumps(row["recovery"]), flush=True)
        rdflib_graph = None
        if n <= args.rdflib_max:
            from rdflib import Graph

            t0 = time.perf_counter()
            rdflib_graph = Graph()
            rdflib_graph.parse(out / "graph.nt", format="nt")
            row["rdflib_load_s"] = time.perf_counter() - t0
        row["queries"] = queries(out, corpus, repeat=args.repeat, rdflib_graph=rdflib_graph)
        del rdflib_graph
        row["spread"] = spread_view(out)
        print("  spread", json.dumps(row["spread"]), flush=True)
        _update(args, live, out, row, b)
        report["sizes"][str(n)] = row  # type: ignore[index]
    sizes = sorted(int(k) for k in report["sizes"])  # type: ignore[union-attr]
    if len(sizes) >= 2:
        exponents = growth_exponents({n: report["sizes"][str(n)]["build"] for n in sizes})  # type: ignore[index]
        report["growth_exponent"] = exponents["cpu"]
        report["growth_exponent_wall"] = exponents["wall"]
        print(f"== growth exponent of build time vs corpus size ({', '.join(map(str, sizes))} reports): "
              f"CPU {exponents['cpu']:.3f}, wall {exponents['wall']:.3f}")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
