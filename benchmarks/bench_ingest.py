"""Measure ingestion of bad and large inputs: time and memory, per file and for a whole build.

    python benchmarks/bench_ingest.py [--no-build] [--markdown]

Per file, in a fresh process each: ``kg.ingest.read`` wall time, peak RSS (getrusage;
tracemalloc slows pdfminer several-fold and misses lxml's C memory) and the outcome (format or refusal reason), for each file of the test
suite's bad-input corpus plus large inputs: 50 MB of text, a 50 MB HTML page, a 40 MB PDF
(text pages), a 1,000,000-character line and a 200 MB zip bomb. Then the whole bad-input
corpus through ``kg build`` in a child process: wall time, peak RSS (getrusage), exit
status. ``--markdown`` prints the "input → what the user sees" table for the README.
Not a test: it prints figures. Needs the test extras (reportlab, python-docx, pypdf).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_robust_build import EXPECTED, bad_input_corpus, run_build
from test_robust_corpus import corpus_text, paragraphs_of, pdf_bytes, write, zip_bomb_docx


def large_inputs(root: Path) -> list[Path]:
    paragraph = paragraphs_of(corpus_text("000"))[3]
    html = ("<html><head><title>大页面</title></head><body>"
            + f"<div class='content'><p>{paragraph}</p></div>" * (50_000_000 // (len(paragraph.encode()) + 40))
            + "</body></html>")
    pdf = pdf_bytes(paragraphs_of(corpus_text("000")) * 1)
    pages = pdf_bytes(paragraphs_of(corpus_text("000")) * 60)  # ~ 150 pages of text
    return [
        write(root / "large" / "50MB 中文.txt", (paragraph + "\n") * (50_000_000 // len((paragraph + "\n").encode()))),
        write(root / "large" / "50MB 页面.html", html),
        write(root / "large" / "150 页.pdf", pages),
        write(root / "large" / "一份报告.pdf", pdf),
        write(root / "large" / "999,999 字一行.txt", "报告\n" + "依法行政" * 249_999),
        write(root / "large" / "zip 炸弹 1 GB.docx", zip_bomb_docx(1000 * 2**20)),
    ]


CHILD = """
import resource, sys, time
from pathlib import Path
from kg.errors import IngestError
from kg.ingest import read
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    doc = read(Path(sys.argv[1]), Path(sys.argv[1]).name)
    outcome = f"ok ({doc.fmt}, {len(doc.text):,} characters)"
except IngestError as e:
    outcome = e.reason
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{seconds:.3f}\t{base / 1024:.0f}\t{peak / 1024:.0f}\t{outcome}")
"""


def measure_read(path: Path) -> tuple[float, int, int, str]:
    """read() in a fresh process: (seconds, RSS after imports, peak RSS, outcome); MiB."""
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path)], check=False, capture_output=True,
                          text=True, timeout=900, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    seconds, base, peak, outcome = proc.stdout.strip().split("\t", 3)
    return float(seconds), int(base), int(peak), outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="skip the whole-build measurement")
    parser.add_argument("--markdown", action="store_true", help="print the README table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src = bad_input_corpus(root / "in")
        files = sorted(p for p in src.rglob("*") if p.is_file())
        print("read() of each file in a fresh process; RSS in MiB (base: after imports)")
        print(f"{'file':<28} {'bytes':>12} {'s':>7} {'base':>5} {'peak':>5}  outcome")
        for path in [*files, *large_inputs(root)]:
            seconds, base, peak, outcome = measure_read(path)
            print(f"{path.name:<28} {path.stat().st_size:>12,} {seconds:>7.2f} {base:>5} {peak:>5}  "
                  f"{outcome[:100]}")
        if not args.no_build:
            out = root / "out"
            code, seconds, peak_mib, _ = run_build(src, out)
            manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            s = manifest["summary"]
            print(f"\nkg build of the bad-input corpus ({len(files)} files, "
                  f"{sum(p.stat().st_size for p in files) / 2**20:.0f} MiB apparent): exit {code}, "
                  f"{seconds:.1f} s wall, peak RSS {peak_mib} MiB; ok {s['ok']}, failed {s['failed']}, "
                  f"duplicate {s['duplicate']}, skipped {s['skipped']}")
            if args.markdown:
                print("\n| 输入 / input tried | 状态 / status | 用户看到的 / what the user sees |\n|---|---|---|")
                for e in sorted(manifest["entries"], key=lambda e: list(EXPECTED).index(e["source"])):
                    flags = [f for f in e["flags"] if not f.startswith("also-at")]
                    shown = e["reason"] or ("flag: " + ", ".join(flags) if flags else "—")
                    print(f"| `{e['source']}` | {e['status']} | {shown} |")


if __name__ == "__main__":
    main()
