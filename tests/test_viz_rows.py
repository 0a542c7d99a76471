"""The spread view's query rows: whole-graph and per-node forms agree, and a refresh
after a change equals asking again."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest

from kg.viz import refresh_rows, spread_data, spread_rows
from kg.viz.synth import synth_store


def _multiset(rows: dict[str, list[tuple[str | None, ...]]], name: str) -> Counter:
    flat = [row for found in rows.values() for row in found]
    if name == "programmes":  # GROUP_CONCAT's order is the store's
        flat = [row[:-1] + (frozenset((row[-1] or "").split("\u001f")),) for row in flat]
    return Counter(flat)


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return synth_store(programmes=12, seed=5)


def test_rows_for_given_nodes_equal_the_whole_graph_rows(store):
    every = spread_rows(store)
    assert every["adoptions"] and every["regions"] and every["reports"] is not None
    again = spread_rows(store, only={name: set(found) for name, found in every.items()})
    for name, found in every.items():
        assert _multiset(again[name], name) == _multiset(found, name), name


def test_refresh_after_a_change_equals_asking_again(store):
    before = spread_rows(store)
    imp = min(before["adoptions"])
    row = before["adoptions"][imp][0]
    fz = "https://w3id.org/fazhi-kg/ontology#"
    changed = ox.Store()
    changed.extend(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    changed.remove(ox.Quad(ox.NamedNode(imp), ox.NamedNode(fz + "year"),
                           next(changed.quads_for_pattern(ox.NamedNode(imp), ox.NamedNode(fz + "year"),
                                                          None)).object))
    changed.add(ox.Quad(ox.NamedNode(imp), ox.NamedNode(fz + "year"), ox.Literal("1999")))
    rows = refresh_rows(changed, before, {imp}, {str(row[2])})
    assert spread_data(rows=rows) == spread_data(changed)
    assert any(r[3] == "1999" for r in rows["adoptions"][imp])
