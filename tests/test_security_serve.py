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


@pytest.fixture(scope="module")
def loopback_server(sample_build, tmp_path_factory):
    import subprocess
    import sys

    from conftest import free_port, wait_until_up

    out = tmp_path_factory.mktemp("host-build")
    store = ox.Store(str(out / "store"))
    store.bulk_load(path=str(sample_build[0] / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    store.flush()
    del store
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--out", str(out), "--port", str(port),
                             "--workers", "1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_until_up(proc, f"http://127.0.0.1:{port}/queries", tries=150)
    yield port
    proc.terminate()
    proc.wait(10)


def _status(port: int, host: str, query: str = "ASK%7B%3Fs%20%3Fp%20%3Fo%7D") -> tuple[int, str]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", f"/sparql?query={query}", skip_host=True)
    conn.putheader("Host", host)
    conn.putheader("Accept", "application/sparql-results+json")
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read().decode("utf-8")
    conn.close()
    return resp.status, body


def test_dns_rebinding_host_names_are_refused_on_loopback(loopback_server):
    """Item 10: a page at evil.example whose name resolves to 127.0.0.1 sends Host: evil.example."""
    port = loopback_server
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example", "localhost.evil.example",
                 "", "attacker.test:80"):
        status, body = _status(port, host)
        assert status == 421, (host, status)
        assert "DNS rebinding" in body and "主机名" in body
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "localhost", "LOCALHOST", f"[::1]:{port}",
                 "app.localhost", "127.0.0.2"):
        status, body = _status(port, host)
        assert status == 200, (host, status, body)
