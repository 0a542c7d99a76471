"""`kg serve` follows rebuilds: a `kg build` into the served folder is answered from the
next query on, without a restart, and a query running during the swap still finishes
(on the build it started with). Real HTTP on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest
from conftest import free_port, wait_until_up
from rdflib import Graph, Literal, URIRef

from kg.store import current_build, write_graph

EX = "http://example.org/"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# a cross product: slow enough to be running while a new build is swapped in
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _graph(n: int, tag: str) -> Graph:
    g = Graph()
    for i in range(n):
        g.add((URIRef(f"{EX}{tag}/{i}"), URIRef(f"{EX}p"), Literal(i)))
    return g



def _ask(base: str, query: str) -> tuple[int, str, dict[str, str]]:
    url = f"{base}/sparql?" + urllib.parse.urlencode({"query": query})
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        doc = json.loads(resp.read())
        headers = {k.lower(): v for k, v in resp.getheaders()}
        return int(doc["results"]["bindings"][0]["n"]["value"]), headers["x-kg-build"], headers


@pytest.fixture()
def served(tmp_path):
    out = tmp_path / "out"
    write_graph(_graph(50, "first"), out)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--out", str(out), "--port", str(port),
         "--timeout", "60", "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(proc, f"{base}/queries", tries=300)
    yield out, base
    proc.terminate()
    proc.wait(10)


def test_rebuild_is_served_without_restart(served):
    out, base = served
    n, build, _ = _ask(base, COUNT)
    assert (n, build) == (50, current_build(out).name)
    write_graph(_graph(7, "second"), out)
    for _ in range(4):  # every worker, whichever answers
        n, build2, _ = _ask(base, COUNT)
        assert (n, build2) == (7, current_build(out).name)
    assert build2 != build
    write_graph(_graph(3, "third"), out)  # the first build's folder is removed now
    assert not (out / ".builds" / build).exists()
    for _ in range(4):
        assert _ask(base, COUNT)[:2] == (3, current_build(out).name)


def test_query_in_flight_during_a_rebuild_finishes(served):
    out, base = served
    first = current_build(out).name
    result: dict[str, object] = {}

    def slow() -> None:
        try:
            result["answer"] = _ask(base, SLOW)
            result["at"] = time.monotonic()
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            result["error"] = e

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)  # the slow query is running on one worker
    write_graph(_graph(5, "next"), out)
    swapped = time.monotonic()
    n, build, _ = _ask(base, COUNT)  # the other worker, already on the new build
    assert (n, build) == (5, current_build(out).name)
    thread.join(120)
    assert "error" not in result, result.get("error")
    assert result["at"] > swapped  # it was still running when the new build went live
    n, build, _ = result["answer"]  # type: ignore[misc]
    assert (n, build) == (50 ** 4, first)
    for _ in range(4):  # and the worker that ran it moves on to the new build
        assert _ask(base, COUNT)[:2] == (5, current_build(out).name)
