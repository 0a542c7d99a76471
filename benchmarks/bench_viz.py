"""Benchmark the spread view at scale, in headless Chromium, and refresh the README screenshots.

    python benchmarks/bench_viz.py [--runs 5] [--programmes 300] [--no-screenshots]

Prints: time to generate the synthetic graph and to write the page; page size; time to
first render (navigation start to the first frame vis-network draws, as the page
measures it, and wall time from ``goto`` until that frame); time to apply a programme
filter (call to the next drawn frame) and one year-slider step; medians over
``--runs`` fresh pages. Screenshots go to docs/img/ (sample corpus, generated view).
Not a test: it prints figures.
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


def _fmt(values: list[float]) -> str:
    return f"median {statistics.median(values):7.0f} ms  (min {min(values):.0f}, max {max(values):.0f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--programmes", type=int, default=300)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--no-screenshots", action="store_true")
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
          f"{big.stat().st_size / 1e6:.1f} MB")

    # a mid-sized programme as well as the big one
    counts: dict[int, set[int]] = {}
    for p, r in zip(data["adoptions"]["programme"], data["adoptions"]["region"], strict=True):
        counts.setdefault(p, set()).add(r)
    ranked = sorted(counts, key=lambda p: len(counts[p]))
    mid = data["programmes"]["label"][ranked[len(ranked) // 2]]

    first, wall, filt, filt_mid, step = [], [], [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=opts.chromium, args=ARGS)
        for _ in range(opts.runs):
            page, wall_ms, errors = _open(browser, big)
            first.append(page.evaluate("spreadView.timings.firstDraw"))
            wall.append(wall_ms)
            filt.append(page.evaluate(FILTER_JS, "枫桥经验"))
            filt_mid.append(page.evaluate(FILTER_JS, mid))
            step.append(page.evaluate(YEAR_JS, 2019))
            if errors:
                print("errors:", errors[:5], file=sys.stderr)
                return 1
            page.close()
        print(f"time to first render (in page):        {_fmt(first)}")
        print(f"time to first render (goto → drawn):   {_fmt(wall)}")
        print(f"programme filter 枫桥经验 ({len(counts[data['programmes']['label'].index('枫桥经验')])} regions): "
              f"{_fmt(filt)}")
        print(f"programme filter {mid} ({len(counts[ranked[len(ranked) // 2]])} regions): {_fmt(filt_mid)}")
        print(f"year slider step:                      {_fmt(step)}")

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
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
