"""The research-query library, checked against the sample build and a hand-made graph.

Expected answers come from reading the data, not from running the queries:
hard-coded facts were read off the sample's graph.nt, manifest.json and report
texts; aggregates are recomputed here in plain Python over graph.nt (an
independent implementation); the hand-made graph (tests/data/query/
synthetic.ttl) was designed so that every answer can be worked out by hand.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import PROV, RDF, RDFS, SKOS

import kg
from kg.derive import graph_derived_triples
from kg.namespaces import FZ
from kg.query import library

DATA = Path(__file__).parent / "data" / "query"
CORPUS = Path(kg.__file__).parent / "data" / "corpus"
HOSTILE_LABEL = '恶意" } ; DROP ALL #\n<script>alert(1)</script>'


@pytest.fixture(scope="module")
def sample(sample_build):
    out, _ = sample_build
    with kg.open(out) as g:
        yield g


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic-build")
    store = ox.Store(str(out / "store"))
    store.bulk_load(path=str(DATA / "synthetic.ttl"), format=ox.RdfFormat.TURTLE)
    # with the facts a build derives from these implementation facts (kg/derive.py)
    derived = Graph()
    for t in graph_derived_triples(Graph().parse(DATA / "synthetic.ttl")):
        derived.add(t)
    store.bulk_load(derived.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)
    store.flush()
    del store  # release the lock: kg.open opens read-only
    with kg.open(out) as g:
        yield g


@pytest.fixture(scope="module")
def facts(sample_build):
    """Plain-Python facts from graph.nt: implementations, regions, labels."""
    out, _ = sample_build
    g = Graph()
    g.parse(out / "graph.nt", format="nt")
    label = {s: str(o) for s, o in g.subject_objects(RDFS.label)}
    pref = {s: str(o) for s, o in g.subject_objects(SKOS.prefLabel) if o.language == "zh"}
    parent = dict(g.subject_objects(FZ.partOf))
    level = {s: str(o) for s, o in g.subject_objects(FZ.level)}

    def province(r):
        while r is not None and level.get(r) != "province":
            r = parent.get(r)
        return r

    impls = []
    for i in g.subjects(RDF.type, FZ.Implementation):
        impls.append({
            "region": g.value(i, FZ.region), "programme": g.value(i, FZ.programme),
            "year": int(g.value(i, FZ.year)), "planned": bool(g.value(i, FZ.planned).toPython()),
            "report": g.value(i, PROV.wasDerivedFrom), "agency": g.value(i, FZ.agency),
            "theme": g.value(g.value(i, FZ.programme), SKOS.broader),
        })
    return {"g": g, "label": label, "pref": pref, "province": province, "impls": impls,
            "level": level}


# --- the library itself -------------------------------------------------------------------

QUERIES = library.library()


def test_at_least_twelve_queries():
    assert len(QUERIES) >= 12


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_header_is_complete(name):
    nq = QUERIES[name]
    assert " / " in nq.title, "title must be bilingual: 中文 / English"
    assert len(nq.purpose) > 40
    assert nq.example.startswith(f"kg query --name {name}")
    body = "\n".join(ln for ln in nq.text.splitlines() if not ln.startswith("#"))
    for p in nq.params:
        assert re.search(rf"\?{p.name}\b", body), f"?{p.name} declared but unused"
    used = set(re.findall(r"-p (\w+)=", nq.example))
    assert used <= {p.name for p in nq.params}
    if "CONSTRUCT" not in body:
        assert "ORDER BY" in body, "answers must be deterministic"


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_example_runs_and_is_deterministic(sample, name):
    from kg.serve.page import example_params

    params = example_params(QUERIES[name].example)
    first = sample.query(name, **params)
    assert sample.query(name, **params) == first


# --- sample build: answers read off the data -----------------------------------------------

def test_programme_regions_by_year(sample):
    rows = sample.query("programme-regions-by-year", programme="一村一法律顾问")
    got = [(r["year"], r["regionName"], r["planned"], r["source"]) for r in rows]
    assert got == [  # graph.nt: implementation/…/%E4%B8%80%E6%9D%91…/YEAR and fz:planned
        (2020, "宣汉县", False, "001_ef7d1cd6b277190b.txt"),
        (2021, "镜湖区", False, "000_d64034255a0dea92.txt"),
        (2021, "坪山区", False, "002_39ab342cec40676a.txt"),
        (2022, "潞州区", False, "003_bbae543c794aacc6.txt"),
        (2022, "镜湖区", True, "000_d64034255a0dea92.txt"),
        (2023, "潞州区", True, "003_bbae543c794aacc6.txt"),
        (2024, "慈溪市", False, "004_ee1a30afe18954bd.txt"),
    ]
    assert {r["provinceName"] for r in rows} == {"四川省", "安徽省", "广东省", "山西省", "浙江省"}
    assert sample.query("programme-regions-by-year", programme="一村一法律顾问", province="浙江") == rows[-1:]


def test_adoption_table(sample, facts):
    rows = sample.query("adoption-table", programme="枫桥经验")
    assert [(r["regionName"], r["code"], r["firstYear"]) for r in rows] == [
        ("宣汉县", "511722", 2020), ("镜湖区", "340202", 2021), ("坪山区", "440310", 2021),
        ("潞州区", "140403", 2022)]
    # the whole table against a recomputation from graph.nt
    first: dict = {}
    for i in facts["impls"]:
        if not i["planned"]:
            key = (facts["label"][i["region"]], facts["pref"][i["programme"]])
            first[key] = min(first.get(key, 9999), i["year"])
    table = {(r["regionName"], r["programmeName"]): r["firstYear"] for r in sample.query("adoption-table")}
    assert table == first
    # the question: counties in 浙江 reporting 一村一法律顾问 before a year
    q = dict(programme="一村一法律顾问", province="浙江", level="county")
    assert [(r["regionName"], r["firstYear"]) for r in sample.query("adoption-table", before=2025, **q)] == [
        ("慈溪市", 2024)]
    assert sample.query("adoption-table", before=2024, **q) == []


def test_programmes_per_province(sample, facts):
    expected = defaultdict(set)
    for i in facts["impls"]:
        if not i["planned"]:
            expected[facts["label"][facts["province"](i["region"])]].add(i["programme"])
    rows = sample.query("programmes-per-province")
    assert {r["provinceName"]: r["programmes"] for r in rows} == {k: len(v) for k, v in expected.items()}
    counts = [r["programmes"] for r in rows]  # ORDER BY DESC(?programmes)
    assert counts == sorted(counts, reverse=True) and len(rows) == 5
    regions = defaultdict(set)  # one county per province, and in 浙江 a township it credits
    for i in facts["impls"]:
        if not i["planned"]:
            regions[facts["label"][facts["province"](i["region"])]].add(i["region"])
    assert {r["provinceName"]: r["regions"] for r in rows} == {k: len(v) for k, v in regions.items()}
    assert all(r["reports"] == 1 for r in rows)
    assert [r["provinceName"] for r in sample.query("programmes-per-province", year=2021)] == ["安徽省", "广东省"]


def test_programme_spread(sample):
    rows = sample.query("programme-spread", programme="枫桥经验")
    assert [(r["provinceName"], r["prefectureName"], r["regionName"], r["level"], r["firstYear"])
            for r in rows] == [
        ("四川省", "达州市", "宣汉县", "county", 2020), ("安徽省", "芜湖市", "镜湖区", "county", 2021),
        ("山西省", "长治市", "潞州区", "county", 2022), ("广东省", "深圳市", "坪山区", "county", 2021)]


def test_most_cited_documents(sample, facts):
    g = facts["g"]
    cited = {d for d in g.subjects(RDF.type, FZ.PolicyDocument) if (None, FZ.mentions, d) in g}
    rows = sample.query("most-cited-documents")
    assert len(rows) == len(cited) == 60
    assert {r["reports"] for r in rows} == {1}  # no document is cited by two sample reports
    assert [r["title"] for r in rows] == sorted(r["title"] for r in rows)
    national = sample.query("most-cited-documents", level="national")
    assert [r["title"] for r in national] == [
        "法律援助法", "法治政府建设实施纲要(2015—2020年)", "法治政府建设实施纲要(2021—2025)",
        "法治政府建设实施纲要(2021—2025年)"]


def test_programme_agencies(sample, facts):
    rows = sample.query("programme-agencies", programme="访调对接")
    assert [(r["agencyName"], r["kind"], r["jurisdictionName"], r["firstYear"]) for r in rows] == [
        ("坪山区人民法院", "court", "坪山区", 2021), ("潞州区人民法院", "court", "潞州区", 2022)]
    named = {facts["label"][i["agency"]] for i in facts["impls"]
             if i["agency"] is not None and facts["pref"][i["programme"]] == "访调对接"}
    assert named == {r["agencyName"] for r in rows}


def test_evidence_is_verbatim_in_the_report(sample, sample_build):
    rows = sample.query("evidence", region="慈溪市", programme="一村一法律顾问")
    assert [(r["year"], r["planned"], r["source"]) for r in rows] == [(2024, False, "004_ee1a30afe18954bd.txt")]
    text = (CORPUS / rows[0]["source"]).read_text(encoding="utf-8")
    assert rows[0]["evidence"] in text
    # a province by short name and a county by code reach the same fact
    assert sample.query("evidence", region="浙江", programme="一村一法律顾问") == rows
    assert sample.query("evidence", region="330282", programme="一村一法律顾问") == rows
    every = sample.query("evidence", region="慈溪市")
    manifest = json.loads((sample_build[0] / "manifest.json").read_text(encoding="utf-8"))
    [entry] = [e for e in manifest["entries"] if e["source"] == "004_ee1a30afe18954bd.txt"]
    assert len(every) == entry["counts"]["implementations"]
    for r in every:
        assert r["evidence"] in (CORPUS / r["source"]).read_text(encoding="utf-8")


def test_co_occurring_programmes(sample, facts):
    per_report = defaultdict(set)
    for i in facts["impls"]:
        per_report[i["report"]].add(facts["pref"][i["programme"]])
    pairs: dict = defaultdict(int)
    for progs in per_report.values():
        for a in progs:
            for b in progs:
                if a < b:
                    pairs[(a, b)] += 1
    expected = {k: v for k, v in pairs.items() if v >= 2 and "枫桥经验" in k}
    rows = sample.query("co-occurring-programmes", programme="枫桥经验")
    assert {(r["programmeA"], r["programmeB"]): r["reports"] for r in rows} == expected
    assert (rows[0]["programmeA"], rows[0]["programmeB"], rows[0]["reports"]) == ("一村一法律顾问", "枫桥经验", 4)
    everything = sample.query("co-occurring-programmes")
    assert len(everything) == sum(1 for v in pairs.values() if v >= 2)
    assert everything[0]["reports"] == 5  # 一村一法律顾问 + 谁执法谁普法 appear in all five reports


def test_early_adopters_needs_peers(sample, facts):
    # every sample province has one reporting county (and 浙江 a township of it), so nobody
    # has province peers of its own level
    per_province = defaultdict(set)
    for i in facts["impls"]:
        per_province[(facts["province"](i["region"]), facts["level"][i["region"]])].add(i["region"])
    assert all(len(v) == 1 for v in per_province.values())
    assert sample.query("early-adopters") == []


def test_reports_by_year_region(sample, sample_build):
    manifest = json.loads((sample_build[0] / "manifest.json").read_text(encoding="utf-8"))
    impls = {e["source"]: e["counts"]["implementations"] for e in manifest["entries"]}
    rows = sample.query("reports-by-year-region")
    assert [(r["year"], r["regionName"], r["reports"], r["implementations"]) for r in rows] == [
        (2020, "宣汉县", 1, impls["001_ef7d1cd6b277190b.txt"]),
        (2021, "镜湖区", 1, impls["000_d64034255a0dea92.txt"]),
        (2021, "坪山区", 1, impls["002_39ab342cec40676a.txt"]),
        (2022, "潞州区", 1, impls["003_bbae543c794aacc6.txt"]),
        (2024, "慈溪市", 1, impls["004_ee1a30afe18954bd.txt"])]
    assert [r["regionName"] for r in sample.query("reports-by-year-region", province="四川")] == ["宣汉县"]


def test_candidate_programmes_sample_has_none(sample, sample_build):
    manifest = json.loads((sample_build[0] / "manifest.json").read_text(encoding="utf-8"))
    assert all(e["counts"]["candidate_programmes"] == 0 for e in manifest["entries"])
    assert sample.query("candidate-programmes") == []


def test_region_programmes(sample, facts):
    rows = sample.query("region-programmes", region="潞州区")
    mine = [i for i in facts["impls"] if facts["label"][i["region"]] == "潞州区"]
    assert len(rows) == len({i["programme"] for i in mine})
    by_name = {r["programmeName"]: r for r in rows}
    yicun = by_name["一村一法律顾问"]
    assert (yicun["firstYear"], yicun["lastYear"], yicun["implementations"], yicun["plannedOnly"]) == (
        2022, 2022, 2, False)
    only_planned = {facts["pref"][i["programme"]] for i in mine} - {
        facts["pref"][i["programme"]] for i in mine if not i["planned"]}
    assert {n for n, r in by_name.items() if r["plannedOnly"]} == only_planned
    assert all(r["firstYear"] is None for r in rows if r["plannedOnly"])


def test_programmes_by_theme(sample, facts):
    progs, impls = defaultdict(set), defaultdict(int)
    for i in facts["impls"]:
        if not i["planned"] and i["theme"] is not None:
            progs[i["theme"]].add(i["programme"])
            impls[i["theme"]] += 1
    rows = sample.query("programmes-by-theme")
    assert len(rows) == 12
    zh = {facts["g"].value(t, SKOS.prefLabel): t for t in progs}  # noqa: F841 - readability
    got = {r["themeName"]: (r["programmes"], r["implementations"]) for r in rows}
    for theme in progs:
        name = next(str(o) for o in facts["g"].objects(theme, SKOS.prefLabel) if o.language == "zh")
        assert got[name] == (len(progs[theme]), impls[theme])


def test_planned_programmes(sample, facts):
    rows = sample.query("planned-programmes", region="宣汉县")
    planned = {facts["pref"][i["programme"]] for i in facts["impls"]
               if i["planned"] and facts["label"][i["region"]] == "宣汉县"}
    assert {r["programmeName"] for r in rows} == planned and len(rows) == 14
    assert {r["year"] for r in rows} == {2021}


def test_programme_timeline(sample):
    rows = sample.query("programme-timeline", programme="枫桥经验")
    assert [(r["year"], r["regions"], r["newAdopters"]) for r in rows] == [(2020, 1, 1), (2021, 2, 2), (2022, 1, 1)]


def test_programme_subgraph_is_rdf(sample):
    triples = sample.query("programme-subgraph", programme="枫桥经验")
    impls = {t.subject for t in triples if t.object == ox.NamedNode(str(FZ.Implementation))}
    assert len(impls) == 4  # 宣汉 2020, 镜湖 2021, 坪山 2021, 潞州 2022: none planned


# --- the hand-made graph: peers, candidates, ties, hostile labels -----------------------

def test_synthetic_early_adopters(synthetic):
    rows = synthetic.query("early-adopters")
    assert [tuple(r.values()) for r in rows] == [
        ("一村一法律顾问", "浙江省", "慈溪市", "330282", 2019, 2020, 1),
        ("枫桥经验", "浙江省", "慈溪市", "330282", 2018, 2020, 2)]
    assert synthetic.query("early-adopters", programme="共享法庭") == []  # 余姚 and 余杭 tie in 2020
    assert synthetic.query("early-adopters", province="安徽") == []


def test_synthetic_spread_reads_down_the_hierarchy(synthetic):
    rows = synthetic.query("programme-spread", programme="新时代枫桥经验")  # an altLabel works too
    assert [(r["provinceName"], r["prefectureName"], r["regionName"], r["firstYear"]) for r in rows] == [
        ("安徽省", "芜湖市", "镜湖区", 2021),
        ("浙江省", None, "浙江省", 2017), ("浙江省", "宁波市", "宁波市", 2018),
        ("浙江省", "宁波市", "慈溪市", 2018), ("浙江省", "宁波市", "龙山镇", 2019),
        ("浙江省", "杭州市", "余杭区", 2020), ("浙江省", "宁波市", "余姚市", 2020)]  # ties: by code


def test_synthetic_timeline_counts_new_adopters_once(synthetic):
    rows = synthetic.query("programme-timeline", programme="枫桥经验")
    assert [(r["year"], r["regions"], r["newAdopters"]) for r in rows] == [
        (2017, 1, 1), (2018, 2, 2), (2019, 2, 1), (2020, 2, 2), (2021, 1, 1)]


def test_synthetic_candidates(synthetic):
    rows = synthetic.query("candidate-programmes")
    assert [(r["label"], r["reports"], r["implementations"], r["firstSource"], r["exampleEvidence"])
            for r in rows] == [
        ("共享法庭", 2, 2, "yh-2020.txt", "建成共享法庭12个。"),
        ("三治融合", 1, 0, "jh-2021.txt", None),
        (HOSTILE_LABEL, 0, 0, None, None)]


def test_synthetic_most_cited(synthetic):
    rows = synthetic.query("most-cited-documents")
    assert [(r["title"], r["reports"], r["regions"]) for r in rows] == [
        ("法治政府建设实施纲要(2021—2025年)", 3, 3), ("浙江省法治政府建设实施方案", 2, 1),
        ("宁波市行政规范性文件管理办法", 1, 1)]


def test_synthetic_co_occurrence(synthetic):
    rows = synthetic.query("co-occurring-programmes")
    assert [tuple(r.values()) for r in rows] == [("一村一法律顾问", "枫桥经验", 3), ("共享法庭", "枫桥经验", 2)]


def test_synthetic_evidence_includes_regions_inside(synthetic):
    rows = synthetic.query("evidence", region="慈溪", programme="枫桥经验")
    assert [(r["regionName"], r["year"]) for r in rows] == [("慈溪市", 2018), ("慈溪市", 2019), ("龙山镇", 2019)]
    planned = synthetic.query("evidence", region="余杭区", programme="枫桥经验")
    assert [(r["year"], r["planned"]) for r in planned] == [(2020, False), (2021, True)]


def test_hostile_label_is_matched_as_data(synthetic):
    assert synthetic.query("programme-regions-by-year", programme=HOSTILE_LABEL) == []
    rows = synthetic.query("SELECT ?p WHERE { ?p skos:prefLabel ?l FILTER(STR(?l) = ?name) }", name=HOSTILE_LABEL)
    assert rows == [{"p": "https://w3id.org/fazhi-kg/id/programme/hostile"}]
    assert len(synthetic) == 248 + len(graph_derived_triples(Graph().parse(DATA / "synthetic.ttl")))
