"""Benchmark the spread view at scale, in headless Chromium, and refresh the README screenshots.

    python benchmarks/bench_viz.py [--runs 5] [--programmes 300] [--no-screenshots]

Prints: time to generate the synthetic graph and to write the page; page size and its
diffusion edges; time to first render (navigation start to the first frame vis-network
draws, as the page measures it, and wall time from ``goto`` until that frame); time to
apply a programme filter with its edges (call to the next drawn frame) and one
year-slider step; the graph explorer of 枫桥经验 (write time, nodes, first draw and wall
time to it); medians over ``--runs`` fresh pages. Screenshots go to docs/img/ (sample
corpus, generated view; with ``--build DIR``, the spread with edges, the coverage styling
and the explorer of that build). Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from kg import build
from kg.viz import spread_data, write_spread
from kg.viz.synth import synth_store

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
VIEWPORT = {"width": 1500, "height": 900}
FILTER_JS = """async (label) => { const t = performance.now(); spreadView.selectProgramme(label);
  await spreadView.drawn(); return performance.now() - t; }"""
YEAR_JS = """async (year) => { const t = performance.now(); spreadView.setYear(year);
  await spreadView.drawn(); return performance.now() - t; }"""


def _open(browser, path: Path):
    page = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: r.url.startswith("file://") or errors.append(f"request {r.url}"))
    started = time.perf_counter()
    page.goto(path.resolve().as_uri())
    # a function, not an expression: Playwright evaluates expressions with eval(), which the
    # page's Content Security Policy refuses once polling starts (large pages)
    page.wait_for_function("() => document.body.dataset.ready === '1' && spreadView.timings.firstDraw > 0")
    wall = (time.perf_counter() - started) * 1000
    return page, wall, errors


def _build_screenshots(browser, build_dir: Path, img: Path) -> None:
    """The spread with its edges, the coverage styling and the explorer of ``build_dir``."""
    from kg.store import open_store
    from kg.viz.explore import write_explorer

    store = open_store(build_dir)
    spread = tmp_page = build_dir / "spread-bench.html"
    write_spread(store, spread)
    page, _, _ = _open(browser, tmp_page)
    best = page.evaluate("""() => { const d = JSON.parse(document.getElementById('spread-data').textContent);
      const n = new Map(); d.edges.programme.forEach((p, i) => n.set(p, (n.get(p) || 0) + (d.edges.kind[i] === 0 ? 50 : 1)));
      const p = [...n.entries()].sort((a, b) => b[1] - a[1])[0]; return p ? d.programmes.label[p[0]] : null; }""")
    if best:
        page.evaluate("(p) => spreadView.selectProgramme(p)", best)
        page.wait_for_timeout(300)
        page.screenshot(path=str(img / "spread-edges.png"))
        y0, y1 = page.evaluate("spreadView.years")
        page.evaluate("(y) => spreadView.setYear(y)", (y0 + y1) // 2)
        page.wait_for_timeout(300)
        page.screenshot(path=str(img / "spread-coverage.png"))
    page.close()
    explorer = write_explorer(store, best or "枫桥经验", build_dir / "explore" / "bench.html")
    ex = browser.new_page(viewport=VIEWPORT)
    ex.goto(explorer.resolve().as_uri())
    ex.wait_for_function("() => document.body.dataset.ready === '1' && explorer.timings.firstDraw > 0")
    ex.wait_for_timeout(300)
    ex.screenshot(path=str(img / "explore.png"))
    ex.close()
    spread.unlink()
    explorer.unlink()
    print(f"screenshots of {build_dir} ({best}): spread-edges.png, spread-coverage.png, explore.png")


def _fmt(values: list[float]) -> str:
    return f"median {statistics.median(values):7.0f} ms  (min {min(values):.0f}, max {max(values):.0f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--programmes", type=int, default=300)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--no-screenshots", action="store_true")
    parser.add_argument("--build", type=Path, default=None,
                        help="a build (e.g. of 1,000 kg synth reports) for the edges, coverage and explorer screenshots")
    opts = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-viz-"))

    t = time.perf_counter()
    store = synth_store(programmes=opts.programmes)
    t_gen = time.perf_counter() - t
    t = time.perf_counter()
    data = spread_data(store)
    t_data = time.perf_counter() - t
    big = tmp / "generated.html"
    t = time.perf_counter()
    write_spread(store, big)
    t_write = time.perf_counter() - t
    regions, programmes = len(data["regions"]["id"]), len(data["programmes"]["id"])
    adoptions = len(data["adoptions"]["region"])
    print(f"synthetic graph: {regions} regions × {programmes} programmes, {adoptions} implementation facts, "
          f"{len(store)} triples; generated and loaded in {t_gen:.1f} s")
    print(f"page: SPARQL + packing {t_data:.2f} s, write_spread {t_write:.2f} s, "
          f"{big.stat().st_size / 1e6:.1f} MB, {len(data['edges']['kind'])} diffusion edges")
    from kg.viz.explore import write_explorer

    t = time.perf_counter()
    explorer = write_explorer(store, "枫桥经验", tmp / "explore.html")
    t_explore = time.perf_counter() - t
    nodes = explorer.read_text(encoding="utf-8").count('"depth":')
    print(f"explorer of 枫桥经验: written in {t_explore:.2f} s, {nodes} nodes, "
          f"{explorer.stat().st_size / 1e6:.1f} MB")

    # a mid-sized programme as well as the big one
    counts: dict[int, set[int]] = {}
    for p, r in zip(data["adoptions"]["programme"], data["adoptions"]["region"], strict=True):
        counts.setdefault(p, set()).add(r)
    ranked = sorted(counts, key=lambda p: len(counts[p]))
    mid = data["programmes"]["label"][ranked[len(ranked) // 2]]

    first, wall, filt, filt_mid, step, ex_first, ex_wall = [], [], [], [], [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=opts.chromium, args=ARGS)
        for _ in range(opts.runs):
            page, wall_ms, errors = _open(browser, big)
            first.append(page.evaluate("spreadView.timings.firstDraw"))
            wall.append(wall_ms)
            filt.append(page.evaluate(FILTER_JS, "枫桥经验"))
            filt_mid.append(page.evaluate(FILTER_JS, mid))
            step.append(page.evaluate(YEAR_JS, 2019))
            page.evaluate(YEAR_JS, 2024)
            page.evaluate(FILTER_JS, "枫桥经验")
            n_edges = page.evaluate("spreadView.edgesDrawn().length")
            if errors:
                print("errors:", errors[:5], file=sys.stderr)
                return 1
            page.close()
            ex = browser.new_page(viewport=VIEWPORT)
            started = time.perf_counter()
            ex.goto(explorer.resolve().as_uri())
            ex.wait_for_function("() => document.body.dataset.ready === '1' && explorer.timings.firstDraw > 0")
            ex_wall.append((time.perf_counter() - started) * 1000)
            ex_first.append(ex.evaluate("explorer.timings.firstDraw"))
            ex.close()
        print(f"time to first render (in page):        {_fmt(first)}")
        print(f"time to first render (goto → drawn):   {_fmt(wall)}")
        print(f"programme filter 枫桥经验 ({len(counts[data['programmes']['label'].index('枫桥经验')])} regions): "
              f"{_fmt(filt)}")
        print(f"programme filter {mid} ({len(counts[ranked[len(ranked) // 2]])} regions): {_fmt(filt_mid)}")
        print(f"year slider step:                      {_fmt(step)}")
        print(f"edges drawn for 枫桥经验 in 2024:        {n_edges}")
        print(f"explorer first draw (in page):         {_fmt(ex_first)}")
        print(f"explorer open (goto → drawn):          {_fmt(ex_wall)}")

        if not opts.no_screenshots:
            img = ROOT / "docs" / "img"
            img.mkdir(parents=True, exist_ok=True)
            page, _, _ = _open(browser, big)
            page.evaluate("spreadView.selectProgramme('枫桥经验')")
            page.evaluate("spreadView.setYear(2021)")
            page.wait_for_timeout(300)
            page.screenshot(path=str(img / "spread-generated.png"))
            sample = tmp / "sample"
            build.run(None, sample)
            page, _, _ = _open(browser, sample / "spread.html")
            page.evaluate("spreadView.selectProgramme('枫桥经验')")
            page.evaluate("spreadView.selectRegion('镜湖区')")
            page.wait_for_timeout(300)
            page.screenshot(path=str(img / "spread-sample.png"))
            print(f"screenshots: {img / 'spread-sample.png'}, {img / 'spread-generated.png'}")
            if opts.build:
                _build_screenshots(browser, opts.build, img)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
