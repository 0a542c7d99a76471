"""SPARQL JSON answers written by pyoxigraph and cut into rows (kg.serve.stream): the same
document as the solutions say, row and byte caps exact, values that look like JSON rows."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kg.serve.stream import Sink, term_json, write_solutions

EX = "http://example.org/"
# values that hold the bytes a row boundary or an empty row is made of, quotes, escapes
TRICKY = ['},{"s":{"type":"uri","value":"x"}}', "{}", '},{}', "a\\\"b", "行\n政", "]}}", ""]


def _store() -> ox.Store:
    store = ox.Store()
    p, q = ox.NamedNode(EX + "p"), ox.NamedNode(EX + "q")
    for i in range(2500):
        s = ox.NamedNode(f"{EX}s{i:05d}")
        value = TRICKY[i % len(TRICKY)] + ("x" * (i % 300))
        obj = ox.Literal(value, language="zh") if i % 3 else ox.Literal(value)
        store.add(ox.Quad(s, p, obj))
        if i % 4 == 0:
            store.add(ox.Quad(s, q, ox.Literal(i)))
    return store


QUERIES = {
    "optional": f"SELECT ?s ?o ?n WHERE {{ ?s <{EX}p> ?o OPTIONAL {{ ?s <{EX}q> ?n }} }} ORDER BY ?s",
    # rows that bind nothing (every fourth: ?n is only bound there), between rows that do
    "empty-rows": f"SELECT ?n WHERE {{ ?s <{EX}p> ?o OPTIONAL {{ ?s <{EX}q> ?n }} }} ORDER BY ?s",
    "triple-terms": f"SELECT ?t ?s WHERE {{ ?s <{EX}p> ?o BIND(TRIPLE(?s, <{EX}p>, ?o) AS ?t) }} ORDER BY ?s",
    "none": f"SELECT ?s WHERE {{ ?s <{EX}none> ?o }}",
    "no-variables": "SELECT * WHERE { }",
}


def _expected(store: ox.Store, text: str) -> tuple[list[str], list[dict[str, object]]]:
    result = store.query(text)
    names = [v.value for v in result.variables]
    return names, [{n: term_json(t) for n, t in zip(names, sol) if t is not None} for sol in result]


def _write(store: ox.Store, text: str, limit: int, cap: int = 2**40):  # type: ignore[no-untyped-def]
    sink = Sink("", cap, inline=2**62)
    written = write_solutions(store.query(text), "json", sink, limit)
    body = sink.finish()[0]
    assert len(body) <= cap
    return written, json.loads(body), len(body)


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return _store()


@pytest.mark.parametrize("name", list(QUERIES))
def test_whole_answer_is_the_solutions(store, name):
    names, rows = _expected(store, QUERIES[name])
    written, doc, _ = _write(store, QUERIES[name], 10**9)
    assert doc["head"]["vars"] == names
    assert doc["results"]["bindings"] == rows
    assert (written.rows, written.more, written.cut) == (len(rows), False, "")


@pytest.mark.parametrize("name", ["optional", "empty-rows", "triple-terms"])
@pytest.mark.parametrize("limit", [0, 1, 999, 2499, 2500, 2501])
def test_row_cap_is_exact(store, name, limit):
    _, rows = _expected(store, QUERIES[name])
    written, doc, _ = _write(store, QUERIES[name], limit)
    assert doc["results"]["bindings"] == rows[:limit]
    assert written.rows == min(limit, len(rows))
    assert written.more == (len(rows) > limit)
    assert written.cut == ("rows" if len(rows) > limit else "")


@pytest.mark.parametrize("name", ["optional", "empty-rows"])
@pytest.mark.parametrize("share", [0.0, 0.01, 0.3, 0.99])
def test_byte_cap_keeps_whole_rows_and_a_valid_document(store, name, share):
    _, rows = _expected(store, QUERIES[name])
    cap = 60 + int(share * _write(store, QUERIES[name], 10**9)[2])  # 60: the head and the end
    written, doc, size = _write(store, QUERIES[name], 10**9, cap)
    got = doc["results"]["bindings"]
    assert got == rows[:len(got)] and written.rows == len(got) < len(rows)
    assert (written.more, written.cut) == (True, "bytes")
    # cut at the row that would not have fitted, not earlier
    following = len(json.dumps(rows[len(got)], ensure_ascii=False, separators=(",", ":")).encode())
    assert size + following + 1 > cap


def test_row_cap_wins_over_a_byte_cap_that_is_not_reached(store):
    written, doc, _ = _write(store, QUERIES["optional"], 10, 150_000)
    assert (written.rows, written.more, written.cut) == (10, True, "rows")
    assert len(doc["results"]["bindings"]) == 10


def test_a_value_larger_than_the_cap_is_cut_with_the_rows_before_it_kept():
    store = ox.Store()
    for i, size in enumerate([10, 3_000_000, 10]):
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal("値" * size)))
    text = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s"
    written, doc, size = _write(store, text, 10**9, 100_000)
    assert (written.rows, written.more, written.cut) == (1, True, "bytes") and size < 100_000
    assert doc["results"]["bindings"][0]["s"]["value"] == f"{EX}s0"
