"""Diffusion analytics on a small synthetic graph whose answers are known by construction.

The toy world (codes are real, so the shipped boundary adjacency applies):

    浙江省 330000 ─ 宁波市 330200 ─ 海曙区 330203 (a1), 江北区 330205 (a2), 北仑区 330206 (a3)
                 └ 杭州市 330100 ─ 上城区 330102 (b1), 拱墅区 330105 (b2)

Boundary neighbours among them: a1–a2 and b1–b2 only (a3 borders neither).
Programmes: P1–P3 spread a1 2019 → a2 2020 → a3 2021; Q1–Q3 are adopted by b1
(2019) and b2 (2020) only; X (枫桥经验) starts at the prefecture 宁波市 in 2018,
then a1 2019, a2 2020, with a national document cited; Q1 reaches the province
in 2021 (bottom-up). One plan (a3 P2 2022) and one candidate programme (b1 2020).
"""

from __future__ import annotations

import pandas as pd
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from kg.analyse import analyse, community_table, exposure_summary
from kg.analyse.curves import adoption_curves
from kg.export.neighbours import adjacency, neighbour_pairs, peer_pairs
from kg.export.network import coadoption_graph, communities, precedence_graph, region_centrality
from kg.export import Scope, make_tables, panel_for
from kg.namespaces import FZ, GEO, ID, mint
from kg.store import write_graph

REGIONS = {  # code: (name, level, parent, lon, lat)
    "330000": ("浙江省", "province", None, 120.15, 30.27),
    "330200": ("宁波市", "prefecture", "330000", 121.55, 29.87),
    "330100": ("杭州市", "prefecture", "330000", 120.21, 30.25),
    "330203": ("海曙区", "county", "330200", 121.55, 29.86),
    "330205": ("江北区", "county", "330200", 121.56, 29.89),
    "330206": ("北仑区", "county", "330200", 121.84, 29.90),
    "330102": ("上城区", "county", "330100", 120.17, 30.24),
    "330105": ("拱墅区", "county", "330100", 120.14, 30.32),
}
GYEAR = URIRef("http://www.w3.org/2001/XMLSchema#gYear")
A1, A2, A3, B1, B2 = "330203", "330205", "330206", "330102", "330105"
NATIONAL_DOC = "法治政府建设实施纲要(2015—2020年)"
# (region, programme, year, planned)
FACTS = [
    (A1, "P1", 2019, False),
    (A2, "P1", 2020, False),
    (A3, "P1", 2021, False),
    (A1, "P2", 2019, False),
    (A2, "P2", 2020, False),
    (A3, "P2", 2021, False),
    (A1, "P3", 2019, False),
    (A2, "P3", 2020, False),
    (A3, "P3", 2021, False),
    (A2, "P3", 2021, False),  # a later, second mention: last_year 2021, first_year stays 2020
    (B1, "Q1", 2019, False),
    (B2, "Q1", 2020, False),
    (B1, "Q2", 2019, False),
    (B2, "Q2", 2020, False),
    (B1, "Q3", 2019, False),
    (B2, "Q3", 2020, False),
    ("330200", "枫桥经验", 2018, False),
    (A1, "枫桥经验", 2019, False),
    (A2, "枫桥经验", 2020, False),
    ("330000", "Q1", 2021, False),
    (A3, "P2", 2022, True),  # a plan, made in a 2021 report
    (B1, "候选举措", 2020, False),  # a candidate (uncurated) programme
]
THEMES = {
    "P1": "t-p",
    "P2": "t-p",
    "P3": "t-p",
    "Q1": "t-q",
    "Q2": "t-q",
    "Q3": "t-q",
    "枫桥经验": "dispute-resolution",
}


def u(kind: str, *parts: str) -> URIRef:
    return URIRef(mint(kind, *parts))


def toy_graph() -> Graph:
    g = Graph()
    for code, (name, level, parent, lon, lat) in REGIONS.items():
        r = u("region", code)
        g += [
            (r, RDF.type, FZ.Region),
            (r, RDFS.label, Literal(name, lang="zh")),
            (r, FZ.adminCode, Literal(code)),
            (r, FZ.level, Literal(level)),
            (r, GEO.hasGeometry, URIRef(f"{r}/geometry")),
            (
                URIRef(f"{r}/geometry"),
                GEO.asWKT,
                Literal(f"POINT({lon} {lat})", datatype=GEO.wktLiteral),
            ),
        ]
        if parent:
            g.add((r, FZ.partOf, u("region", parent)))
    for prog, theme in THEMES.items():
        p, t = u("programme", prog), URIRef(f"{ID}theme/{theme}")
        g += [
            (p, RDF.type, FZ.Programme),
            (p, SKOS.prefLabel, Literal(prog, lang="zh")),
            (p, FZ.curated, Literal(True)),
            (p, SKOS.broader, t),
            (t, RDF.type, FZ.Theme),
            (t, SKOS.prefLabel, Literal(f"主题{theme}", lang="zh")),
            (t, SKOS.prefLabel, Literal(f"theme {theme}", lang="en")),
        ]
    cand = u("programme", "候选举措")
    g += [
        (cand, RDF.type, FZ.Programme),
        (cand, SKOS.prefLabel, Literal("候选举措", lang="zh")),
        (cand, FZ.curated, Literal(False)),
    ]
    doc = u("document", NATIONAL_DOC)
    g += [
        (doc, RDF.type, FZ.PolicyDocument),
        (doc, DCTERMS.title, Literal(NATIONAL_DOC, lang="zh")),
        (doc, FZ.level, Literal("national")),
    ]
    # one report per region and year covered; every county also reports for 2021
    reports = {(code, y) for code, _, y, planned in FACTS if not planned} | {
        (c, 2021) for c in (A1, A2, A3, B1, B2)
    }
    for code, year in sorted(reports):
        rep = u("report", code, str(year))
        g += [
            (rep, RDF.type, FZ.Report),
            (rep, DCTERMS.source, Literal(f"{code}-{year}.txt")),
            (rep, FZ.yearCovered, Literal(str(year), datatype=GYEAR)),
            (rep, FZ.aboutRegion, u("region", code)),
        ]
    for code, prog, year, planned in FACTS:
        rep = u("report", code, str(year - 1 if planned else year))
        imp = u("implementation", code, prog, str(year))
        evidence = f"{REGIONS[code][0]}推行{prog}。"
        if prog == "枫桥经验":
            evidence = f"根据《{NATIONAL_DOC}》,坚持发展{prog}。"
        g += [
            (imp, RDF.type, FZ.Implementation),
            (imp, FZ.region, u("region", code)),
            (imp, FZ.programme, u("programme", prog)),
            (imp, FZ.year, Literal(str(year), datatype=GYEAR)),
            (imp, PROV.wasDerivedFrom, rep),
            (imp, FZ.evidence, Literal(evidence)),
            (imp, FZ.planned, Literal(planned)),
        ]
    return g


@pytest.fixture(scope="module")
def toy_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("toy-build")
    write_graph(toy_graph(), out)
    return out


@pytest.fixture(scope="module")
def toy(toy_build):
    return analyse(toy_build, seed=0)


def _row(frame: pd.DataFrame, **where: object) -> pd.Series:
    sel = frame
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, (where, sel)
    return sel.iloc[0]


def test_adoptions_first_year_scope(toy):
    ad = toy.tables.adoptions
    assert len(ad) == 19  # 21 facts − a second P3 mention − the plan − the candidate
    p3 = _row(ad, adcode=A2, programme="P3")
    assert (p3["first_year"], p3["last_year"], p3["n_reports"], p3["n_facts"]) == (2020, 2021, 2, 2)
    assert p3["evidence_source"] == f"{A2}-2020.txt"  # the evidence supports the first year
    assert "候选举措" not in set(ad["programme"])
    assert not ((ad["adcode"] == A3) & (ad["programme"] == "P2") & (ad["first_year"] == 2022)).any()
    # mentions: P3 in a2 twice (2020, 2021); P1 in a1 once, then a1 reports 2021 without it
    assert (p3["n_mention_years"], p3["years_reported_after"], p3["possible_lapse"]) == (2, 0, False)
    p1 = _row(ad, adcode=A1, programme="P1")
    assert (p1["n_mention_years"], p1["years_reported_after"], p1["possible_lapse"]) == (1, 1, True)
    assert (p1["adoption_order"], p1["same_year_adopters"], p1["reported_before"]) == (1, 0, False)
    assert _row(ad, adcode=A3, programme="P1")["adoption_order"] == 3
    assert not _row(ad, adcode=A3, programme="P1")["possible_lapse"]  # its last report mentions it
    cov = toy.tables.coverage
    assert cov.loc[cov["adcode"] == A1, "year"].tolist() == [2019, 2021]
    assert set(cov["kinds"]) == {"unknown"} and (cov["n_reports"] == 1).all()  # no fz:documentKind
    x = _row(ad, adcode=A1, programme="枫桥经验")
    assert (x["prefecture"], x["province"], x["theme_id"]) == (
        "宁波市",
        "浙江省",
        "dispute-resolution",
    )


def test_scope_flags_add_candidates_and_plans(toy_build):
    wide = make_tables(
        toy_build, scope=Scope(include_candidates=True, include_planned=True)
    ).adoptions
    assert _row(wide, adcode=B1, programme="候选举措")["curated"] == False  # noqa: E712
    assert (
        _row(wide, adcode=A3, programme="P2")["first_year"] == 2021
    )  # the plan is later, not earlier
    plans_only = make_tables(toy_build, scope=Scope(include_planned=True)).adoptions
    assert len(plans_only) == 19


def test_regions_and_censoring(toy):
    reg = toy.tables.regions.set_index("adcode")
    assert set(reg.index) == set(REGIONS) - {"330100"}  # 杭州市 has no report and no fact
    assert reg.at[A1, "last_report_year"] == 2021 and reg.at[A1, "first_report_year"] == 2019
    assert reg.at["330200", "last_report_year"] == 2018
    assert (
        reg.at[A1, "prefecture_code"] == "330200"
        and reg.at["330200", "prefecture_code"] == "330200"
    )


def test_curves_count_cumulative_adopters(toy):
    c = toy.curves[toy.curves["programme"] == "P1"].set_index("year")
    assert c["new"].to_dict() == {2019: 1, 2020: 1, 2021: 1}
    assert c["cumulative"].to_dict() == {2019: 1, 2020: 2, 2021: 3}
    assert c["share"].iloc[-1] == pytest.approx(3 / 5)  # five observed counties
    direct = adoption_curves(toy.tables.adoptions, toy.tables.regions, programmes=["Q1"])
    assert direct.set_index("year")["cumulative"].to_dict() == {2019: 1, 2020: 2, 2021: 3}


def test_hierarchy_order(toy):
    t = toy.tiers.set_index("programme")
    assert t.at["枫桥经验", "national_year"] == 2015
    assert t.at["枫桥经验", "national_document"] == NATIONAL_DOC
    assert (t.at["枫桥经验", "prefecture_year"], t.at["枫桥经验", "county_year"]) == (2018, 2019)
    assert t.at["枫桥经验", "order"] == "national → prefecture → county"
    assert t.at["枫桥经验", "pattern"] == "top-down"
    assert t.at["Q1", "pattern"] == "bottom-up"  # county 2019, province 2021
    assert t.at["P1", "pattern"] == "single-tier"
    v = toy.vertical
    a1 = _row(v, adcode=A1, programme="枫桥经验")
    assert a1["prefecture_year"] == 2018 and bool(a1["after_ancestor"])
    b2 = _row(v, adcode=B2, programme="Q1")  # the province adopted later: not after an ancestor
    assert b2["province_year"] == 2021 and not bool(b2["after_ancestor"])


def test_shipped_adjacency_is_sane():
    adj = adjacency()
    assert len(adj) > 8000 and set(adj["level"]) == {"county", "prefecture", "province"}
    assert (adj["code_a"] < adj["code_b"]).all()
    pairs = set(zip(adj["code_a"], adj["code_b"], strict=True))
    assert ("110101", "110102") in pairs  # 东城区–西城区
    assert ("330203", "330205") in pairs and ("330203", "330206") not in pairs
    codes = set(adj["code_a"]) | set(adj["code_b"])
    assert "431181" in codes and "431121" not in codes  # 祁阳市 under its current GB/T code
    degree = pd.concat([adj["code_a"], adj["code_b"]]).value_counts()
    assert 4 < degree.mean() < 7  # a planar map of counties


def test_peer_and_neighbour_pairs(toy):
    reg = toy.tables.regions
    peers = set(zip(*peer_pairs(reg).T.values, strict=True))
    assert (A1, A2) in peers and (A1, A3) in peers and (A1, B1) not in peers
    assert ("330200", "330100") not in peers  # 杭州市 is not observed
    nb = set(zip(*neighbour_pairs(reg).T.values, strict=True))
    assert nb == {(A1, A2), (A2, A1), (B1, B2), (B2, B1)}


def test_panel_exposure_by_construction(toy):
    p = toy.panel.set_index(["adcode", "programme", "year"])
    assert p.index.is_unique
    a2 = p.loc[(A2, "P1", 2020)]
    assert (a2["event"], a2["at_risk"], a2["adopted"]) == (1, 1, 1)
    assert (a2["peers_adopted"], a2["n_peers"], a2["peer_exposure"]) == (1, 2, 0.5)
    assert (a2["neighbours_adopted"], a2["n_neighbours"], a2["neighbour_exposure"]) == (1, 1, 1.0)
    assert a2["neighbours_known"] == 1  # a1 had a report for 2019 (and adopted then)
    a1 = p.loc[(A1, "P1", 2019)]  # a2 had no report for 2018 and had not adopted: unknown
    assert (a1["neighbours_known"], a1["peers_known"], a1["n_peers"]) == (0, 0, 2)
    # 2021: by 2020 a2 had adopted (known), a3 had neither adopted nor a report (unknown)
    assert p.loc[(A1, "P1", 2021), "peers_known"] == 1

    a3 = p.loc[(A3, "P1", 2021)]
    assert (
        a3["peer_exposure"] == 1.0 and a3["n_neighbours"] == 0 and pd.isna(a3["neighbour_exposure"])
    )
    assert p.loc[(A1, "P1", 2019), "peer_exposure"] == 0.0
    # after adoption: no longer at risk, still adopted
    assert (p.loc[(A1, "P1", 2020), "at_risk"], p.loc[(A1, "P1", 2020), "adopted"]) == (0, 1)
    # vertical exposure: 宁波市 adopted 枫桥经验 in 2018, so a1 in 2019 had an adopted ancestor
    assert p.loc[(A1, "枫桥经验", 2019), "ancestor_adopted"] == 1
    assert p.loc[(A1, "P1", 2019), "ancestor_adopted"] == 0
    # right-censoring: 宁波市's last report covers 2018, so its rows stop there
    assert p.xs("330200", level="adcode").index.get_level_values("year").max() == 2018
    assert p.loc[(A1, "P1"), "reported"].to_dict() == {2018: 0, 2019: 1, 2020: 0, 2021: 1}
    # no report of its own before adoption: missing, not 0; after adoption: known adopted
    assert p.loc[(A1, "P1"), "adopted"].tolist() == [pd.NA, 1, 1, 1]
    assert pd.isna(p.loc[(A3, "P1", 2020), "event"]) and p.loc[(A3, "P1", 2021), "event"] == 1
    assert p.loc[(B1, "P1", 2021), "adopted"] == 0  # b1 reported 2021 and never adopted P1
    # every unit-programme starts at the earliest adoption year in the data
    assert p.index.get_level_values("year").min() == 2018


def test_exposure_summary_hazards(toy):
    s = exposure_summary(toy.panel).set_index(["covariate", "bucket"])
    total_events = int(toy.panel.loc[toy.panel["n_peers"] > 0, "event"].sum())
    assert s.xs("peer_exposure")["events"].sum() == total_events
    assert (s["hazard"].dropna().between(0, 1)).all()


def test_coadoption_communities_and_centrality(toy):
    g = coadoption_graph(toy.tables.adoptions)
    assert g["p:P1"]["p:P2"]["weight"] == 3 and g["p:P1"]["p:P2"]["jaccard"] == 1.0
    assert g["p:Q1"]["p:Q2"]["weight"] == 2  # b1, b2 (the province adopted Q1 alone)
    assert not g.has_edge("p:P1", "p:Q1")
    comm = communities(g, seed=0)
    groups = {frozenset(n for n, c in comm.items() if c == k) for k in set(comm.values())}
    assert groups == {
        frozenset({"p:P1", "p:P2", "p:P3", "p:枫桥经验"}),
        frozenset({"p:Q1", "p:Q2", "p:Q3"}),
    }
    assert communities(g, seed=0) == communities(g, seed=0)  # deterministic
    table = community_table(g, comm)
    assert list(table["size"]) == [4, 3]
    top = toy.programme_centrality.iloc[0]["programme"]
    assert top in {"P1", "P2", "P3"}  # the biggest, densest clique


def test_precedence_and_leading_regions(toy):
    prec = precedence_graph(toy.tables.adoptions)
    assert prec[A1][A2]["weight"] == 4  # P1, P2, P3, 枫桥经验
    assert not prec.has_edge(A2, A1)
    rc = region_centrality(toy.tables.adoptions, toy.tables.regions).set_index("adcode")
    assert rc.at[A3, "led"] == 0 and rc.at[A3, "followed"] == 6  # P1–P3, after a1 and a2
    assert rc.at[A1, "leadership"] > rc.at[A3, "leadership"]
    assert rc.iloc[0].name == "330200" or rc.at["330200", "led"] == 2


def test_panel_for_matches_documented_dtypes(toy):
    from kg.export.schema import pandas_dtypes

    panel = panel_for(toy.tables)
    assert {c: str(t) for c, t in panel.dtypes.items()} == pandas_dtypes("panel")
