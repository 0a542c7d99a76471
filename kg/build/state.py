"""The build state for ``--update``, ``.state.sqlite`` beside a build's graph.nt: which reports
are in the graph, how many reports assert each line, which divisions they name, and the
SHACL violations by owner."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

STATE = ".state.sqlite"


def line_hash(line: str) -> bytes:
    return hashlib.blake2b(line.encode("utf-8"), digest_size=16).digest()


class State:
    """What ``--update`` needs to change a build instead of redoing it, in ``.state.sqlite``
    beside its graph.nt: the file keys of the reports whose lines are in the graph
    (``contrib``), how many of them assert each line asserted more than once (``refs``, by a
    hash of the line; a line of the graph not listed is asserted once), how many name each
    division code (``codes``: the shared division lines are those of the codes named), the
    SHACL violations by owner (a file key, ``shared`` or ``full``) and a few facts (``info``).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.executescript("""
            CREATE TABLE IF NOT EXISTS info (k TEXT PRIMARY KEY, v TEXT);
            CREATE TABLE IF NOT EXISTS refs (h BLOB PRIMARY KEY, n INTEGER) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS codes (code TEXT PRIMARY KEY, n INTEGER);
            CREATE TABLE IF NOT EXISTS contrib (key TEXT PRIMARY KEY);
            CREATE TABLE IF NOT EXISTS violations (owner TEXT, line TEXT);
            CREATE INDEX IF NOT EXISTS violations_owner ON violations (owner);
        """)

    def info(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT k, v FROM info")}

    def set_info(self, **values: Any) -> None:
        self.db.executemany("INSERT OR REPLACE INTO info VALUES (?, ?)",
                            [(k, json.dumps(v)) for k, v in values.items()])

    def refs(self, line: str) -> int | None:
        row = self.db.execute("SELECT n FROM refs WHERE h = ?", (line_hash(line),)).fetchone()
        return row[0] if row else None

    def refs_of(self, lines: Iterable[str]) -> dict[str, int]:
        """The counts of those of ``lines`` asserted more than once (one query per 500)."""
        by_hash = {line_hash(ln): ln for ln in lines}
        hashes = list(by_hash)
        found: dict[str, int] = {}
        for at in range(0, len(hashes), 500):
            chunk = hashes[at:at + 500]
            query = f"SELECT h, n FROM refs WHERE h IN ({','.join('?' * len(chunk))})"
            found.update((by_hash[h], n) for h, n in self.db.execute(query, chunk))
        return found

    def set_refs(self, rows: Iterable[tuple[str, int]]) -> None:
        """Set each line's count (a count below 2 removes the line from the table)."""
        rows = list(rows)
        self.db.executemany("DELETE FROM refs WHERE h = ?", [(line_hash(ln),) for ln, n in rows if n < 2])
        self.db.executemany("INSERT OR REPLACE INTO refs VALUES (?, ?)",
                            [(line_hash(ln), n) for ln, n in rows if n >= 2])

    def codes(self) -> Counter[str]:
        return Counter(dict(self.db.execute("SELECT code, n FROM codes")))

    def set_codes(self, codes: Counter[str]) -> None:
        self.db.execute("DELETE FROM codes")
        self.db.executemany("INSERT INTO codes VALUES (?, ?)", [(c, n) for c, n in codes.items() if n > 0])

    def contributors(self) -> set[str]:
        return {k for (k,) in self.db.execute("SELECT key FROM contrib")}

    def set_contributors(self, removed: Iterable[str], added: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM contrib WHERE key = ?", [(k,) for k in removed])
        self.db.executemany("INSERT OR REPLACE INTO contrib VALUES (?)", [(k,) for k in added])

    def violations(self) -> list[str]:
        return sorted({ln for (ln,) in self.db.execute("SELECT line FROM violations")})

    def set_violations(self, owner: str, lines: Iterable[str] | None) -> None:
        self.db.execute("DELETE FROM violations WHERE owner = ?", (owner,))
        self.db.executemany("INSERT INTO violations VALUES (?, ?)", [(owner, ln) for ln in set(lines or ())])

    def drop_violations(self, owners: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM violations WHERE owner = ?", [(o,) for o in owners])

    def close(self) -> None:
        self.db.commit()
        self.db.close()
