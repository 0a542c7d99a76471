"""Issue 18, items 1 and 6: no query may reach another host, none may crash the engine.

Item 1: a real listener on loopback must receive nothing, whatever the spelling of
SERVICE (the old token scan let ``fz:Report]SERVICE``, ``1SERVICE``, ``trueSERVICE``
and ``SERVICE:x`` through). Item 6: queries nested or chained deep enough to
overflow pyoxigraph's stack (SIGSEGV, exit 139) are refused before parsing, with
a bilingual message, in every entry point (engine, kg.open, ``kg query``).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time

import pyoxigraph as ox
import pytest

from kg.errors import QueryError
from kg.query import engine, sparql


@pytest.fixture()
def listener():
    """A TCP listener on loopback that records every connection it accepts."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(50)
    srv.settimeout(0.1)
    hits: list[bytes] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    hits.append(conn.recv(200))
                except OSError:
                    hits.append(b"")

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}/", hits
    stop.set()
    t.join(2)
    srv.close()


def _store() -> ox.Store:
    st = ox.Store()
    s, p = ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    st.add(ox.Quad(s, rdf_type, ox.NamedNode("https://w3id.org/fazhi/ontology#Report")))
    for o in (ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
              ox.Literal(True), ox.Literal("x", language="en"), ox.Literal("y")):
        st.add(ox.Quad(s, p, o))
    return st


def _spellings(url: str) -> list[str]:
    body = "{ ?s ?p ?o }"
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {body} }}",
        f"SELECT * WHERE {{ [ a fz:Report]SERVICE <{url}> {body} }}",
        f"SELECT * WHERE {{ ?s ?p 1SERVICE <{url}> {body} }}",
        f"SELECT * WHERE {{ ?s ?p trueSERVICE <{url}> {body} }}",
        f'SELECT * WHERE {{ ?s ?p "x"@en sErViCe <{url}> {body} }}',
        f'SELECT * WHERE {{ ?s ?p "y"SERVICE <{url}> {body} }}',
        f"PREFIX : <{url}> SELECT * WHERE {{ SERVICE:x {body} }}",
        f"PREFIX s: <{url}> SELECT * WHERE {{ ?s ?p ?o .SERVICE s: {body} }}",
        f"SELECT * WHERE {{ {{ ?s ?p ?o }}SERVICE SILENT <{url}> {body} }}",
        f"SELECT * WHERE {{ ?s ?p ?o #\n SERVICE\t<{url}> {body} }}",
        f"ASK {{ FILTER(true) SERVICE <{url}> {body} }}",
        f"SELECT * WHERE {{ {{ SELECT * {{ ?s ?p ?o }} }} SERVICE <{url}> {body} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s a fz:Report OPTIONAL {{ SERVICE <{url}> {body} }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {body} }}",
    ]


def test_every_spelling_of_service_is_refused_and_the_listener_hears_nothing(listener):
    url, hits = listener
    store = _store()
    for text in _spellings(url):
        with pytest.raises(sparql.QueryRefused, match="SERVICE"):
            engine.execute(store, engine.prepare(text))
    time.sleep(0.3)
    assert hits == []


def test_the_listener_is_real(listener):
    """The same store and listener do receive the request when the guard is bypassed."""
    url, hits = listener
    try:
        list(_store().query(f"SELECT * WHERE {{ [ a <https://w3id.org/fazhi/ontology#Report>]SERVICE <{url}> "
                            "{ ?s ?p ?o } }"))
    except OSError:
        pass  # the listener hangs up without answering
    time.sleep(0.3)
    assert hits and hits[0].startswith(b"POST")


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { ?r a fz:PublicService ; rdfs:label ?selfservice }",
    "SELECT * WHERE { ?r fz:serviceLevel ?o }",
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1",
])
def test_names_that_merely_contain_the_word_still_run(text):
    assert engine.prepare(text).form == "SELECT"


# --- item 6: depth --------------------------------------------------------

def _deep(kind: str, n: int) -> str:
    return {
        "brace": "SELECT * WHERE " + "{" * n + " ?s ?p ?o " + "}" * n,
        "paren": "SELECT * WHERE { FILTER(" + "(" * n + "1" + ")" * n + ") }",
        "collection": "SELECT * WHERE { ?s ?p " + "(" * n + ")" * n + " }",
        "not": "SELECT * WHERE { FILTER(" + "!" * n + "true) }",
        "and": "SELECT * WHERE { ?s ?p ?o FILTER(" + " && ".join(["?o"] * n) + ") }",
        "union": "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * n) + " }",
        "hidden": "SELECT * WHERE { FILTER(" + "(" * 100 + 'fz:a\\) "))))" #))))\n' * 40
                  + "(" * n + "1" + ")" * (n + 100) + ") }",
    }[kind]


@pytest.mark.parametrize("kind,n", [("brace", 3000), ("paren", 10000), ("collection", 600),
                                    ("not", 10000), ("and", 20000), ("union", 20000),
                                    ("hidden", 400)])
def test_over_deep_queries_are_refused_before_parsing(kind, n):
    with pytest.raises(QueryError, match="过深|过多"):
        engine.prepare(_deep(kind, n))


@pytest.mark.parametrize("kind,n", [("brace", 40), ("paren", 60), ("not", 30), ("and", 300),
                                    ("union", 200)])
def test_reasonable_nesting_still_runs(kind, n):
    assert engine.prepare(_deep(kind, n)).form == "SELECT"


def test_many_values_rows_are_not_depth(tmp_path):
    rows = " ".join(f"( {i} -{i} )" for i in range(5000))
    assert engine.prepare(f"SELECT * WHERE {{ VALUES (?a ?b) {{ {rows} }} }}").form == "SELECT"


def test_kg_query_refuses_a_deep_query_with_a_message_not_a_crash(sample_build):
    out = sample_build[0]
    proc = subprocess.run([sys.executable, "-m", "kg", "query", _deep("brace", 3000), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode not in (0, -11, 139)
    assert "嵌套过深" in proc.stderr and "nested too deeply" in proc.stderr


def test_kg_open_refuses_deep_and_service(sample_build, listener):
    import kg
    url, hits = listener
    g = kg.open(sample_build[0])
    with pytest.raises(QueryError, match="nested too deeply"):
        g.query(_deep("collection", 600))
    with pytest.raises(QueryError, match="SERVICE"):
        g.query(f"SELECT * WHERE {{ [ a fz:Report]SERVICE <{url}> {{ ?s ?p ?o }} }}")
    time.sleep(0.2)
    assert hits == []
