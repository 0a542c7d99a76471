"""The graph explorer without a browser: the ego network against SPARQL, the caps with
"N more", the layout, name resolution and ``kg viz --explore``."""

from __future__ import annotations

import json
import math
import re

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.commands.viz import command as viz_command
from kg.errors import KGError
from kg.store import open_store
from kg.viz.explore import CAPS, ego_network, page_name, resolve_entity
from kg.viz.synth import synth_store

FZ = "https://w3id.org/fazhi-kg/ontology#"
REGION = "https://w3id.org/fazhi-kg/id/region/"
FENGQIAO = "https://w3id.org/fazhi-kg/id/programme/%E6%9E%AB%E6%A1%A5%E7%BB%8F%E9%AA%8C"


def sparql(store: ox.Store, text: str, **bound: str) -> set[str]:
    subs = {ox.Variable(k): ox.NamedNode(v) for k, v in bound.items()}
    rows = store.query("PREFIX fz: <https://w3id.org/fazhi-kg/ontology#> "
                       "PREFIX prov: <http://www.w3.org/ns/prov#> " + text, substitutions=subs)
    return {r["x"].value for r in rows}


def test_ego_network_of_a_region_is_its_programmes_agencies_reports_regions_and_teachers(diffusion_build):
    store = open_store(diffusion_build)
    zhuji = REGION + "330681"
    ego = ego_network(store, zhuji, depth=1)
    g = ego.graph
    around = {v: g.edges[zhuji, v]["rel"] for v in g.successors(zhuji)}
    expected = {
        "carried-out": sparql(store, "SELECT ?x ?n WHERE { ?i fz:region ?n ; fz:programme ?x }", n=zhuji),
        "agency": sparql(store, "SELECT ?x ?n WHERE { ?x fz:jurisdiction ?n }", n=zhuji),
        "report": sparql(store, "SELECT ?x ?n WHERE { ?x fz:aboutRegion ?n }", n=zhuji),
        "above": sparql(store, "SELECT ?x ?n WHERE { ?n fz:partOf ?x }", n=zhuji),
        "taught": sparql(store, "SELECT ?x ?n WHERE { ?i fz:learnedFrom ?n ; fz:region ?x }", n=zhuji),
    }
    assert expected["taught"] == {REGION + "330324"}  # 永嘉县 learnt 枫桥经验 from 诸暨
    for rel, nodes in expected.items():
        assert nodes and {v for v, r in around.items() if r == rel} == nodes, rel
    assert g.nodes[FENGQIAO]["label"] == "枫桥经验" and g.nodes[FENGQIAO]["kind"] == "programme"
    assert ego.positions[zhuji] == (0.0, 0.0)
    # a second step reaches the other regions that carried out the same programme
    two = ego_network(store, zhuji, depth=2).graph
    assert REGION + "330111" in {n for n, d in two.nodes(data="depth") if d == 2}  # 富阳区
    assert two.nodes[REGION + "330324"]["depth"] == 1


@pytest.fixture(scope="module")
def national():
    return synth_store(programmes=40)


def test_large_neighbourhood_is_capped_with_n_more_and_laid_out_in_rings(national):
    ego = ego_network(national, FENGQIAO, depth=2, max_nodes=300)
    g = ego.graph
    adopters = sparql(national, "SELECT DISTINCT ?x ?p WHERE { ?i fz:programme ?p ; fz:region ?x }", p=FENGQIAO)
    assert len(adopters) > 500
    shown = [v for v in g.successors(FENGQIAO) if g.edges[FENGQIAO, v]["rel"] == "carried-out-by"]
    real = [v for v in shown if not g.nodes[v]["more"]]
    (more,) = [v for v in shown if g.nodes[v]["more"]]
    assert len(real) == CAPS[0] and set(real) <= adopters
    assert g.nodes[more]["more"] == len(adopters) - CAPS[0]
    assert g.nodes[more]["label"] == f"还有 {len(adopters) - CAPS[0]} 个 / {len(adopters) - CAPS[0]} more"
    assert g.number_of_nodes() <= 300 + 2 * len(list(g.successors(FENGQIAO)))  # the budget (+ "more" nodes)
    # the earliest adopters are the ones kept
    first = {r["x"].value: int(r["y"].value) for r in national.query(
        "PREFIX fz: <https://w3id.org/fazhi-kg/ontology#> SELECT ?x (MIN(STR(?yy)) AS ?y) ?p WHERE {"
        " ?i fz:programme ?p ; fz:region ?x ; fz:year ?yy } GROUP BY ?x ?p",
        substitutions={ox.Variable("p"): ox.NamedNode(FENGQIAO)})}
    assert max(first[v] for v in real) <= min(first[v] for v in adopters - set(real))
    # one ring per depth around the centre
    radius = {d: {round(math.hypot(*ego.positions[n]), 0) for n, dd in g.nodes(data="depth") if dd == d}
              for d in (1, 2)}
    (r1,), (r2,) = radius[1], radius[2]
    assert 0 < r1 < r2


def test_names_resolve_to_one_entity_or_say_why_not(diffusion_build):
    store = open_store(diffusion_build)
    assert resolve_entity(store, "330681") == REGION + "330681"
    assert resolve_entity(store, "枫桥经验") == FENGQIAO
    assert resolve_entity(store, FENGQIAO) == FENGQIAO
    report = resolve_entity(store, "诸暨市司法局2020年法治政府建设情况报告")
    assert "/report/" in report
    with pytest.raises(KGError, match="not found.*枫桥经验"):
        resolve_entity(store, "枫桥经")
    with pytest.raises(KGError, match="is no region"):
        ego_network(store, "https://w3id.org/fazhi-kg/id/nothing")


def test_kg_viz_explore_writes_the_page_the_spread_view_links_to(diffusion_build):
    result = CliRunner().invoke(viz_command, ["--out", str(diffusion_build), "--explore", "诸暨市", "--depth", "1"])
    assert result.exit_code == 0, result.output
    path = diffusion_build / "explore" / page_name(REGION + "330681")
    assert str(path) in result.output
    html = path.read_text(encoding="utf-8")
    assert "<script src" not in html and "<link" not in html and "cdnjs" not in html and "jsdelivr" not in html
    nodes = json.loads(re.search(r'<script id="explore-nodes" type="application/json">(.*?)</script>', html).group(1))
    assert {n["id"] for n in nodes if n["depth"] == 1} == set(ego_network(open_store(diffusion_build), REGION + "330681",
                                                                            depth=1).graph) - {REGION + "330681"}
    bad = CliRunner().invoke(viz_command, ["--out", str(diffusion_build), "--explore", "火星县"])
    assert bad.exit_code == 2 and "未在图谱中找到 / not found" in bad.output
