"""The extraction cache's row codec: a result comes back as it went in, and rows written by
the previous codec (zlib) still read; a damaged row or cache file never stops a build."""

from __future__ import annotations

import logging
import marshal
import shutil
import sqlite3
import zlib

import pytest

from kg import build
from kg.build.cache import Cache, decode, encode
from kg.build.results import DONE_FIELDS, Done
from kg.synth import generate


def _done() -> Done:
    lines = "\n".join(f"<https://w3id.org/fazhi-kg/id/r{i}> <p> \"法治政府建设 {i}\" ." for i in range(400))
    d = Done(source="上海市/2023.txt", file_key="k" * 64, nbytes=12345, ok=True,
             report="https://w3id.org/fazhi-kg/id/report/x", counts={"regions": 3, "agencies": 7},
             lines=lines, codes=("310000", "310100"))
    d.flags.extend(["encoding:gb18030", "short"])
    return d


def test_a_result_round_trips_through_the_cache_rows(tmp_path):
    done = _done()
    blob, meta = encode(done)
    assert len(blob) < len(done.lines.encode()) / 3  # compressed
    back = decode(blob)
    assert back.cached and not done.cached
    for name in DONE_FIELDS:
        assert getattr(back, name) == getattr(done, name), name
    assert marshal.loads(meta) == {n: getattr(done, n) for n in DONE_FIELDS if n != "lines"}
    cache = Cache(tmp_path / "cache.sqlite")
    cache.put_encoded(done.file_key, blob, meta)
    cache.db.commit()
    assert cache.get(done.file_key).lines == done.lines


def test_rows_of_the_zlib_codec_still_read():
    done = _done()
    body = {n: getattr(done, n) for n in DONE_FIELDS}
    old = decode(zlib.compress(marshal.dumps(body), 1))
    assert (old.lines, old.codes, old.flags) == (done.lines, done.codes, done.flags)


@pytest.mark.parametrize("body", [
    b"\x04\x22\x4d\x18garbage",             # an LZ4 frame's magic, then nothing of a frame
    zlib.compress(b"not marshal"),            # decompresses, but is neither marshal nor JSON
    zlib.compress(b'{"no_such_field": 1}'),   # JSON of the wrong shape
    b"",                                      # an empty body
])
def test_a_damaged_row_is_a_miss_with_a_warning(tmp_path, caplog, body):
    done = _done()
    cache = Cache(tmp_path / "cache.sqlite")
    cache.put(done)
    other = _done()
    other.file_key = "m" * 64
    cache.put(other)
    cache.db.execute("UPDATE done SET body = ? WHERE key = ?", (body, done.file_key))
    cache.db.execute("UPDATE meta SET body = ? WHERE key = ?", (body, done.file_key))
    with caplog.at_level(logging.WARNING, logger="kg.build.cache"):
        assert cache.get(done.file_key) is None
        assert set(cache.metas()) == {other.file_key}  # the damaged one left out, the other kept
    assert cache.get(other.file_key).lines == other.lines
    assert cache.damaged == [done.file_key, done.file_key]
    assert "cache.sqlite" in caplog.text and done.file_key[:12] in caplog.text


def test_a_cache_file_that_is_not_a_database_is_moved_aside(tmp_path, caplog):
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"this is no SQLite file, " * 100)
    with caplog.at_level(logging.WARNING, logger="kg.build.cache"):
        cache = Cache(path)
    cache.put(_done())
    cache.close(keep={_done().file_key})
    assert (tmp_path / "cache.sqlite.damaged").read_bytes() == b"this is no SQLite file, " * 100
    assert Cache(path).get(_done().file_key).lines == _done().lines
    assert "cache.sqlite.damaged" in caplog.text


def test_an_update_over_a_damaged_cache_equals_a_clean_build(tmp_path, caplog):
    generate(12, tmp_path / "s", seed=31)
    src = tmp_path / "s" / "reports"
    out = tmp_path / "out"
    build.run([src], out, workers=1)
    db = sqlite3.connect(out / "cache.sqlite")
    db.execute("UPDATE done SET body = ?", (b"\x04\x22\x4d\x18garbage",))
    db.commit()
    db.close()
    changed = sorted(src.rglob("*.txt"))[0]
    changed.write_bytes(changed.read_bytes() + "此外,全面推行“双随机、一公开”监管。\n".encode())
    with caplog.at_level(logging.WARNING, logger="kg.build.cache"):
        updated = build.run([src], out, workers=1, update=True)
    assert "damaged" in caplog.text
    shutil.copytree(src, tmp_path / "copy")
    clean = build.run([tmp_path / "copy"], tmp_path / "clean", workers=1)
    assert (out / "graph.nt").read_bytes() == (tmp_path / "clean" / "graph.nt").read_bytes()
    assert [e.status for e in updated.entries] == [e.status for e in clean.entries]


def test_a_build_over_a_cache_file_that_is_not_a_database(tmp_path, caplog):
    generate(6, tmp_path / "s", seed=32)
    src, out = tmp_path / "s" / "reports", tmp_path / "out"
    first = build.run([src], out, workers=1)
    (out / "cache.sqlite").write_bytes(b"\x00junk" * 64)
    with caplog.at_level(logging.WARNING, logger="kg.build.cache"):
        build.run([src], out, workers=1, update=True)
    again = build.run([src], out, workers=1)  # the folder holding the moved file is still a build
    assert "cache.sqlite.damaged" in caplog.text and (out / "cache.sqlite.damaged").exists()
    assert again.triples == first.triples > 0
    assert (out / "graph.nt").read_bytes().count(b"\n") == first.triples
