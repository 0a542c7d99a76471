"""kg publish against a real SPARQL Graph Store (the Oxigraph server) on loopback."""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import free_port, wait_until_up

from kg import build
from kg.cli import main
from kg.publish import graphs, publish
from kg.resources import SAMPLE_CORPUS

OXIGRAPH = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
needs_server = pytest.mark.skipif(OXIGRAPH is None,
                                  reason="the oxigraph server (pip install oxigraph) is not installed")



@pytest.fixture
def server(tmp_path):
    port = free_port()
    proc = subprocess.Popen([OXIGRAPH, "serve", "--location", str(tmp_path / "db"),
                             "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(proc, f"{base}/query?query=ASK%7B%7D", tries=100, pause=0.05)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def _select(base, query):
    url = f"{base}/query?" + urllib.parse.urlencode({"query": query})
    req = urllib.request.Request(url, headers={"Accept": "text/csv"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.read().decode("utf-8").splitlines()[1:]


GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


@needs_server
def test_publish_one_graph_per_report_and_republish_replaces(tmp_path, server):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("000_d64034255a0dea92.txt", "003_bbae543c794aacc6.txt"):
        shutil.copy(SAMPLE_CORPUS / name, src / name)
    out = tmp_path / "out"
    build.run([src], out, workers=1, nquads=True)
    result = publish(out, f"{server}/store")
    assert result.graphs == 3  # two reports and the shared nodes
    rows = [r.split(",") for r in _select(server, GRAPHS)]
    assert len(rows) == 3
    assert sum(int(n) for _, n in rows) == result.triples
    assert any(g.endswith("/graph/shared") for g, _ in rows)
    # every triple of graph.nt is on the server (the union of the named graphs)
    union = _select(server, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }")
    assert int(union[0]) == len((out / "graph.nt").read_text(encoding="utf-8").splitlines())

    # one report changes and one goes: publishing again replaces and prunes their graphs
    changed = src / "003_bbae543c794aacc6.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("2022", "2021"), encoding="utf-8")
    (src / "000_d64034255a0dea92.txt").unlink()
    build.run([src], out, workers=1, nquads=True, update=True)
    again = CliRunner().invoke(main, ["publish", "--store", f"{server}/store", "--out", str(out),
                                      "--prune", f"{server}/query"])
    assert again.exit_code == 0, again.output
    assert "1 删除 removed" in again.output
    assert [r.split(",")[0] for r in _select(server, GRAPHS)] == sorted(g for g, _ in graphs(out / "graph.nq"))
    years = _select(server, """PREFIX fz: <https://w3id.org/fazhi-kg/ontology#>
        SELECT DISTINCT ?y WHERE { GRAPH ?g { ?r fz:yearCovered ?y } }""")
    assert years == ["2021"]


def test_publish_without_nquads_or_server_is_a_clear_error(tmp_path):
    build.run(None, tmp_path / "out", workers=1, validate="none", spread=False)
    shown = CliRunner().invoke(main, ["publish", "--store", "http://127.0.0.1:9/store", "--out", str(tmp_path / "out")])
    assert shown.exit_code == 2 and "--nquads" in shown.output
