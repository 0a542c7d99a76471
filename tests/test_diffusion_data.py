"""Diffusion-ready data against a generated corpus whose truth `kg synth` knows.

The corpus: 150 reports of the 15 counties of 绍兴市 (3306) and 金华市 (3307), which border
each other, 2015–2024; then a dozen county-years *without* an adoption event are deleted, so
that the truth of every first year stays the same while those years have no data. The
export must then say exactly which county-years have a report (coverage), leave the deleted
years empty in the panel before adoption (missing, not 0), and count exposure at t − 1 from
the truth's first years and the shipped adjacency.
"""

from __future__ import annotations

import pandas as pd
import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from kg import build
from kg.export.neighbours import adjacency
from kg.export import make_tables, panel_for
from kg.namespaces import FZ
from kg.synth import generate


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("diffusion")
    generate(150, root / "corpus", seed=3, within=("3306", "3307"))
    truth = pd.read_csv(root / "corpus" / "truth.csv", dtype={"region_code": "string"})
    reports = pd.read_csv(root / "corpus" / "reports.csv", dtype={"region_code": "string"})
    events = set(zip(truth["region_code"], truth["first_year"], strict=True))
    quiet = reports[[(c, y) not in events for c, y in
                     zip(reports["region_code"], reports["year"], strict=True)]]
    dropped = quiet.sample(12, random_state=1)
    for name in dropped["file"]:
        (root / "corpus" / "reports" / name).unlink()
    kept = reports[~reports["file"].isin(dropped["file"])]
    build.run([root / "corpus" / "reports"], root / "out", validate="none", spread=False)
    tables = make_tables(root / "out")
    return {
        "out": root / "out",
        "truth": truth,
        "kept": set(zip(kept["region_code"], kept["year"], strict=True)),
        "dropped": set(zip(dropped["region_code"], dropped["year"], strict=True)),
        "tables": tables,
        "panel": panel_for(tables),
    }


def test_adoptions_are_the_truth(world):
    ad, truth = world["tables"].adoptions, world["truth"]
    assert set(zip(ad["adcode"], ad["programme"], ad["first_year"], strict=True)) == set(
        zip(truth["region_code"], truth["programme"], truth["first_year"], strict=True))


def test_coverage_is_the_reports_kept_in_the_table_and_in_the_graph(world):
    cov = world["tables"].coverage
    assert set(zip(cov["adcode"], cov["year"], strict=True)) == world["kept"]
    assert not world["dropped"] & set(zip(cov["adcode"], cov["year"], strict=True))
    assert (cov["n_reports"] == cov["n_government"] + cov["n_department"] + cov["n_township"]).all()
    g = Graph().parse(world["out"] / "graph.nt", format="nt")
    nodes = {(str(g.value(g.value(c, FZ.coverageRegion), FZ.adminCode)), int(g.value(c, FZ.coverageYear)))
             for c in g.subjects(RDF.type, FZ.RegionYearCoverage)}
    assert nodes == world["kept"]


def _truth_first(world) -> dict[tuple[str, str], int]:
    t = world["truth"]
    return {(c, p): int(y) for c, p, y in zip(t["region_code"], t["programme"], t["first_year"],
                                              strict=True)}


def test_panel_missing_years_are_the_years_without_a_report(world):
    panel, first = world["panel"], _truth_first(world)
    seen = 0
    for row in panel.itertuples(index=False):
        fy = first.get((row.adcode, row.programme))
        adopted_by_then = fy is not None and fy <= row.year
        if adopted_by_then:
            assert row.adopted == 1 and row.event == int(fy == row.year), row
        elif (row.adcode, row.year) in world["kept"]:
            assert row.adopted == 0 and row.event == 0 and row.reported == 1, row
        else:
            assert pd.isna(row.adopted) and pd.isna(row.event) and row.reported == 0, row
            seen += (row.adcode, row.year) in world["dropped"]
    assert seen > 50  # the deleted years show up as missing, programme by programme
    assert panel["event"].sum() == len(world["truth"])


def test_panel_exposure_is_lagged_counts_of_the_truth(world):
    panel, first = world["panel"], _truth_first(world)
    counties = sorted({c for c, _ in world["kept"]})
    adj = adjacency()
    border = {(a, b) for a, b in zip(adj["code_a"], adj["code_b"], strict=True)}
    neighbours = {c: [d for d in counties if (c, d) in border or (d, c) in border] for c in counties}
    peers = {c: [d for d in counties if d != c and d[:4] == c[:4]] for c in counties}
    assert sum(map(len, neighbours.values())) > 20  # the two prefectures border each other

    def adopted_before(others: list[str], programme: str, year: int) -> int:
        return sum(first.get((d, programme), 9999) <= year - 1 for d in others)

    def known_before(others: list[str], programme: str, year: int) -> int:
        return sum(first.get((d, programme), 9999) <= year - 1 or (d, year - 1) in world["kept"]
                   for d in others)

    for row in panel.itertuples(index=False):
        nb, pe = neighbours[row.adcode], peers[row.adcode]
        assert (row.n_neighbours, row.n_peers) == (len(nb), len(pe)), row
        assert row.neighbours_adopted == adopted_before(nb, row.programme, row.year), row
        assert row.peers_adopted == adopted_before(pe, row.programme, row.year), row
        assert row.peer_exposure == pytest.approx(row.peers_adopted / len(pe))
        assert row.neighbours_known == known_before(nb, row.programme, row.year), row
        assert row.peers_known == known_before(pe, row.programme, row.year), row
    assert panel["neighbours_adopted"].sum() > 100
    # the deleted county-years make some neighbours' state unknown
    assert (panel["neighbours_known"] < panel["n_neighbours"]).sum() > 50


def test_ties_and_gaps_before_adoption(world):
    ad, truth = world["tables"].adoptions, world["truth"]
    ranks = truth.groupby("programme")["first_year"].rank(method="dense").astype(int)
    tied = truth.groupby(["programme", "first_year"])["region_code"].transform("size") - 1
    expected = {(c, p): (r, n) for c, p, r, n in
                zip(truth["region_code"], truth["programme"], ranks, tied, strict=True)}
    got = {(c, p): (r, n) for c, p, r, n in
           zip(ad["adcode"], ad["programme"], ad["adoption_order"], ad["same_year_adopters"],
               strict=True)}
    assert got == expected and max(n for _, n in got.values()) > 0  # there are ties
    before = {(c, p): (c, y - 1) in world["kept"] for c, p, y in
              zip(ad["adcode"], ad["programme"], ad["first_year"], strict=True)}
    assert dict(zip(zip(ad["adcode"], ad["programme"], strict=True), ad["reported_before"],
                    strict=True)) == before
    assert not all(before.values()) and any(before.values())
    # lapse: the later years the county's own reports cover, without mentioning it
    for r in ad.itertuples(index=False):
        later = sum(c == r.adcode and y > r.last_year for c, y in world["kept"])
        assert r.years_reported_after == later
        assert r.possible_lapse == (r.n_mention_years == 1 and later > 0)
    assert ad["possible_lapse"].any() and not ad["possible_lapse"].all()


def test_synth_within_draws_reporting_counties_only(tmp_path):
    """Drawing the reporting counties from two prefectures keeps the same programmes (the
    spread is simulated before the counties are drawn); an unknown prefix is refused."""
    import json

    generate(20, tmp_path / "all", seed=3)
    generate(20, tmp_path / "two", seed=3, within=("3306", "3307"))
    meta = [json.loads((tmp_path / d / "truth.json").read_text(encoding="utf-8")) for d in ("all", "two")]
    assert meta[0]["programmes"] == meta[1]["programmes"] and meta[1]["within"] == ["3306", "3307"]
    two = pd.read_csv(tmp_path / "two" / "reports.csv", dtype={"region_code": "string"})
    assert set(two["region_code"].str[:4]) <= {"3306", "3307"}
    with pytest.raises(ValueError, match="no county code"):
        generate(5, tmp_path / "none", seed=3, within=("99",))


def test_exported_neighbours_are_the_panel_denominators(world, tmp_path):
    from kg.export import export, read_table

    export(world["out"], to=tmp_path, formats=["neighbours", "hierarchy", "panel"])
    nb = read_table(tmp_path / "neighbours.csv")
    nb = nb[nb["observed"]]
    degree = pd.concat([nb["code_a"], nb["code_b"]]).value_counts()
    panel = read_table(tmp_path / "panel.csv")
    n = panel.groupby("adcode")["n_neighbours"].first()
    assert (n == degree.reindex(n.index, fill_value=0)).all() and n.sum() > 20
    hier = read_table(tmp_path / "hierarchy.csv").set_index("adcode")
    peers = panel.groupby("adcode")["n_peers"].first()
    observed = hier[hier["observed"]]
    for code, k in peers.items():
        same = observed[(observed["parent_code"] == hier.at[code, "parent_code"])
                        & (observed["level"] == "county")]
        assert k == len(same) - 1, code


def test_netdiffuser_exposure_at_t_minus_1_is_the_panels(world, tmp_path):
    """netdiffuseR's exposure (the share of a vertex's neighbours whose time of adoption is at
    or before t), computed from netdiffuser_edges.csv and adoption_times.csv, is the panel's
    neighbour_exposure one year later: the panel's lag, checked on the files themselves."""
    import numpy as np

    from kg.export import export, read_table
    from kg.export.research import programme_id

    export(world["out"], to=tmp_path, formats=["netdiffuser", "adoption_times", "panel", "codebook"])
    e = read_table(tmp_path / "netdiffuser_edges.csv")
    labels = sorted(set(e["ego"]) | set(e["alter"].dropna()))
    index = {c: i for i, c in enumerate(labels)}
    adj = np.zeros((len(labels), len(labels)))
    for a, b in zip(e["ego"], e["alter"], strict=True):
        if pd.notna(b):
            adj[index[a], index[b]] = adj[index[b], index[a]] = 1
    times = pd.read_csv(tmp_path / "adoption_times.csv", dtype={"adcode": "string"}).set_index("adcode")
    assert list(times.index) == labels
    panel = read_table(tmp_path / "panel.csv").set_index(["adcode", "programme", "year"])
    book = read_table(tmp_path / "codebook.csv").set_index("programme")
    degree = adj.sum(axis=1)
    checked = 0
    for programme in panel.index.get_level_values("programme").unique():
        toa = times[programme_id(book.at[programme, "programme_iri"])].to_numpy()
        for year in range(2016, 2025):
            cum = np.nan_to_num(toa, nan=9999) <= year - 1  # adopted by t − 1
            exposure = np.divide(adj @ cum, degree, out=np.full(len(labels), np.nan), where=degree > 0)
            for code, x in zip(labels, exposure, strict=True):
                if (code, programme, year) in panel.index:
                    got = panel.at[(code, programme, year), "neighbour_exposure"]
                    assert (pd.isna(got) and np.isnan(x)) or got == pytest.approx(x), (code, year)
                    checked += 1
    assert checked > 2000


def test_synth_cli_within(tmp_path):
    from click.testing import CliRunner

    from kg.cli import main

    ok = CliRunner().invoke(main, ["synth", "--reports", "10", "--within", "3306", "--out", str(tmp_path / "a")])
    assert ok.exit_code == 0, ok.output
    codes = pd.read_csv(tmp_path / "a" / "reports.csv", dtype={"region_code": "string"})["region_code"]
    assert len(codes) == 10 and codes.str.startswith("3306").all()
    bad = CliRunner().invoke(main, ["synth", "--reports", "5", "--within", "99", "--out", str(tmp_path / "b")])
    assert bad.exit_code == 2 and "--within" in bad.output and "99" in bad.output
