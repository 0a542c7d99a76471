"""The extraction cache's row codec: a result comes back as it went in, and rows written by
the previous codec (zlib) still read."""

from __future__ import annotations

import marshal
import zlib

from kg.build.cache import Cache, decode, encode
from kg.build.results import DONE_FIELDS, Done


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
