"""The extraction cache, ``out/cache.sqlite``: each input's result by a key of its bytes
and the code version (:func:`file_key`, :func:`code_version`), and the ``os.stat``
signature that tells an unchanged file without reading it (:func:`signature`)."""

from __future__ import annotations

import hashlib
import json
import logging
import marshal
import sqlite3
import zlib
from functools import cache
from pathlib import Path

import lz4.frame

from kg.build.results import DONE_FIELDS, Done
from kg.resources import PACKAGE_DIR, ontology_dir

log = logging.getLogger(__name__)

# What reading a damaged row raises: a broken LZ4 frame (RuntimeError) or zlib stream, a
# truncated or garbled marshal/JSON body (EOFError, ValueError incl. UnicodeDecodeError), a
# body of the wrong shape (TypeError, KeyError: Done(**body)).
DAMAGED_ROW = (RuntimeError, zlib.error, EOFError, ValueError, TypeError, KeyError)


def file_key(path: Path, source: str, data: bytes | None = None) -> str:
    """Cache key of one input: its source name, its bytes (``data``, else read from ``path``
    a megabyte at a time) and the code version."""
    h = hashlib.sha256(code_version().encode())
    h.update(source.encode("utf-8", "surrogateescape") + b"\x00")  # sources are shown escaped; never raise
    if data is not None:
        h.update(data)
    else:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


@cache
def code_version() -> str:
    """A digest of the package code, lexicons and ontology: any change invalidates the cache."""
    h = hashlib.sha256()
    roots = [PACKAGE_DIR, ontology_dir()]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in {".py", ".json", ".tsv", ".txt", ".ttl", ".csv"} and \
                    "corpus" not in path.parts and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(root)).encode() + b"\x00" + path.read_bytes())
    return h.hexdigest()[:16]


def signature(path: Path) -> str | None:
    """What tells an unchanged file without reading it: size, mtime, ctime, inode, code version."""
    try:
        st = path.stat()
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{code_version()}"


def encode(done: Done) -> tuple[bytes, bytes]:
    """A result as the cache stores it: the whole, compressed (``done``), and without its
    lines (``meta``). marshal: three times quicker than JSON, for the same size compressed;
    LZ4: an eighth of zlib's CPU (level 1) for a quarter more bytes."""
    # the fields one level deep (dataclasses.asdict copies every list and dict again)
    body = {name: getattr(done, name) for name in DONE_FIELDS}
    blob = lz4.frame.compress(marshal.dumps(body))
    del body["lines"]
    return blob, marshal.dumps(body)


_LZ4_MAGIC = b"\x04\x22\x4d\x18"  # an LZ4 frame's first bytes; a zlib stream starts 0x78


def decode(blob: bytes) -> Done:
    """The result :func:`encode` stored (or zlib-compressed JSON or marshal, as caches
    before it stored)."""
    data = lz4.frame.decompress(blob) if blob[:4] == _LZ4_MAGIC else zlib.decompress(blob)
    try:
        body = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        body = json.loads(data)
    done = Done(**body)
    done.codes = tuple(done.codes)
    done.cached = True
    return done


class Cache:
    """Per-file results in ``out/cache.sqlite``: file key -> compressed Done (``done``), the
    same without its lines (``meta``, cheap to read for every file), and each source's
    ``os.stat`` signature -> file key (``stat``: an unchanged file is not read again).

    A clean build does not read it but rewrites it (so a killed clean build leaves the
    old cache usable); entries of files not in the latest build are dropped on close.

    The cache only saves time, so damage never stops a build: a row that does not decode
    is a miss (its file is extracted again; :attr:`damaged` lists the keys), and a file
    that is not an SQLite database is moved aside to ``cache.sqlite.damaged`` and a new
    cache started — each with a warning naming the file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.damaged: list[str] = []  # keys of rows that did not decode (read as misses)
        try:
            self._open()
        except sqlite3.DatabaseError as e:
            aside = path.with_name(path.name + ".damaged")
            log.warning("%s: 缓存文件已损坏,已移至 %s 并重新建立 / the cache is damaged (%s): "
                        "moved to %s, a new one started", path, aside.name, e, aside.name)
            path.replace(aside)
            self._open()
        self.used: list[str] = []
        self.known_stats: dict[str, tuple[str, str]] | None = None  # the stat table, once read

    def _open(self) -> None:
        self.db = sqlite3.connect(self.path)
        try:
            self.db.execute("CREATE TABLE IF NOT EXISTS done (key TEXT PRIMARY KEY, body BLOB)")
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, body TEXT)")
            self.db.execute("CREATE TABLE IF NOT EXISTS stat (source TEXT PRIMARY KEY, sig TEXT, key TEXT)")
        except sqlite3.DatabaseError:
            self.db.close()
            raise

    def _miss(self, key: str, error: Exception) -> None:
        """A row that does not decode: noted, and read as absent."""
        self.damaged.append(key)
        log.warning("%s: 缓存条目 %s… 已损坏,将重新抽取 / the entry %s… is damaged (%s: %s): read "
                    "as a miss, its file extracted again", self.path, key[:12], key[:12],
                    type(error).__name__, error)

    def keys(self) -> set[str]:
        return {k for (k,) in self.db.execute("SELECT key FROM done")}

    def get(self, key: str) -> Done | None:
        row = self.db.execute("SELECT body FROM done WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return decode(row[0])
        except DAMAGED_ROW as e:
            self._miss(key, e)
            return None

    def metas(self) -> dict[str, Done]:
        """Every cached result without its lines, by file key (a damaged row left out)."""
        out = {}
        for key, body in self.db.execute("SELECT key, body FROM meta"):
            # marshal (five times quicker to read than JSON); JSON in caches written before
            try:
                done = Done(**(marshal.loads(body) if isinstance(body, bytes) else json.loads(body)))
            except DAMAGED_ROW as e:
                self._miss(key, e)
                continue
            done.codes = tuple(done.codes)
            done.cached = True
            out[key] = done
        return out

    def put(self, done: Done) -> None:
        self.put_encoded(done.file_key, *encode(done))

    def put_encoded(self, key: str, blob: bytes, meta: bytes) -> None:
        """Store a result :func:`encode` made (in a worker process, where it costs no time
        of this one)."""
        self.db.execute("INSERT OR REPLACE INTO done VALUES (?, ?)", (key, blob))
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, meta))

    def stats(self) -> dict[str, tuple[str, str]]:
        return {src: (sig, key) for src, sig, key in self.db.execute("SELECT source, sig, key FROM stat")}

    def put_stats(self, rows: list[tuple[str, str, str]], *,
                  old: dict[str, tuple[str, str]] | None = None) -> None:
        """Make the table ``rows``; ``old``: what it holds now (only the difference is written)."""
        if old is None:
            self.db.execute("DELETE FROM stat")
            self.db.executemany("INSERT OR REPLACE INTO stat VALUES (?, ?, ?)", rows)
            return
        sources = {source for source, _, _ in rows}
        self.db.executemany("DELETE FROM stat WHERE source = ?", [(s,) for s in old if s not in sources])
        self.db.executemany("INSERT OR REPLACE INTO stat VALUES (?, ?, ?)",
                            [row for row in rows if old.get(row[0]) != row[1:]])

    def close(self, *, keep: set[str]) -> None:
        """Commit, dropping entries of files no longer in the inputs."""
        stale = [(k,) for (k,) in self.db.execute("SELECT key FROM done") if k not in keep]
        self.db.executemany("DELETE FROM done WHERE key = ?", stale)
        self.db.executemany("DELETE FROM meta WHERE key = ?", stale)
        self.db.commit()
        self.db.close()
