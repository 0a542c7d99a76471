"""Issue 18, items 3, 8, 9, 14: hostile names and odd entries in the input folders.

Every input the walk meets is either built or recorded in the manifest with a
reason; nothing stops the build; nothing outside the input folder is read
through a link; the build's own output folder inside an input is not read back.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from kg import build, ingest
from kg.resources import SAMPLE_CORPUS

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file names and FIFOs")


def _report(i: int) -> str:
    return sorted(SAMPLE_CORPUS.glob("*.txt"))[i].read_text(encoding="utf-8")


def _entries(out) -> dict[str, dict]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {e["source"]: e for e in manifest["entries"]}


def test_names_that_are_not_utf8_are_built_and_shown_escaped(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "good.txt").write_text(_report(0), encoding="utf-8")
    names = [b"bad-\xff.txt", b"gbk-\xb7\xa8\xd6\xce.txt", b"half-\xe6\xb3.txt"]
    for k, raw in enumerate(names, 1):
        with open(os.path.join(os.fsencode(corpus), raw), "w", encoding="utf-8") as f:
            f.write(_report(k))
    result = build.run([corpus], tmp_path / "out", workers=1)
    entries = _entries(tmp_path / "out")
    assert entries["good.txt"]["status"] == "ok"
    for shown in ("bad-\\xff.txt", "gbk-\\xb7\\xa8\\xd6\\xce.txt", "half-\\xe6\\xb3.txt"):
        assert entries[shown]["status"] == "ok", entries[shown]
    assert len(result.ok) == 4


def test_a_non_utf8_name_given_as_a_file(tmp_path):
    raw = os.path.join(os.fsencode(tmp_path), b"\xfe\xfe.txt")
    with open(raw, "w", encoding="utf-8") as f:
        f.write(_report(1))
    files = ingest.discover([os.fsdecode(raw)])
    assert [source for _, source in files] == ["\\xfe\\xfe.txt"]
    assert build.file_key(files[0][0], files[0][1])  # never UnicodeEncodeError


def test_links_out_of_the_folder_and_odd_entries_are_recorded_not_followed(tmp_path):
    corpus, outside = tmp_path / "in", tmp_path / "secret"
    corpus.mkdir()
    outside.mkdir()
    (outside / "passwd.txt").write_text("root:x:0:0:root:/root:/bin/bash\n" * 3, encoding="utf-8")
    (corpus / "good.txt").write_text(_report(0), encoding="utf-8")
    (corpus / "inside.txt").symlink_to(corpus / "good.txt")  # stays inside: same file, listed once
    (corpus / "leak.txt").symlink_to(outside / "passwd.txt")
    (corpus / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "null.txt").symlink_to("/dev/null")
    build.run([corpus], tmp_path / "out", workers=1)
    entries = _entries(tmp_path / "out")
    assert entries["leak.txt"]["status"] == "skipped"
    assert "outside the input folder" in entries["leak.txt"]["reason"]
    assert "符号链接" in entries["leak.txt"]["reason"]
    for name in ("dangling.txt", "loop.txt"):
        assert entries[name]["status"] == "skipped"
        assert "dangling or looping" in entries[name]["reason"]
    for name in ("pipe.txt", "null.txt"):
        assert entries[name]["status"] == "skipped"
        assert "not a regular file" in entries[name]["reason"]
    assert sum(e["status"] == "ok" for e in entries.values()) == 1
    assert "root:x" not in (tmp_path / "out" / "graph.nt").read_text(encoding="utf-8")


def test_a_fifo_given_as_an_argument_is_recorded(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(_report(2), encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.txt")
    build.run([good, tmp_path / "pipe.txt"], tmp_path / "out", workers=1)
    entries = _entries(tmp_path / "out")
    assert entries["good.txt"]["status"] == "ok"
    assert entries["pipe.txt"]["status"] == "skipped"
    assert "not a regular file" in entries["pipe.txt"]["reason"]


def test_the_output_folder_inside_the_input_is_not_read_back(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    for k in range(2):
        (corpus / f"r{k}.txt").write_text(_report(k), encoding="utf-8")
    out = corpus / "build"
    build.run([corpus], out, workers=1)
    (out / "notes.txt").write_text(_report(3), encoding="utf-8")  # a text file in the output
    build.run([corpus], out, workers=1)
    sources = set(_entries(out))
    assert sources == {"r0.txt", "r1.txt"}


def test_unreadable_folder_is_recorded(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every folder")
    corpus = tmp_path / "in"
    (corpus / "locked").mkdir(parents=True)
    (corpus / "good.txt").write_text(_report(0), encoding="utf-8")
    (corpus / "locked").chmod(0)
    try:
        build.run([corpus], tmp_path / "out", workers=1)
    finally:
        (corpus / "locked").chmod(0o755)
        shutil.rmtree(corpus / "locked")
    assert "cannot be read" in _entries(tmp_path / "out")["locked"]["reason"]


def test_names_printed_by_kg_build_are_escaped(tmp_path):
    """Item 13: an escape sequence or a newline in a file name cannot reach the terminal
    raw nor forge a summary line."""
    import subprocess
    import sys
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "good.txt").write_text(_report(0), encoding="utf-8")
    forged = "evil\x1b[2J\x1b]0;title\x07\n完成 \u2215 done: 999 份报告 reports built\u202e.txt"  # no "/" in a name
    (corpus / forged).write_bytes(b"")  # empty: fails, so its name is printed
    with open(os.path.join(os.fsencode(corpus), b"raw-\xff\n.txt"), "wb"):
        pass
    proc = subprocess.run([sys.executable, "-m", "kg", "build", str(corpus), "--out", str(tmp_path / "out")],
                          capture_output=True, timeout=300)
    err = proc.stderr.decode("utf-8")  # valid UTF-8: no raw byte of a name
    out = proc.stdout.decode("utf-8")
    assert "\x1b" not in err + out and "\x07" not in err + out and "\u202e" not in err + out
    assert not any(line.startswith("完成 \u2215 done: 999") for line in (err + out).splitlines())
    assert "evil\\x1b[2J\\x1b]0;title\\x07\\n完成 \u2215 done: 999" in err
    assert "raw-\\xff\\n.txt" in err


def test_an_output_folder_that_is_not_a_build_is_refused_untouched(tmp_path):
    """Item 7: --out a folder that holds other things (not a build) is refused before
    anything in it is replaced or deleted; an empty folder, a new one and a build are fine."""
    from kg.errors import KGError
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "r.txt").write_text(_report(0), encoding="utf-8")
    home = tmp_path / "home"
    (home / "store").mkdir(parents=True)
    (home / "store" / "precious.db").write_bytes(b"keep me")
    (home / "graph.nt").write_text("mine\n", encoding="utf-8")
    (home / "thesis.docx").write_bytes(b"my thesis")
    with pytest.raises(KGError, match="not a build.*thesis.docx"):
        build.run([corpus], home, workers=1)
    assert (home / "store" / "precious.db").read_bytes() == b"keep me"
    assert (home / "graph.nt").read_text(encoding="utf-8") == "mine\n"
    assert not (home / ".builds").exists()
    (tmp_path / "empty").mkdir()
    (tmp_path / "kept").mkdir()  # a fresh clone's output/: only the .gitkeep that keeps it in git
    (tmp_path / "kept" / ".gitkeep").write_bytes(b"")
    for out in (tmp_path / "empty", tmp_path / "new", tmp_path / "kept"):
        build.run([corpus], out, workers=1)
        (out / "notes-of-mine.txt").write_text("x", encoding="utf-8")  # a build stays a build
        assert len(build.run([corpus], out, workers=1).ok) == 1
    assert (tmp_path / "kept" / ".gitkeep").exists()
