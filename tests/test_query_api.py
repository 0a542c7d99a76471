"""kg.open(...) and the `kg query` command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pandas as pd
import pytest
from click.testing import CliRunner

import kg
from kg.cli import main
from kg.errors import KGError, QueryError


@pytest.fixture(scope="module")
def out(sample_build):
    return sample_build[0]


def test_open_query_types(out):
    with kg.open(out) as g:
        rows = g.query("SELECT ?source ?year ?issued WHERE { ?r a fz:Report ; dcterms:source ?source ; "
                       "fz:yearCovered ?year . OPTIONAL { ?r dcterms:issued ?issued } } ORDER BY ?source")
        assert rows[0] == {"source": "000_d64034255a0dea92.txt", "year": 2021, "issued": dt.date(2022, 3, 30)}
        assert rows[-1]["issued"] is None  # 004_…: the report gives no date
        assert g.query("ASK { ?r a fz:Report }") is True
        assert {q.name for q in g.queries()} >= {"adoption-table", "evidence", "early-adopters"}


def test_frame_has_typed_columns(out):
    df = kg.open(out).frame("adoption-table", programme="枫桥经验")
    assert str(df["firstYear"].dtype) == "Int64"
    assert str(df["regionName"].dtype) == "string"
    assert list(df["regionName"]) == ["宣汉县", "镜湖区", "坪山区", "潞州区"]
    dates = kg.open(out).frame("SELECT ?d ?b WHERE { ?r dcterms:issued ?d . BIND(true AS ?b) } ORDER BY ?d")
    assert pd.api.types.is_datetime64_any_dtype(dates["d"]) and str(dates["b"].dtype) == "boolean"
    with pytest.raises(QueryError):
        kg.open(out).frame("ASK {}")


def test_named_query_parameter_errors(out):
    g = kg.open(out)
    with pytest.raises(QueryError, match="needs -p region"):
        g.query("evidence")
    with pytest.raises(QueryError, match="has no parameter"):
        g.query("evidence", region="慈溪市", colour="red")
    with pytest.raises(QueryError, match="no named query"):
        g.query("no-such-query")
    with pytest.raises(QueryError, match="year"):
        g.query("adoption-table", before="20x0")


def test_open_without_a_build(tmp_path):
    with pytest.raises(KGError, match="kg build"):
        kg.open(tmp_path)


def run(*args):
    return CliRunner().invoke(main, ["query", *args], catch_exceptions=False)


def test_cli_table_aligns_cjk(out):
    res = run("--out", str(out), "--name", "adoption-table", "-p", "programme=枫桥经验", "--wide")
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    assert lines[0].split() == ["regionName", "code", "provinceName", "programmeName", "firstYear", "reports"]
    from wcwidth import wcswidth
    # the code column starts at the same display column on every line
    starts = {wcswidth(ln[: ln.index(code)]) for ln, code in zip(lines[2:], ["511722", "340202", "440310", "140403"])}
    assert len(starts) == 1


def test_cli_csv_tsv_json(out):
    res = run("--out", str(out), "--name", "programme-timeline", "-p", "programme=枫桥经验", "--format", "csv")
    assert list(csv.reader(io.StringIO(res.stdout))) == [
        ["programmeName", "year", "regions", "newAdopters"],
        ["枫桥经验", "2020", "1", "1"], ["枫桥经验", "2021", "2", "2"], ["枫桥经验", "2022", "1", "1"]]
    res = run("--out", str(out), "--name", "programme-timeline", "-p", "programme=枫桥经验", "--format", "json")
    doc = json.loads(res.stdout)
    assert doc["head"]["vars"][0] == "programmeName" and len(doc["results"]["bindings"]) == 3
    res = run("--out", str(out), "--name", "programme-timeline", "-p", "programme=枫桥经验", "--format", "tsv")
    assert res.stdout.splitlines()[0] == "?programmeName\t?year\t?regions\t?newAdopters"
    res = run("--out", str(out), "--name", "programme-subgraph", "-p", "programme=枫桥经验", "--format", "ttl")
    assert "fz:Implementation" in res.stdout


def test_cli_file_and_typed_params(out, tmp_path):
    rq = tmp_path / "mine.rq"
    rq.write_text("# 我的 / mine\nSELECT ?s WHERE { ?r fz:yearCovered ?y ; dcterms:source ?s . "
                  "FILTER(xsd:integer(STR(?y)) >= ?from) } ORDER BY ?s\n", encoding="utf-8")
    res = run("--out", str(out), str(rq), "-p", "from:integer=2022", "--format", "csv")
    assert res.stdout.split() == ["s", "003_bbae543c794aacc6.txt", "004_ee1a30afe18954bd.txt"]


def test_cli_errors_are_one_line(out):
    res = run("--out", str(out), "SELECT * WHERE { ?s ?p }")
    assert res.exit_code == 2
    assert len(res.stderr.strip().splitlines()) == 1 and "line 1, column" in res.stderr
    res = run("--out", str(out), "DROP ALL")
    assert res.exit_code == 2 and "read-only" in res.stderr
    res = run("--out", str(out), "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert res.exit_code == 2 and "SERVICE" in res.stderr


def test_cli_list(out):
    res = run("--list")
    assert res.exit_code == 0
    assert "adoption-table" in res.stdout and "首次采用表" in res.stdout and "-p programme=" in res.stdout
