"""Issue 18, items 11 and 12: UTF-16 without a BOM is read; invisible characters
and bidi controls cannot hide a name or spoof a view, and the document is flagged."""

from __future__ import annotations

import json

import pytest

from kg import build, ingest
from kg.ingest.decode import decode

REPORT = ("某某县人民政府关于2023年法治政府建设情况的报告\n"
          "一、主要举措\n我县坚持和发展新时代“枫桥经验”,县司法局推进公共法律服务体系建设。\n"
          "二、存在问题\n行政执法规范化水平有待提升。\n")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read(codec, tmp_path):
    text, used = decode(REPORT.encode(codec), source="x.txt")
    assert used == codec and text == REPORT
    path = tmp_path / "r.txt"
    path.write_bytes(REPORT.replace("\n", "\r\n").encode(codec))
    assert ingest.read(path, "r.txt").text.startswith("某某县人民政府")


def test_binaries_with_nul_bytes_are_still_refused(tmp_path):
    import random
    rnd = random.Random(7)
    for k, data in enumerate([bytes(rnd.randrange(256) for _ in range(4000)),
                              b"\x00\x01\x02\x03" * 1000, b"PK\x03\x04" + b"\x00" * 500]):
        path = tmp_path / f"b{k}.txt"
        path.write_bytes(data)
        with pytest.raises(Exception, match="binary|二进制|undecodable|编码|损坏|corrupt"):
            ingest.read(path, path.name)


@pytest.mark.parametrize("mark", ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff"])
def test_invisible_characters_inside_a_name_are_removed_and_flagged(mark, tmp_path):
    path = tmp_path / "r.txt"
    path.write_text(REPORT.replace("枫桥经验", f"枫{mark}桥{mark}经验"), encoding="utf-8")
    doc = ingest.read(path, "r.txt")
    assert "“枫桥经验”" in doc.text and mark not in doc.text
    assert doc.flags == ("invisible-chars:2",)


def test_bidi_overrides_are_removed_and_flagged(tmp_path):
    path = tmp_path / "r.html"
    spoof = "\u202e告报况情设建府政治法\u202c"
    path.write_text(f"<html><head><title>{spoof}</title></head><body><p>"
                    f"{REPORT.replace(chr(10), '</p><p>')}\u2067x\u2069</p></body></html>", encoding="utf-8")
    doc = ingest.read(path, "r.html")
    assert not any(c in doc.text + doc.title for c in "\u202e\u202c\u2067\u2069")
    assert "bidi-controls:4" in doc.flags


def test_a_clean_document_has_no_flag(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text(REPORT, encoding="utf-8")
    assert ingest.read(path, "r.txt").flags == ()


def test_the_flag_reaches_the_manifest_and_the_programme_is_found(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "hidden.txt").write_text(REPORT.replace("枫桥经验", "枫\u200b桥\u2060经\u00ad验"), encoding="utf-8")
    (corpus / "plain.txt").write_text(REPORT.replace("某某县", "另一县"), encoding="utf-8")
    build.run([corpus], tmp_path / "out", workers=1)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    entries = {e["source"]: e for e in manifest["entries"]}
    assert "invisible-chars:3" in entries["hidden.txt"]["flags"]
    assert not any(f.startswith("invisible") for f in entries["plain.txt"]["flags"])
    assert entries["hidden.txt"]["counts"] == entries["plain.txt"]["counts"]
