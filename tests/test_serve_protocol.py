"""`kg serve` over real HTTP on loopback: the W3C SPARQL 1.1 Protocol cases that apply
to a read-only endpoint, SPARQLWrapper as an unmodified client, the time limit, the row
cap, refusals, CORS and size limits.

The W3C cases (query_* and bad_query_* of the protocol test manifest, plus the
bad_update_* ones, which a read-only endpoint must refuse) are written out below with
their requests; the dataset cases use named graphs called as in the manifest
(http://kasei.us/2009/09/sparql/data/dataN.rdf), loaded from local data that mirrors
their shape (each graph describes itself as a foaf:Document), since nothing is fetched.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest
from conftest import free_port, wait_until_up

KASEI = "http://kasei.us/2009/09/sparql/data/"
FOAF_DOC = ox.NamedNode("http://xmlns.com/foaf/0.1/Document")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"



@pytest.fixture(scope="module")
def server(sample_build, tmp_path_factory):
    out = tmp_path_factory.mktemp("serve-build")
    store = ox.Store(str(out / "store"))
    store.bulk_load(path=str(sample_build[0] / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    for n in range(4):
        g = ox.NamedNode(f"{KASEI}data{n}.rdf")
        store.add(ox.Quad(g, RDF_TYPE, FOAF_DOC, g))
        store.add(ox.Quad(g, ox.NamedNode("http://purl.org/dc/terms/title"), ox.Literal(f"data{n}"), g))
    store.flush()
    del store
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--out", str(out), "--port", str(port), "--timeout", "2",
         "--max-rows", "50", "--max-body", "20000", "--workers", "2", "--cors", "http://allowed.example"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(proc, f"{base}/queries", tries=150)
    yield base
    proc.terminate()
    proc.wait(10)


def http(base, method="GET", path="/sparql", query=None, body=None, headers=None):
    """One raw request (http.client adds no Content-Type of its own, unlike urllib)."""
    import http.client

    url = path + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(method, url, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}


def _results(body):
    return json.loads(body)


# --- W3C positive cases ---------------------------------------------------------------

def test_query_get(server):
    status, headers, body = http(server, query={"query": "ASK {}"})
    assert status == 200 and headers["content-type"].startswith("application/sparql-results+json")
    assert _results(body)["boolean"] is True


def test_query_post_form(server):
    status, _, body = http(server, "POST", body=b"query=ASK%20%7B%7D", headers=FORM)
    assert status == 200 and _results(body)["boolean"] is True


def test_query_post_direct(server):
    status, _, body = http(server, "POST", body=b"ASK {}", headers=DIRECT)
    assert status == 200 and _results(body)["boolean"] is True


def _dataset_ask(server, method):
    q = f"ASK {{ <{KASEI}data1.rdf> ?p ?o . <{KASEI}data2.rdf> ?p ?o }}"
    params = [("default-graph-uri", f"{KASEI}data1.rdf"), ("default-graph-uri", f"{KASEI}data2.rdf")]
    if method == "GET":
        return http(server, query=params + [("query", q)])
    return http(server, "POST", body=urllib.parse.urlencode(params + [("query", q)]).encode(), headers=FORM)


def test_query_dataset_default_graphs_get(server):
    status, _, body = _dataset_ask(server, "GET")
    assert status == 200 and _results(body)["boolean"] is True


def test_query_dataset_default_graphs_post(server):
    status, _, body = _dataset_ask(server, "POST")
    assert status == 200 and _results(body)["boolean"] is True


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_query_dataset_named_graphs(server, method):
    params = [("named-graph-uri", f"{KASEI}data1.rdf"), ("named-graph-uri", f"{KASEI}data2.rdf")]
    q = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    if method == "GET":
        status, _, body = http(server, query=params + [("query", q)])
    else:
        status, _, body = http(server, "POST", query=params, body=q.encode(), headers=DIRECT)
    assert status == 200
    assert [b["g"]["value"] for b in _results(body)["results"]["bindings"]] == [
        f"{KASEI}data1.rdf", f"{KASEI}data2.rdf"]


def test_query_dataset_full(server):
    params = [("default-graph-uri", f"{KASEI}data3.rdf"), ("named-graph-uri", f"{KASEI}data1.rdf"),
              ("named-graph-uri", f"{KASEI}data2.rdf")]
    q = "SELECT ?g ?x ?s { ?x ?y ?o  GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    status, _, body = http(server, "POST", query=params, body=q.encode(), headers=DIRECT)
    rows = [(b["g"]["value"], b["x"]["value"], b["s"]["value"]) for b in _results(body)["results"]["bindings"]]
    assert status == 200 and rows == [
        (f"{KASEI}data1.rdf", f"{KASEI}data3.rdf", f"{KASEI}data1.rdf"),
        (f"{KASEI}data2.rdf", f"{KASEI}data3.rdf", f"{KASEI}data2.rdf")]


def test_query_multiple_dataset_protocol_wins(server):
    q = f"ASK FROM <{KASEI}data1.rdf> {{ <{KASEI}data2.rdf> ?p ?o }}"
    status, _, body = http(server, "POST", query={"default-graph-uri": f"{KASEI}data2.rdf"}, body=q.encode(),
                           headers=DIRECT)
    assert status == 200 and _results(body)["boolean"] is True


def test_default_dataset_is_the_build(server):
    status, _, body = http(server, query={"query": "SELECT (COUNT(*) AS ?n) { ?r a fz:Report }"})
    assert _results(body)["results"]["bindings"][0]["n"]["value"] == "5"


@pytest.mark.parametrize("accept, media", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("text/csv", "text/csv"), ("text/tab-separated-values", "text/tab-separated-values"),
])
def test_query_content_type_select(server, accept, media):
    status, headers, body = http(server, "POST", body=b"SELECT (1 AS ?value) {}",
                                 headers={**DIRECT, "Accept": accept})
    assert status == 200 and headers["content-type"].startswith(media)
    if media == "text/csv":
        assert body.decode().split() == ["value", "1"]


@pytest.mark.parametrize("accept, media", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/sparql-results+json", "application/sparql-results+json"),
])
def test_query_content_type_ask(server, accept, media):
    status, headers, body = http(server, "POST", body=b"ASK {}", headers={**DIRECT, "Accept": accept})
    assert status == 200 and headers["content-type"].startswith(media)


@pytest.mark.parametrize("accept, media", [
    ("text/turtle", "text/turtle"), ("application/n-triples", "application/n-triples"),
    ("application/ld+json", "application/ld+json"), ("application/rdf+xml", "application/rdf+xml"),
])
@pytest.mark.parametrize("query", [
    "CONSTRUCT { <http://example.org/s> <http://example.org/p> 1 } WHERE {}",
    "DESCRIBE <https://w3id.org/fazhi-kg/id/region/330282>",
])
def test_query_content_type_construct_describe(server, query, accept, media):
    status, headers, body = http(server, "POST", body=query.encode(), headers={**DIRECT, "Accept": accept})
    assert status == 200 and headers["content-type"].startswith(media)
    fmt = ox.RdfFormat.from_media_type(media)
    assert len(list(ox.parse(body, format=fmt))) >= 1


def test_not_acceptable(server):
    status, _, _ = http(server, "POST", body=b"ASK {}", headers={**DIRECT, "Accept": "image/png"})
    assert status == 406


# --- W3C negative cases ---------------------------------------------------------------

@pytest.mark.parametrize("case, method, query, body, headers, expected", [
    ("bad_query_method", "PUT", {"query": "ASK {}"}, None, {}, 405),
    ("bad_multiple_queries", "GET", [("query", "ASK {}"), ("query", "SELECT * {}")], None, {}, 400),
    ("bad_query_wrong_media_type", "POST", None, b"ASK {}", {"Content-Type": "text/plain"}, 415),
    ("bad_query_missing_form_type", "POST", None, b"query=ASK%20%7B%7D", {}, 415),
    ("bad_query_missing_direct_type", "POST", None, b"ASK {}", {}, 415),
    ("bad_query_non_utf8", "POST", None, "ASK {}".encode("utf-16"),
     {"Content-Type": "application/sparql-query; charset=UTF-16"}, 400),
    ("bad_query_syntax", "GET", {"query": "ASK {"}, None, {}, 400),
    ("no_query", "GET", {"default-graph-uri": "http://example.org/"}, None, {}, 400),
    ("bad_update_get", "GET", {"update": "CLEAR ALL"}, None, {}, 403),
    ("bad_multiple_updates", "POST", None, b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", FORM, 403),
    ("bad_update_wrong_media_type", "POST", None, b"CLEAR NAMED", {"Content-Type": "text/plain"}, 415),
    ("update_post_form", "POST", None, b"update=CLEAR%20ALL", FORM, 403),
    ("update_post_direct", "POST", None, b"CLEAR ALL", {"Content-Type": "application/sparql-update"}, 403),
    ("update_as_query", "POST", None, b"query=DROP%20ALL", FORM, 403),
    ("load_as_query", "GET", {"query": "LOAD <http://example.org/x.ttl>"}, None, {}, 403),
    ("service", "GET", {"query": "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}, None, {}, 403),
    ("bad_graph_iri", "GET", {"query": "ASK {}", "default-graph-uri": "not an iri"}, None, {}, 400),
])
def test_bad_requests(server, case, method, query, body, headers, expected):
    status, _, text = http(server, method, query=query, body=body, headers=headers)
    assert status == expected, (case, text)


def test_refusal_is_clear_and_nothing_changed(server, sample_build):
    triples = sum(1 for line in (sample_build[0] / "graph.nt").open(encoding="utf-8") if line.strip())
    status, _, text = http(server, "POST", body=b"DROP ALL", headers={"Content-Type": "application/sparql-update"})
    assert status == 403 and "read-only" in text.decode()
    _, _, body = http(server, query={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    assert int(_results(body)["results"]["bindings"][0]["n"]["value"]) == triples


def test_syntax_error_message_has_position(server):
    status, _, text = http(server, query={"query": "SELECT * WHERE { ?s ?p }"})
    assert status == 400 and "line 1, column" in text.decode()


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/rdf+xml",
                                    "text/csv", "image/png", "application/sparql-results+xml", "*/*"])
@pytest.mark.parametrize("query", ["SELECT * WHERE { ?s ?p }", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ",
                                   "SELECT * { ?s nope:p ?o }"])
def test_syntax_error_is_400_whatever_the_accept_header(server, accept, query):
    """Issue 15 item 3: the parser's position and a bilingual hint, never 406."""
    status, headers, text = http(server, "POST", body=query.encode(), headers={**DIRECT, "Accept": accept})
    message = text.decode()
    assert status == 400 and headers["content-type"].startswith("text/plain")
    assert "语法错误 / syntax error at line 1, column" in message and "提示 / hint:" in message
    if "nope:" in query:
        assert "前缀 nope: 未声明 / prefix nope: is not declared" in message


def test_parameters_are_bound_by_the_querys_header(server):
    text = ("# T / T.\n# Parameters:\n#   ?year  year  the year\n"
            "SELECT ?r WHERE { ?r a fz:Report ; fz:yearCovered ?y FILTER(xsd:integer(STR(?y)) = ?year) }")
    params = [("query", text), ("param.year", "2021")]
    status, _, body = http(server, "POST", body=urllib.parse.urlencode(params).encode(), headers=FORM)
    assert status == 200 and len(_results(body)["results"]["bindings"]) == 2
    params = [("query", text), ("param.nope", "1")]
    status, _, body = http(server, "POST", body=urllib.parse.urlencode(params).encode(), headers=FORM)
    assert status == 400 and "nope" in body.decode()


# --- limits ---------------------------------------------------------------------------

def test_row_cap(server):
    status, headers, body = http(server, query={"query": "SELECT * { ?s ?p ?o }"})
    assert status == 200 and headers["x-kg-truncated"] == "true" and headers["x-kg-row-limit"] == "50"
    assert len(_results(body)["results"]["bindings"]) == 50
    _, headers, body = http(server, query={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                            headers={"Accept": "application/n-triples"})
    assert headers["x-kg-truncated"] == "true" and len(body.decode().strip().splitlines()) == 50


def test_request_size_limits(server):
    big = b"query=" + b"%20" * 30000
    status, _, _ = http(server, "POST", body=big, headers=FORM)
    assert status == 413
    status, _, _ = http(server, query={"query": "ASK {}" + " " * 25000})
    assert status in (414, 431, 400)  # ours (414) or the HTTP parser's own header limit


def test_time_limit_cuts_one_query_while_others_answer(server):
    slow: dict = {}

    def run_slow():
        started = time.perf_counter()
        slow["status"], _, slow["body"] = http(server, query={"query": SLOW})
        slow["seconds"] = time.perf_counter() - started

    t = threading.Thread(target=run_slow)
    t.start()
    time.sleep(0.3)
    fast_times = []
    while t.is_alive() and len(fast_times) < 5:
        started = time.perf_counter()
        status, _, body = http(server, query={"query": "SELECT (COUNT(*) AS ?n) { ?r a fz:Report }"})
        fast_times.append(time.perf_counter() - started)
        assert status == 200 and _results(body)["results"]["bindings"][0]["n"]["value"] == "5"
    t.join(20)
    assert slow["status"] == 503 and "time limit" in slow["body"].decode()
    assert 1.8 < slow["seconds"] < 6
    assert fast_times and max(fast_times) < 1.5
    # the killed worker is replaced: two queries at once still both succeed
    results = []
    threads = [threading.Thread(target=lambda: results.append(http(server, query={"query": "ASK {}"})[0]))
               for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(20)
    assert results == [200, 200]


# --- CORS, named queries, clients -----------------------------------------------------

def test_cors(server):
    _, headers, _ = http(server, query={"query": "ASK {}"}, headers={"Origin": "http://allowed.example"})
    assert headers.get("access-control-allow-origin") == "http://allowed.example"
    _, headers, _ = http(server, query={"query": "ASK {}"}, headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in {k.lower() for k in headers}
    status, headers, _ = http(server, "OPTIONS", headers={
        "Origin": "http://allowed.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 200 and headers.get("access-control-allow-origin") == "http://allowed.example"


def test_named_query_over_http(server):
    status, headers, body = http(server, path="/queries/adoption-table",
                                 query={"programme": "枫桥经验", "format": "csv"})
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert [ln.split(",")[0] for ln in body.decode().split()] == ["regionName", "宣汉县", "镜湖区", "坪山区", "潞州区"]
    status, _, body = http(server, path="/queries/evidence", query={
        "region": '慈溪市" } ; DROP ALL #\n<script>', "programme": "x"})
    assert status == 200 and _results(body)["results"]["bindings"] == []
    assert http(server, path="/queries/evidence")[0] == 400
    assert http(server, path="/queries/nope")[0] == 404
    listing = json.loads(http(server, path="/queries")[2])
    assert len(listing) >= 12 and all(q["title"] and q["sparql"] for q in listing)


def test_sparqlwrapper_unmodified(server):
    from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

    sw = SPARQLWrapper(f"{server}/sparql")
    sw.setQuery("PREFIX fz: <https://w3id.org/fazhi-kg/ontology#> "
                "SELECT ?year (COUNT(?r) AS ?n) WHERE { ?r a fz:Report ; fz:yearCovered ?year } "
                "GROUP BY ?year ORDER BY ?year")
    sw.setReturnFormat(JSON)
    rows = sw.query().convert()["results"]["bindings"]
    assert [(b["year"]["value"], b["n"]["value"]) for b in rows] == [
        ("2020", "1"), ("2021", "2"), ("2022", "1"), ("2024", "1")]
    sw.setMethod(POST)
    sw.setReturnFormat(XML)
    doc = sw.query().convert()
    assert len(doc.getElementsByTagName("result")) == 4
    sw.setReturnFormat(CSV)
    assert sw.query().convert().decode().splitlines()[1] == "2020,1"
    sw.setQuery("ASK { ?r a <https://w3id.org/fazhi-kg/ontology#Report> }")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True
    sw.setQuery("CONSTRUCT { ?r <http://purl.org/dc/terms/source> ?s } WHERE { ?r <http://purl.org/dc/terms/source> ?s }")
    sw.setReturnFormat(TURTLE)
    from rdflib import Graph
    g = Graph().parse(data=sw.query().convert(), format="turtle")
    assert len(g) == 5
    sw.setQuery("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }")
    sw.setMethod(POST)
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException
    with pytest.raises((SPARQLWrapperException, urllib.error.HTTPError)):
        sw.query()


def test_loopback_by_default():
    from click.testing import CliRunner

    from kg.cli import main

    res = CliRunner().invoke(main, ["serve", "--help"])
    assert "default: 127.0.0.1" in res.output.replace("\n", " ").replace("  ", " ") or "127.0.0.1" in res.output
