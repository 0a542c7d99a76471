"""Issue 18, item 4: one short query never takes more than its worker's memory budget.

A 55-byte ORDER BY over a cross join and a string-doubling query run on a pool
whose workers have a small budget: each costs its worker (replaced) or is answered
with a 503, never the machine's memory, and the next query is answered.
"""

from __future__ import annotations

import shutil
import time

import pyoxigraph as ox
import pytest

from kg.serve.pool import Pool, QueryCrashed, QueryTimeout
from kg.serve.worker import Job

pytestmark = pytest.mark.skipif(not shutil.which("true") or not hasattr(__import__("os"), "fork"),
                                reason="POSIX resource limits")

CROSS = "SELECT * {?a ?b ?c.?d ?e ?f.?g ?h ?i}ORDER BY ?a ?d ?g"
DOUBLING = ("SELECT ?x { BIND(\"0123456789\" AS ?s0) "
            + " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(40))
            + " BIND(STRLEN(?s40) AS ?x) }")


@pytest.fixture(scope="module")
def pool(sample_build, tmp_path_factory):
    out = tmp_path_factory.mktemp("mem-build")
    store = ox.Store(str(out / "store"))
    store.bulk_load(path=str(sample_build[0] / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    store.flush()
    del store
    p = Pool(out / "store", size=1, timeout=60, memory_mb=300)
    p.start()
    yield p
    p.close()


def _pid(pool: Pool) -> int:
    return pool._idle[0].process.pid


@pytest.mark.parametrize("text", [CROSS, DOUBLING], ids=["order-by-cross-join", "string-doubling"])
def test_a_short_query_stays_within_its_workers_memory(pool, text):
    assert len(CROSS) <= 55
    before = _pid(pool)
    t = time.perf_counter()
    try:
        reply = pool.run_sync(Job(query=text, max_rows=10))
        assert reply.status in (500, 503), reply
    except QueryCrashed:
        pass
    except QueryTimeout:  # pragma: no cover - would mean the budget was not reached
        pytest.fail("the memory budget should stop the query before the time limit")
    seconds = time.perf_counter() - t
    assert seconds < 60
    ok = pool.run_sync(Job(query="ASK { ?s ?p ?o }"))
    assert ok.status == 200
    print(f"{text[:30]}…: stopped in {seconds:.1f} s; worker {before} → {_pid(pool)}")
