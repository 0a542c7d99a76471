"""Issue 16 item 4: bulk answers in pages. `kg query --page-size/--cursor` and the
endpoint's page-size/cursor return every row exactly once, in one order, for every
research query; a cursor is refused for another query or another build."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import free_port, wait_until_up

from kg.cli import main
from kg.query import engine, library, paging
from kg.serve.page import example_params
from kg.store import current_build, open_store


def _select_queries():
    for nq in library.library().values():
        given = example_params(nq.example)
        if engine.prepare(nq.name, given).form == "SELECT":
            yield nq.name, given


def _rows(result):
    return [tuple(None if t is None else str(t) for t in sol) for sol in result]


@pytest.mark.parametrize("name, given", list(_select_queries()), ids=lambda v: v if isinstance(v, str) else "")
def test_pages_cover_the_answer_once_in_order(sample_build, name, given):
    store = open_store(sample_build[0])
    prepared = engine.prepare(name, given)
    whole = _rows(engine.execute(store, prepared))
    key = paging.digest(name, given)
    pages, cursor = [], ""
    for _ in range(len(whole) + 2):
        text, size, offset = paging.plan(prepared.text, 3, cursor, key, "b1")
        rows = _rows(engine.execute(store, engine.Prepared("SELECT", text, None)))
        pages.extend(rows[:size])
        if len(rows) <= size:
            break
        cursor = paging.Cursor(offset + size, size, "b1", key).encode()
    assert sorted(pages, key=repr) == sorted(whole, key=repr)  # every row once
    # and in the query's own order where it has one (the tie-breakers only order ties)
    ordered = _rows(engine.execute(store, engine.Prepared("SELECT", paging.window(prepared.text, 10**6), None)))
    assert pages == ordered


def test_window_keeps_the_querys_own_limit_and_offset():
    store = ox.Store()
    text = "SELECT ?n WHERE { VALUES ?n { 1 2 3 4 5 6 7 8 9 } } ORDER BY ?n LIMIT 5 OFFSET 2"
    got = [[int(s["n"].value) for s in store.query(paging.window(text, 2, k))] for k in (0, 2, 4, 6)]
    assert got == [[3, 4], [5, 6], [7], []]
    with pytest.raises(Exception, match="SELECT"):
        paging.window("CONSTRUCT WHERE { ?s ?p ?o }", 2)


def test_cursor_is_refused_for_another_query_or_build():
    c = paging.Cursor(10, 5, "b1", paging.digest("q", {})).encode()
    with pytest.raises(paging.QueryError, match="another query"):
        paging.plan("SELECT * { ?s ?p ?o }", 5, c, paging.digest("other", {}), "b1")
    with pytest.raises(paging.CursorStale, match="rebuilt"):
        paging.plan("SELECT * { ?s ?p ?o }", 5, c, paging.digest("q", {}), "b2")
    with pytest.raises(paging.QueryError, match="not a valid cursor"):
        paging.Cursor.decode("%%%")


def _cli(*args):
    res = CliRunner().invoke(main, ["query", *args])
    return res.exit_code, res.stdout, res.stderr


def test_kg_query_pages(sample_build):
    out = str(sample_build[0])
    code, whole, _ = _cli("--out", out, "--name", "reports-by-year-region", "--format", "csv")
    assert code == 0
    rows, cursor = [], None
    for _ in range(10):
        args = ["--out", out, "--name", "reports-by-year-region", "--format", "csv", "--page-size", "2"]
        code, text, err = _cli(*args, *(["--cursor", cursor] if cursor else []))
        assert code == 0, err
        lines = text.splitlines()
        assert lines[0] == whole.splitlines()[0] and len(lines) <= 3
        rows += lines[1:]
        cursor = next((ln.rsplit(" ", 1)[1] for ln in err.splitlines() if "--cursor" in ln), None)
        if cursor is None:
            break
    assert sorted(rows) == sorted(whole.splitlines()[1:]) and len(rows) == 5
    code, _, err = _cli("--out", out, "--name", "programme-timeline", "--page-size", "2",
                        "--cursor", paging.Cursor(2, 2, current_build(sample_build[0]).name, "x").encode())
    assert code == 2 and "another query" in err
    code, _, err = _cli("--out", out, "--name", "programme-subgraph", "-p", "programme=枫桥经验", "--page-size", "2")
    assert code == 2 and "SELECT" in err


@pytest.fixture(scope="module")
def base(sample_build):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--out", str(sample_build[0]), "--port", str(port),
                             "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_until_up(proc, f"http://127.0.0.1:{port}/queries", tries=200)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


def _get(url):
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})) as r:
        return {k.lower(): v for k, v in r.getheaders()}, json.loads(r.read())


def test_endpoint_pages_follow_link_next(base):
    headers, whole = _get(f"{base}/queries/adoption-table?programme=枫桥经验".replace("枫桥经验", urllib.parse.quote("枫桥经验")))
    expected = whole["results"]["bindings"]
    url = f"{base}/queries/adoption-table?" + urllib.parse.urlencode({"programme": "枫桥经验", "page-size": "1"})
    got, seen = [], 0
    while url and seen < 10:
        headers, doc = _get(url)
        got += doc["results"]["bindings"]
        assert headers["x-kg-page-size"] == "1" and "x-kg-truncated" not in headers
        link = headers.get("link")
        url = base + link[1:link.index(">")] if link else None
        seen += 1
    assert len(got) == len(expected) == 4 and sorted(map(repr, got)) == sorted(map(repr, expected))


def test_endpoint_pages_are_the_same_from_every_worker(base):
    q = urllib.parse.urlencode({"query": "SELECT ?s ?p WHERE { ?s ?p ?o }", "page-size": "50"})
    first = _get(f"{base}/sparql?{q}")
    cursor = first[0]["x-kg-next-cursor"]
    pages = {json.dumps(_get(f"{base}/sparql?{q}&cursor={cursor}")[1], sort_keys=True) for _ in range(6)}
    assert len(pages) == 1  # three workers, one page
    stale = paging.Cursor(50, 50, "another-build", paging.Cursor.decode(cursor).query).encode()
    with pytest.raises(urllib.error.HTTPError) as err:
        _get(f"{base}/sparql?{q}&cursor={stale}")
    assert err.value.code == 409 and "rebuilt" in err.value.read().decode()
