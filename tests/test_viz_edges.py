"""Diffusion edges and coverage of the spread view, without a browser.

The inference rules (kg.viz.edges) on hand-made graphs; then the five-report corpus of
``conftest.diffusion_build``, built for real. The year ramp is checked under simulated
colour-vision deficiencies.
"""

from __future__ import annotations

import json
import math

from kg.resources import data_file
from kg.store import open_store
from kg.thesaurus import surface_label
from kg.viz import spread_data
from kg.viz.data import year_ramp
from kg.viz.edges import (
    Citation,
    Document,
    Edge,
    LearnedFact,
    adjacency,
    diffusion_edges,
    inferred_edges,
    learned_edges,
    provincial_documents,
)

# a province P with prefecture F; F's counties A, B, C (A–B and B–C share a boundary);
# county D in another province Q
PARENT = {"F": "P", "A": "F", "B": "F", "C": "F", "D": "Q"}
PROVINCE = {"F": "P", "A": "P", "B": "P", "C": "P", "D": "Q", "P": "P", "Q": "Q"}
NEIGHBOURS = {"A": ["B"], "B": ["A", "C"], "C": ["B"]}


def rules(**extra):
    return {"parent": PARENT, "province": PROVINCE, "neighbours": NEIGHBOURS, **extra}


def test_learned_edge_goes_from_the_origin_to_the_adopter_once_at_its_earliest():
    facts = [LearnedFact("m", "A", 2022, ("D",), 7), LearnedFact("m", "A", 2021, ("D", "A"), 3),
             LearnedFact("n", "B", 2020, ("D",))]
    assert learned_edges(facts) == [Edge("m", "D", "A", 2021, "learned", 3),
                                    Edge("n", "D", "B", 2020, "learned", -1)]


def test_parent_rule_needs_the_region_above_to_be_earlier():
    first = {"m": {"F": 2018, "A": 2020, "B": 2018, "C": 2017}}
    edges = inferred_edges(first, **rules(neighbours={}))
    assert edges == [Edge("m", "F", "A", 2020, "parent")]  # B: same year; C: before F


def test_neighbour_rule_takes_the_most_recent_earlier_neighbours():
    first = {"m": {"A": 2018, "C": 2019, "B": 2021}}
    edges = inferred_edges(first, **rules())
    assert [(e.source, e.target) for e in edges] == [("C", "B"), ("A", "B")]
    one = inferred_edges(first, **rules(max_neighbours=1))
    assert [(e.source, e.target, e.year, e.kind) for e in one] == [("C", "B", 2021, "neighbour")]
    same_year = inferred_edges({"m": {"A": 2021, "B": 2021}}, **rules())
    assert same_year == []


def test_document_rule_links_the_province_to_its_later_regions_only():
    first = {"m": {"A": 2019, "B": 2020, "D": 2021, "C": 2017}}
    docs = {"m": [Document(4, "P", 2019)]}
    edges = inferred_edges(first, **rules(neighbours={}, documents=docs))
    assert [(e.source, e.target, e.kind, e.note) for e in edges] == [
        ("P", "A", "document", 4), ("P", "B", "document", 4)]  # not C (before), not D (other province)


def test_no_inferred_edge_ends_where_the_text_names_an_origin():
    first = {"m": {"A": 2018, "B": 2021}}
    facts = [LearnedFact("m", "B", 2021, ("D",), 1)]
    edges = diffusion_edges(facts, first, **rules())
    assert edges == [Edge("m", "D", "B", 2021, "learned", 1)]
    assert diffusion_edges([], first, **rules()) == [Edge("m", "A", "B", 2021, "neighbour")]


def test_provincial_documents_are_matched_by_label_placed_by_citing_reports_dated_by_first_citation():
    citations = [
        Citation(0, "浙江省关于全面推行首违不罚的实施意见", "provincial", "P", 2021),
        Citation(0, "浙江省关于全面推行首违不罚的实施意见", "provincial", "P", 2019),
        Citation(0, "浙江省关于全面推行首违不罚的实施意见", "provincial", "Q", 2018),
        Citation(1, "某市首违不罚工作方案", "prefecture", "P", 2017),  # not provincial
        Citation(2, "浙江省法治政府建设实施方案", "provincial", "P", 2016),  # names no measure
    ]
    names = {"m": ["首违不罚", "首违免罚"], "n": ["一窗受理"]}
    assert provincial_documents(citations, names) == {"m": [Document(0, "P", 2018)]}


def test_adjacency_is_symmetric_and_knows_zhuji_neighbours():
    adj = adjacency()
    assert "330111" in adj["330681"] and "330681" in adj["330111"]  # 富阳区 – 诸暨市
    assert all(a in adj[b] for a, near in list(adj.items())[:200] for b in near)


def test_broken_quotes_never_make_an_alternative_label():
    for surface in ("首违不罚”清单", "“首违不罚", "坚持和发展新时代“枫桥经验", "“两所”联动”", "《条例"):
        label = surface_label(surface)
        assert label.count("“") == label.count("”") and label.count("《") == label.count("》"), label
    assert surface_label("“三官一律”进社区") == "“三官一律”进社区"  # a whole quotation stays
    assert surface_label("“一窗受理”") == "一窗受理"


def named(data: dict, i: int) -> tuple[str, str, str, int, str]:
    e, r = data["edges"], data["regions"]["label"]
    return (data["programmes"]["label"][e["programme"][i]], r[e["source"][i]], r[e["target"][i]],
            e["year"][i], data["rules"][e["kind"][i]]["kind"])


def test_built_graph_gives_the_learned_edge_with_its_sentence_and_the_neighbour_edge(diffusion_build):
    data = spread_data(open_store(diffusion_build))
    edges = [named(data, i) for i in range(len(data["edges"]["kind"]))]
    assert ("枫桥经验", "诸暨市", "永嘉县", 2022, "learned") in edges
    assert ("枫桥经验", "诸暨市", "富阳区", 2021, "neighbour") in edges
    learned = edges.index(("枫桥经验", "诸暨市", "永嘉县", 2022, "learned"))
    assert "学习借鉴浙江诸暨" in data["evidence"][data["edges"]["note"][learned]]
    # every region with a report is in the view (coverage), with its report's year
    reports = data["reports"]
    years = {data["regions"]["label"][r]: y for r, y in zip(reports["region"], reports["year"], strict=True)}
    assert years == {"诸暨市": 2020, "永嘉县": 2022, "富阳区": 2021, "慈溪市": 2022, "镜湖区": 2021}


def test_regions_at_one_point_are_moved_apart(sample_build):
    data = spread_data(open_store(sample_build[0]))
    r = data["regions"]
    points = [(x, y) for x, y in zip(r["x"], r["y"], strict=True) if x is not None]
    assert len(set(points)) == len(points)


def _lab(hex_colour: str, matrix=None) -> tuple[float, float, float]:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    rgb = [linear(int(hex_colour[i:i + 2], 16) / 255) for i in (1, 3, 5)]
    if matrix:
        rgb = [min(1.0, max(0.0, sum(matrix[i][j] * rgb[j] for j in range(3)))) for i in range(3)]
    x, y, z = (sum(m * c for m, c in zip(row, rgb, strict=True)) for row in
               ((0.4124, 0.3576, 0.1805), (0.2126, 0.7152, 0.0722), (0.0193, 0.1192, 0.9505)))

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
    fx, fy, fz = f(x / 0.95047), f(y), f(z / 1.08883)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


# Machado, Oliveira and Fernandes (2009), severity 1, on linear RGB
DEFICIENCIES = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}


def test_consecutive_years_stay_apart_for_colour_blind_readers():
    ramp = year_ramp()
    assert len(ramp) >= 11  # 2015–2025 each get their own colour
    lightness = [_lab(c)[0] for c in ramp]
    assert lightness == sorted(lightness)  # sequential: darker is earlier
    for name, matrix in [("normal", None), *DEFICIENCIES.items()]:
        steps = [math.dist(_lab(a, matrix), _lab(b, matrix)) for a, b in zip(ramp, ramp[1:], strict=False)]
        assert min(steps) > (10 if matrix is None else 6), (name, steps)
    # the ramp ships as data with its source
    meta = json.loads(data_file("year_ramp.json").read_text(encoding="utf-8"))
    assert "viridis" in meta["source"]
