"""A folder of real-world and bad inputs builds: every good file in the graph, every bad one in
the manifest with its reason, exit status 1, in bounded time and memory.

The corpus is generated here (``bad_input_corpus``); ``benchmarks/bench_ingest.py`` builds
the same corpus and prints the figures.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from test_robust_corpus import (
    corpus_text,
    docx_bytes,
    encrypted_office_bytes,
    paragraphs_of,
    pdf_bytes,
    scanned_pdf_bytes,
    write,
    zip_bomb_docx,
)

pytest.importorskip("reportlab")
pytest.importorskip("docx")

NO_REGION = ("本单位2022年度法治政府建设情况的报告\n"
             "2022年,我局坚持和发展新时代“枫桥经验”,全面推行“双随机、一公开”监管,"
             "落实“谁执法谁普法”普法责任制,法治政府建设取得新成效。\n")

# source → (status, text the reason must contain)
EXPECTED: dict[str, tuple[str, str]] = {
    "good.txt": ("ok", ""),
    "镜湖区 2021 年度报告.pdf": ("ok", ""),
    "宣汉县 报告.docx": ("ok", ""),
    "坪山区报告(其实是PDF).txt": ("ok", ""),
    "慈溪 GBK 无声明.txt": ("ok", ""),
    "截断的 UTF-8.txt": ("ok", ""),
    "深层嵌套.html": ("ok", ""),
    "长行 100k.txt": ("ok", ""),
    "没有地区.txt": ("ok", ""),
    "副本/good.txt": ("duplicate", "same text as good.txt"),
    "空文件.txt": ("failed", "空文件 / empty file"),
    "只有空白.txt": ("failed", "empty file (whitespace only)"),
    "binary.txt": ("failed", "二进制文件,不是文本 / binary file, not text"),
    "无效 UTF-8.txt": ("failed", "无法识别的编码 / undecodable text"),
    "50MB.txt": ("failed", "正文过长 / text too long (49,999,999 characters"),
    "超过 50 MiB.txt": ("failed", "文件过大 / file too large (51.0 MB > 50 MB)"),
    "一百万字一行.txt": ("failed", "正文过长 / text too long (1,000,0"),
    "扫描件.pdf": ("failed", "没有文本层(可能是扫描件)/ no text layer (scanned PDF?)"),
    "加密.pdf": ("failed", "PDF 已加密,需要密码 / encrypted PDF (password required)"),
    "损坏.pdf": ("failed", "PDF 文件已损坏 / corrupted PDF"),
    "加密.docx": ("failed", "encrypted Office document"),
    "损坏.docx": ("failed", "DOCX 文件已损坏"),
    "zip 炸弹.docx": ("failed", "疑似 zip 炸弹,拒绝解压 / suspected zip bomb"),
    "老格式.doc": ("skipped", "不支持的文件类型 / unsupported file type (.doc)"),
}


def bad_input_corpus(root: Path) -> Path:
    """Write the corpus of EXPECTED into ``root`` (about 101 MB on disk, 50 MiB of it sparse)."""
    good = corpus_text("003")
    write(root / "good.txt", good)
    write(root / "副本" / "good.txt", good)
    write(root / "镜湖区 2021 年度报告.pdf", pdf_bytes(paragraphs_of(corpus_text("000"))))
    write(root / "宣汉县 报告.docx", docx_bytes(paragraphs_of(corpus_text("001"))))
    write(root / "坪山区报告(其实是PDF).txt", pdf_bytes(paragraphs_of(corpus_text("002"))))
    write(root / "慈溪 GBK 无声明.txt", corpus_text("004").encode("gbk", errors="replace"))
    utf8 = NO_REGION.replace("本单位", "镜湖区司法局").encode("utf-8") * 4
    write(root / "截断的 UTF-8.txt", utf8[:-1])  # cut inside the last character
    deep = "<div>" * 5000 + "<p>" + NO_REGION.replace("本单位", "潞州区司法局") + "</p>" + "</div>" * 10
    write(root / "深层嵌套.html", "<!DOCTYPE html><html><body>" + deep + "</body></html>")
    write(root / "长行 100k.txt", NO_REGION.replace("本单位", "宣汉县司法局") + "依法行政" * 25_000)
    write(root / "没有地区.txt", NO_REGION)
    write(root / "空文件.txt", b"")
    write(root / "只有空白.txt", " \n\t\u3000\r\n" * 100)
    write(root / "binary.txt", random.Random(1).randbytes(8192))
    rng = random.Random(2)
    write(root / "无效 UTF-8.txt", bytes(b if rng.random() > 0.3 else rng.randrange(0x80, 0x100)
                                        for b in corpus_text("001").encode("utf-8")))
    write(root / "50MB.txt", b"fazhi " * (50_000_000 // 6) + b"\n")
    with (root / "超过 50 MiB.txt").open("wb") as fh:
        fh.truncate(51 * 2**20)  # sparse
    write(root / "一百万字一行.txt", "报告\n" + "法" * 1_000_000)
    write(root / "扫描件.pdf", scanned_pdf_bytes())
    write(root / "加密.pdf", pdf_bytes(["秘密。"], user_password="pw"))
    write(root / "损坏.pdf", pdf_bytes(paragraphs_of(corpus_text("001")))[:4000])
    write(root / "加密.docx", encrypted_office_bytes())
    write(root / "损坏.docx", docx_bytes(paragraphs_of(corpus_text("002")))[:-200])
    write(root / "zip 炸弹.docx", zip_bomb_docx())
    write(root / "老格式.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000))
    return root


MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.run(sys.argv[1:]).returncode
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
print(f"{code} {time.perf_counter() - started:.2f} {peak}", file=sys.stderr)
"""


def run_build(src: Path, out: Path) -> tuple[int, float, int, str]:
    """``kg build`` in a child process: (exit status, seconds, peak RSS in MiB, stderr)."""
    cmd = [sys.executable, "-c", MEASURE, sys.executable, "-m", "kg", "build", str(src), "--out", str(out)]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    code, seconds, peak = proc.stderr.strip().splitlines()[-1].split()
    return int(code), float(seconds), int(peak) // 1024, proc.stderr


@pytest.fixture(scope="module")
def bad_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("robust")
    src = bad_input_corpus(root / "in 输入")
    out = root / "out"
    code, seconds, peak_mib, stderr = run_build(src, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return out, manifest, code, seconds, peak_mib, stderr


def test_every_input_is_accounted_for(bad_build):
    _, manifest, *_ = bad_build
    got = {e["source"]: (e["status"], e["reason"] or "") for e in manifest["entries"]}
    assert sorted(got) == sorted(EXPECTED)
    wrong = {s: got[s] for s, (status, why) in EXPECTED.items()
             if got[s][0] != status or why not in got[s][1]}
    assert wrong == {}


def test_exit_status_and_summary_name_the_bad_files(bad_build):
    _, manifest, code, _, _, stderr = bad_build
    assert code == 1
    summary = manifest["summary"]
    assert (summary["ok"], summary["duplicate"], summary["skipped"]) == (9, 1, 1)
    assert summary["failed"] == sum(1 for s, _ in EXPECTED.values() if s == "failed")
    assert "失败 / failed: zip 炸弹.docx: 疑似 zip 炸弹" in stderr
    assert "失败 / failed: 扫描件.pdf: 没有文本层" in stderr


def test_bounded_time_and_memory(bad_build):
    *_, seconds, peak_mib, _ = bad_build
    assert seconds < 120, f"bad-input build took {seconds:.1f} s"
    assert peak_mib < 1500, f"bad-input build peaked at {peak_mib} MiB"


def test_good_files_are_in_the_graph_with_their_format(bad_build):
    out, *_ = bad_build
    store = ox.Store.read_only(str(out / "store")) if (out / "store").is_dir() else None
    if store is None:
        pytest.skip("no store/ in the output")
    rows = {(str(r["s"].value), r["f"].value) for r in store.query(
        "SELECT ?s ?f WHERE { ?r <http://purl.org/dc/terms/source> ?s ; "
        "<https://w3id.org/fazhi-kg/ontology#format> ?f }")}
    assert {("镜湖区 2021 年度报告.pdf", "pdf"), ("宣汉县 报告.docx", "docx"),
            ("坪山区报告(其实是PDF).txt", "pdf"), ("深层嵌套.html", "html"),
            ("good.txt", "txt")} <= rows
    regions = {str(r["s"].value): r["c"].value for r in store.query(
        "PREFIX fz: <https://w3id.org/fazhi-kg/ontology#> SELECT ?s ?c WHERE { "
        "?r <http://purl.org/dc/terms/source> ?s ; fz:aboutRegion/fz:adminCode ?c }")}
    assert regions["镜湖区 2021 年度报告.pdf"] == "340202"
    assert regions["宣汉县 报告.docx"] == "511722"
    assert regions["坪山区报告(其实是PDF).txt"] == "440310"


def test_report_naming_no_region_is_kept_and_flagged(bad_build):
    out, manifest, *_ = bad_build
    entry = next(e for e in manifest["entries"] if e["source"] == "没有地区.txt")
    assert entry["status"] == "ok" and "no-region" in entry["flags"]
    store = ox.Store.read_only(str(out / "store"))
    flagged = {str(r["s"].value) for r in store.query(
        "SELECT ?s WHERE { ?r <http://purl.org/dc/terms/source> ?s ; "
        "<https://w3id.org/fazhi-kg/ontology#flag> \"no-region\" }")}
    assert "没有地区.txt" in flagged and "good.txt" not in flagged


def test_same_report_twice_records_both_sources(bad_build):
    _, manifest, *_ = bad_build
    by_source = {e["source"]: e for e in manifest["entries"]}
    assert by_source["副本/good.txt"]["report"] == by_source["good.txt"]["report"]
    assert "also-at:副本/good.txt" in by_source["good.txt"]["flags"]


def test_a_good_file_next_to_a_bomb_builds_the_same(tmp_path, bad_build):
    out, *_ = bad_build
    write(tmp_path / "in" / "good.txt", corpus_text("003"))
    started = time.perf_counter()
    code, *_ = run_build(tmp_path / "in", tmp_path / "out")
    assert code == 0 and time.perf_counter() - started < 60
    report = lambda o: {ln for ln in (o / "graph.nt").read_text(encoding="utf-8").splitlines()
                        if "潞州" in ln and "evidence" in ln}
    assert report(tmp_path / "out") and report(tmp_path / "out") <= report(out)
