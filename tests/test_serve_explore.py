"""kg serve: /spread.html and the explorer pages behind the spread view's ⌖ links, made on demand."""
from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from html import escape

import pytest
from conftest import free_port, wait_until_up

from kg.store import open_store
from kg.viz.explore import page_name


def _serve(out):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--out", str(out),
                             "--port", str(port), "--workers", "1", "--timeout", "10"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(proc, url + "/queries", tries=150)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def served(sample_build):
    server = _serve(sample_build[0])
    yield next(server), sample_build[0]
    next(server, None)


def test_spread_view_is_served(served):
    url, out = served
    with urllib.request.urlopen(url + "/spread.html", timeout=10) as r:
        body = r.read().decode()
        assert "connect-src 'none'" in r.headers["Content-Security-Policy"]
    assert body == (out / "spread.html").read_text(encoding="utf-8")
    with urllib.request.urlopen(url + "/", timeout=10) as r:
        assert 'href="spread.html"' in r.read().decode()  # the query page links to it


KIND_CLASS = {"region": "Region", "programme": "Programme", "agency": "Agency", "document": "PolicyDocument"}


@pytest.mark.parametrize("kind", sorted(KIND_CLASS))
def test_explore_link_of_each_kind_is_made_on_demand(served, kind):
    url, out = served
    store = open_store(out)
    row = next(iter(store.query(
        "PREFIX fz: <https://w3id.org/fazhi-kg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX dcterms: <http://purl.org/dc/terms/> "
        f"SELECT ?x ?l WHERE {{ ?x a fz:{KIND_CLASS[kind]} ; skos:prefLabel|rdfs:label|dcterms:title ?l }} "
        "ORDER BY ?x LIMIT 1")))
    del store
    href = "explore/" + page_name(row["x"].value)
    with urllib.request.urlopen(f"{url}/{href}", timeout=30) as r:
        body = r.read().decode()
        assert r.status == 200
    assert escape(row["l"].value, quote=False) in body


def test_unknown_page_is_404_bilingual(served):
    url, _ = served
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url + "/explore/region-0000000000000000.html", timeout=10)
    assert e.value.code == 404
    text = e.value.read().decode()
    assert "没有关系图" in text and "no explorer page" in text


def test_explore_all_writes_one_page_per_entity_of_the_chosen_kinds(sample_build, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(sample_build[0], out)
    shutil.rmtree(out / "explore", ignore_errors=True)
    done = subprocess.run([sys.executable, "-m", "kg", "viz", "--out", str(out), "--explore-all",
                           "--kinds", "programme,agency"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    store = open_store(out)
    iris = [r["x"].value for r in store.query(
        "PREFIX fz: <https://w3id.org/fazhi-kg/ontology#> SELECT DISTINCT ?x WHERE "
        "{ VALUES ?c { fz:Programme fz:Agency } ?x a ?c }")]
    written = sorted(p.name for p in (out / "explore").iterdir())
    assert len(written) == len(iris) > 0 and f" {len(iris)} " in done.stdout
    assert written == sorted(page_name(i) for i in iris)
    bad = subprocess.run([sys.executable, "-m", "kg", "viz", "--out", str(out), "--explore-all",
                          "--kinds", "regoin"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "regoin" in bad.stderr


def test_served_explorer_of_hostile_names_runs_no_script(tmp_path):
    from playwright import sync_api

    from kg import build
    from tests.test_viz_browser import ARGS, CHROMIUM, EVIL, XUANHAN, Explorer

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "evil.txt").write_text(EVIL, encoding="utf-8")
    assert not build.run([tmp_path / "in"], tmp_path / "out").failed
    server = _serve(tmp_path / "out")
    url = next(server)
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = Explorer(browser, tmp_path, bypass_csp=True, url=f"{url}/explore/{page_name(XUANHAN)}")
            names = [n["name"] for n in page.js("explorer.nodes()")]
            assert any("<script>" in n for n in names) and any("<img" in n for n in names)  # not vacuous
            assert page.js("[typeof window.__xss, typeof window.xss]") == ["undefined", "undefined"]
            assert page.js("document.querySelectorAll('body *:is(img,svg:not(canvas svg))').length") == 0
            assert page.requests and all(u.startswith(url) for u in page.requests), page.requests
            assert page.requests == [page.requests[0]] and page.errors == [] and page.dialogs == []
            browser.close()
    finally:
        next(server, None)
