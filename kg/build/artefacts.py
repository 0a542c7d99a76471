"""The hidden files of a build folder that ``--update`` reads back besides the state: the
spread view's query rows and the byte offsets of graph.ttl's subject blocks; and which
nodes a set of changed lines touches."""

from __future__ import annotations

import marshal
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SPREAD_ROWS = ".spread-rows.marshal"
TURTLE_INDEX = ".graph-ttl.index"  # byte offsets of graph.ttl's subject blocks
PROGRAMME = "<https://w3id.org/fazhi-kg/ontology#programme>"


def save_rows(build: Path, rows: dict[str, Any]) -> None:
    """The spread view's query rows, for the next ``--update`` to change instead of redo
    (marshal: dicts, lists, tuples and strings only, and twice as quick as pickle; a string
    the rows share, such as a region's IRI, is written once)."""
    (build / SPREAD_ROWS).write_bytes(marshal.dumps(rows))


def load_rows(build: Path) -> dict[str, Any]:
    """The rows :func:`save_rows` wrote."""
    # our own file; loads() of the whole file, as load() from a file reads it in many
    # small pieces (three times slower)
    return marshal.loads((build / SPREAD_ROWS).read_bytes())


def touched(lines: Iterable[str]) -> tuple[set[str], set[str]]:
    """Subjects of ``lines``, and the programmes they name as an implementation's."""
    subjects: set[str] = set()
    programmes: set[str] = set()
    for line in lines:
        subject, predicate, rest = line.split(" ", 2)
        subjects.add(subject[1:-1])
        if predicate == PROGRAMME and rest.startswith("<"):
            programmes.add(rest[1:rest.index(">")])
    return subjects, programmes
