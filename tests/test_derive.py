"""kg/derive.py: the derived facts (adoptions, province-year summaries, coverage, report counts).

They are checked three ways: against an independent derivation from the graph's own
implementation facts (:func:`kg.derive.graph_derived_triples`), across ``kg build
--update`` (equal to a clean build's after reports are deleted and changed), and through
the research queries, whose rewritten forms must answer exactly as the forms that read the
implementation facts (kept in tests/data/queries-reference/) on a generated corpus.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF

from kg import build
from kg.derive import DERIVED_CLASSES, DERIVED_PREDICATES, adoption_iri, graph_derived_triples
from kg.namespaces import FZ, mint
from kg.query import engine, library
from kg.store import open_store
from kg.synth import generate

REFERENCE = Path(__file__).parent / "data" / "queries-reference"
SYNTHETIC = Path(__file__).parent / "data" / "query" / "synthetic.ttl"


def _split(g: Graph) -> tuple[Graph, set]:
    """(the graph without its derived facts, the derived facts)."""
    derived = {t for t in g if t[1] in DERIVED_PREDICATES
               or (t[1] == RDF.type and t[2] in DERIVED_CLASSES)}
    base = Graph()
    for t in g:
        if t not in derived:
            base.add(t)
    return base, derived


def _derived(out: Path) -> set:
    return _split(Graph().parse(out / "graph.nt", format="nt"))[1]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated corpus of 200 reports, built, with a programme and a region of its truth."""
    root = tmp_path_factory.mktemp("derive")
    generate(200, root / "corpus", seed=7)
    # and two edge cases: a report that names no region, one that only plans
    extra = root / "corpus" / "reports" / "extra"
    extra.mkdir()
    (extra / "none.txt").write_text("2021年法治政府建设情况年度报告\n\n全面推进“枫桥经验”。\n", encoding="utf-8")
    (extra / "plan.txt").write_text(
        "鸠江区2021年法治政府建设情况年度报告\n\n二、下一年度工作计划\n2022年,鸠江区将推进“共享法庭”建设。\n",
        encoding="utf-8")
    build.run([root / "corpus" / "reports"], root / "out", validate="none", spread=False)
    with (root / "corpus" / "truth.csv").open(encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    with (root / "corpus" / "reports.csv").open(encoding="utf-8") as f:
        names = {r["region_code"]: r["region"] for r in csv.DictReader(f)}
    programmes = [p for p, _ in Counter(t["programme"] for t in truth).most_common(2)]
    regions = [names[c] for c, _ in Counter(t["region_code"] for t in truth).most_common(2)]
    return root / "out", programmes, regions


# --- the facts themselves -------------------------------------------------------------------

def test_sample_derived_facts_follow_from_the_implementation_facts(sample_build):
    out, _ = sample_build
    base, derived = _split(Graph().parse(out / "graph.nt", format="nt"))
    assert derived == graph_derived_triples(base)
    assert (None, RDF.type, FZ.Adoption) in Graph().parse(out / "graph.nt", format="nt")


def test_generated_derived_facts_follow_from_the_implementation_facts(generated):
    out, _, _ = generated
    g = Graph().parse(out / "graph.nt", format="nt")
    base, derived = _split(g)
    assert derived == graph_derived_triples(base)
    # and, counted directly: one adoption per region and programme carried out
    carried = {(g.value(i, FZ.region), g.value(i, FZ.programme))
               for i in g.subjects(RDF.type, FZ.Implementation)
               if not g.value(i, FZ.planned).toPython()}
    assert {(g.value(a, FZ.adopter), g.value(a, FZ.adoptedProgramme))
            for a in g.subjects(RDF.type, FZ.Adoption)} == carried
    assert set(g.subject_objects(FZ.carriedOut)) == carried
    derived_from = Counter(r for i, r in g.subject_objects(PROV.wasDerivedFrom)
                           if (i, RDF.type, FZ.Implementation) in g)
    for report in g.subjects(RDF.type, FZ.Report):
        assert g.value(report, FZ.implementationCount) == Literal(derived_from[report]), report


def test_generated_coverage_is_the_corpus_report_years(generated):
    """One fz:RegionYearCoverage per (region, year) some report is about: on a generated
    corpus, exactly the county-years kg synth wrote a report for, with every report of that
    county-year (department copies too) and their document kinds."""
    out, _, _ = generated
    g = Graph().parse(out / "graph.nt", format="nt")
    with (out.parent / "corpus" / "reports.csv").open(encoding="utf-8") as f:
        written = list(csv.DictReader(f))
    expected = Counter((r["region_code"], r["year"]) for r in written)
    expected[("340207", "2021")] += 1  # extra/plan.txt (extra/none.txt names no region)
    found = Counter()
    for cov in g.subjects(RDF.type, FZ.RegionYearCoverage):
        key = (str(g.value(g.value(cov, FZ.coverageRegion), FZ.adminCode)),
               str(g.value(cov, FZ.coverageYear)))
        reports = set(g.objects(cov, FZ.coverageReport))
        found[key] = len(reports)
        kinds = {g.value(r, FZ.documentKind) for r in reports}
        assert set(g.objects(cov, FZ.coverageKind)) == kinds, key
        assert kinds <= {FZ.GovernmentReport, FZ.DepartmentReport}, key  # synth's publishers
        assert cov == URIRef(mint("coverage", *key))
    assert found == expected


def test_planned_work_is_not_adopted():
    g = Graph()
    report, impl, region, prog = (URIRef(mint(k, "x")) for k in ("report", "implementation", "region", "programme"))
    g.add((report, RDF.type, FZ.Report))
    for p, o in ((FZ.programme, prog), (FZ.region, region), (FZ.year, Literal("2021")),
                 (FZ.planned, Literal(True))):
        g.add((impl, p, o))
    g.add((impl, PROV.wasDerivedFrom, report))
    derived = graph_derived_triples(g)
    assert {p for _, p, _ in derived} == {FZ.implementationCount, FZ.reportedProgramme}
    assert adoption_iri(str(region), str(prog)) == URIRef(mint("adoption", "x", "x"))


# --- kg build --update keeps them exact -----------------------------------------------------

REPORT = "{region}2021年法治政府建设情况年度报告\n\n{body}\n"
JINGHU = REPORT.format(region="镜湖区", body="镜湖区司法局推进“枫桥经验”,建立一村一法律顾问制度。")
JIUJIANG = REPORT.format(region="鸠江区", body="鸠江区司法局推进“枫桥经验”。")
JINGHU_2 = REPORT.format(region="镜湖区", body="镜湖区司法局开展普法宣传。")


def test_update_keeps_shared_derived_facts_exact(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(JINGHU, encoding="utf-8")
    (src / "b.txt").write_text(JIUJIANG, encoding="utf-8")
    out = tmp_path / "out"
    build.run([src], out, workers=1, spread=False)
    summary = URIRef(mint("summary", "340000", "2021"))
    prog = URIRef(mint("programme", "枫桥经验"))
    first = _derived(out)
    assert (summary, FZ.summaryProgramme, prog) in first  # asserted by a.txt and b.txt

    steps = [
        lambda: (src / "a.txt").unlink(),  # b.txt still asserts the line
        lambda: (src / "a.txt").write_text(JINGHU_2, encoding="utf-8"),  # a report without it
        lambda: (src / "b.txt").write_text(JINGHU_2.replace("普法宣传", "法治宣传"), encoding="utf-8"),
    ]
    for i, step in enumerate(steps):
        step()
        updated = build.run([src], out, update=True, workers=1, spread=False)
        assert updated.stats.get("in_place")
        build.run([src], tmp_path / f"clean{i}", workers=1, spread=False)
        assert (out / "graph.nt").read_bytes() == (tmp_path / f"clean{i}" / "graph.nt").read_bytes()
        base, derived = _split(Graph().parse(out / "graph.nt", format="nt"))
        assert derived == graph_derived_triples(base)
        assert ((summary, FZ.summaryProgramme, prog) in derived) == (i < 2)
        covered = {str(s).rsplit("/", 2)[1] for s, _, o in derived
                   if o == FZ.RegionYearCoverage}  # 镜湖区 340202, 鸠江区 340207
        assert covered == [{"340207"}, {"340202", "340207"}, {"340202"}][i]


# --- the rewritten queries answer as the reference forms --------------------------------------

def _rows(store, query, bindings):
    prepared = engine.prepare(query, bindings)
    result = engine.execute(store, prepared)
    if prepared.form == "CONSTRUCT":
        return sorted(str(t) for t in result)
    return [tuple(str(v) if v is not None else "" for v in row) for row in result]


def _binding_sets(name: str, programmes: list[str], regions: list[str]) -> list[dict[str, str]]:
    nq = library.get(name)
    example = dict(re.findall(r"-p\s+(\w+)=(\S+)", nq.example))
    values = {"programme": programmes, "region": regions, "province": ["浙江", "四川"],
              "level": ["county"], "before": ["2020"], "year": ["2021"]}
    required = {p.name: values.get(p.name, [example.get(p.name)])[0] for p in nq.params if not p.optional}
    sets = [{**required, **{k: values.get(k, [v])[0] for k, v in example.items()}}]
    if not required:
        sets.append({})
    for p in nq.params:
        for v in values.get(p.name, []):
            b = {**required, p.name: v}
            if b not in sets:
                sets.append(b)
    return sets


REWRITTEN = sorted(p.stem for p in REFERENCE.glob("*.rq"))


def test_reference_forms_are_the_rewritten_queries():
    assert REWRITTEN and set(REWRITTEN) <= set(library.library())
    for name in REWRITTEN:  # the reference forms read implementation facts only
        text = (REFERENCE / f"{name}.rq").read_text(encoding="utf-8")
        used = {m for m in re.findall(r"fz:(\w+)", text)}
        assert not used & {str(p).split("#")[1] for p in DERIVED_PREDICATES}, name


@pytest.fixture(scope="module")
def synthetic_store(tmp_path_factory):
    """The hand-made graph of the query tests with its derived facts."""
    g = Graph().parse(SYNTHETIC)
    for t in graph_derived_triples(g):
        g.add(t)
    store = ox.Store()
    store.load(g.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)
    return store


@pytest.mark.parametrize("name", REWRITTEN)
def test_rewritten_query_answers_as_the_reference(name, generated, sample_build, synthetic_store):
    out, programmes, regions = generated
    answered = 0
    stores = [(open_store(out), programmes, regions),
              (open_store(sample_build[0]), ["枫桥经验", "一村一法律顾问"], ["潞州区", "宣汉县"]),
              (synthetic_store, ["枫桥经验", "共享法庭"], ["慈溪", "浙江省"])]
    for store, progs, regs in stores:
        for bindings in _binding_sets(name, progs, regs):
            expected = _rows(store, REFERENCE / f"{name}.rq", bindings)
            assert _rows(store, name, bindings) == expected, bindings
            answered += len(expected)
    assert answered > 0
