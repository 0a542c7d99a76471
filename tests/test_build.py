"""End to end: the sample corpus, specific facts, determinism, bad inputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import build
from kg.resources import SAMPLE_CORPUS
from kg.store import open_store

PREFIX = """PREFIX fz: <https://w3id.org/fazhi-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


def select(store, query, **bindings):
    subs = {ox.Variable(k): (v if isinstance(v, ox.Literal | ox.NamedNode) else ox.Literal(v))
            for k, v in bindings.items()}
    return [[None if t is None else t.value for t in row]
            for row in store.query(PREFIX + query, substitutions=subs)]


@pytest.fixture(scope="module")
def store(sample_build):
    out, _ = sample_build
    return open_store(out)


def test_all_sample_reports_built_and_valid(sample_build):
    out, result = sample_build
    assert [e.status for e in result.entries] == ["ok"] * 5
    assert result.violations == []
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["summary"]["ok"] == 5
    jinghu = next(e for e in manifest["entries"] if e["source"].startswith("000_"))
    assert jinghu["report"].startswith("https://w3id.org/fazhi-kg/id/report/")
    assert jinghu["counts"]["programmes"] >= 20 and jinghu["counts"]["agencies"] >= 10


def test_jinghu_implements_fengqiao_in_2021_with_its_sentence(store):
    rows = select(store, """
        SELECT ?year ?evidence ?source ?name WHERE {
          ?imp a fz:Implementation ; fz:programme ?p ; fz:region ?r ; fz:year ?year ;
               fz:evidence ?evidence ; fz:planned false ; prov:wasDerivedFrom ?rep .
          ?p skos:prefLabel ?name . ?r fz:adminCode "340202" . ?rep dcterms:source ?source .
        }""", name=ox.Literal("枫桥经验", language="zh"))
    assert len(rows) == 1
    year, evidence, source, _ = rows[0]
    assert year == "2021" and source.startswith("000_")
    assert "枫桥经验" in evidence
    assert evidence in (SAMPLE_CORPUS / source).read_text(encoding="utf-8")


def test_luzhou_resolves_to_140403_under_changzhi_under_shanxi(store):
    rows = select(store, """
        SELECT ?code ?level ?pcode ?gcode ?wkt ?approx WHERE {
          ?r rdfs:label "潞州区"@zh ; fz:adminCode ?code ; fz:level ?level ;
             fz:partOf ?p ; fz:approximateLocation ?approx ; <http://www.opengis.net/ont/geosparql#hasGeometry>/<http://www.opengis.net/ont/geosparql#asWKT> ?wkt .
          ?p fz:adminCode ?pcode ; rdfs:label "长治市"@zh ; fz:partOf ?g .
          ?g fz:adminCode ?gcode ; rdfs:label "山西省"@zh .
        }""")
    assert len(rows) == 1
    code, level, pcode, gcode, wkt, approx = rows[0]
    assert (code, level, pcode, gcode) == ("140403", "county", "140400", "140000")
    assert wkt.startswith("POINT(113.") and approx == "true"


def test_report_metadata_and_publisher(store):
    rows = select(store, """
        SELECT ?year ?issued ?pub ?region ?source WHERE {
          ?rep dcterms:source ?source ; fz:yearCovered ?year ; dcterms:issued ?issued ;
               dcterms:publisher/rdfs:label ?pub ; fz:aboutRegion/rdfs:label ?region .
        }""", source="003_bbae543c794aacc6.txt")
    assert rows == [["2022", "2023-02-01", "潞州区司法局", "潞州区", "003_bbae543c794aacc6.txt"]]


def test_every_mention_is_typed(store):
    rows = select(store, """
        SELECT ?x WHERE { ?rep fz:mentions ?x .
          FILTER NOT EXISTS { ?x a ?c FILTER(?c IN (fz:Region, fz:Agency, fz:Programme, fz:PolicyDocument)) } }""")
    assert rows == []


def test_two_builds_give_byte_identical_ntriples(sample_build, tmp_path):
    out, _ = sample_build
    build.run(None, tmp_path / "again")
    assert (tmp_path / "again" / "graph.nt").read_bytes() == (out / "graph.nt").read_bytes()
    lines = (out / "graph.nt").read_text(encoding="utf-8").splitlines()
    assert lines == sorted(set(lines)) and len(lines) > 1000


def test_bad_inputs_are_recorded_and_the_rest_builds(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SAMPLE_CORPUS / "003_bbae543c794aacc6.txt", src / "good.txt")
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    gbk = (SAMPLE_CORPUS / "001_ef7d1cd6b277190b.txt").read_text(encoding="utf-8")
    (src / "gbk 报告.txt").write_bytes(gbk.encode("gb18030"))
    (src / "broken.html").write_text(
        "<html><head><title>报告</title><script>alert(1)</script><body><div><p>2021年,"
        "镜湖区司法局坚持和发展新时代“枫桥经验”<p>未闭合<div><table><tr><td>broken", encoding="utf-8")
    (src / "notes.doc").write_bytes(b"\xd0\xcf\x11\xe0 legacy Word")
    result = build.run([src], tmp_path / "out")
    by_source = {e.source: e for e in result.entries}
    assert by_source["good.txt"].status == "ok"
    assert by_source["gbk 报告.txt"].status == "ok"
    assert by_source["broken.html"].status == "ok"
    assert by_source["empty.txt"].status == "failed" and "empty" in by_source["empty.txt"].reason
    assert by_source["binary.txt"].status == "failed" and "binary" in by_source["binary.txt"].reason
    assert by_source["notes.doc"].status == "skipped"
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["summary"]["failed"] == 2
    # the GBK copy of 宣汉县's report yields the same facts as the UTF-8 original
    store = open_store(tmp_path / "out")
    rows = select(store, "SELECT ?r ?s WHERE { ?rep dcterms:source ?s ; fz:aboutRegion/fz:adminCode ?r }",
                  s="gbk 报告.txt")
    assert rows == [["511722", "gbk 报告.txt"]]


def test_same_report_twice_is_one_report_with_both_sources_recorded(tmp_path):
    src = tmp_path / "in"
    (src / "a").mkdir(parents=True)
    (src / "b").mkdir()
    for sub in ("a", "b"):
        shutil.copy(SAMPLE_CORPUS / "000_d64034255a0dea92.txt", src / sub / "r.txt")
    result = build.run([src], tmp_path / "out")
    statuses = sorted(e.status for e in result.entries)
    assert statuses == ["duplicate", "ok"]
    dup = next(e for e in result.entries if e.status == "duplicate")
    ok = next(e for e in result.entries if e.status == "ok")
    assert dup.report == ok.report and f"also-at:{dup.source}" in ok.flags


def test_streamed_graph_equals_the_in_memory_graph(sample_build):
    """The streaming build (per-report lines, external sort) gives exactly rdflib's graph."""
    from kg import gazetteer, ingest, thesaurus
    from kg.extract import extract
    from kg.graph import build
    from kg.store import sorted_ntriples

    out, _ = sample_build
    docs = [ingest.read(p, p.name) for p in sorted(SAMPLE_CORPUS.glob("*.txt"))]
    g = build([extract(d) for d in docs], gazetteer=gazetteer.load(), thesaurus=thesaurus.load())
    assert sorted_ntriples(g).encode("utf-8") == (out / "graph.nt").read_bytes()


@pytest.mark.parametrize("mode", ["full", "sample"])
def test_shacl_violations_are_reported_in_either_validation_mode(tmp_path, monkeypatch, mode):
    from rdflib import Literal
    from rdflib.namespace import RDFS

    from kg import graph

    real = graph.triples

    def with_a_second_label(ext, **kw):
        for t in real(ext, **kw):
            yield t
            if t[1] == RDFS.label and "/agency/" in str(t[0]):
                yield t[0], RDFS.label, Literal("又一个名称", lang="zh")

    monkeypatch.setattr(graph, "triples", with_a_second_label)
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SAMPLE_CORPUS / "003_bbae543c794aacc6.txt", src / "r.txt")
    result = build.run([src], tmp_path / "out", workers=1, validate=mode, spread=False)
    assert any("fzid:agency/" in v and "rdfs:label" in v for v in result.violations)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["summary"]["shacl_violations"] == len(result.violations) > 0
    assert manifest["summary"]["validation"] == mode


def test_sampled_reports_are_validated_together_and_their_violations_kept(tmp_path, monkeypatch):
    """In ``sample`` mode the sampled reports' subgraphs are validated after the extraction,
    together: a report's violation is still its own, and a duplicate's lines (not in the
    graph) are not validated."""
    from kg.build import validation

    real = validation.validate_report

    def validate(lines, codes):  # pyshacl's findings, and one planted per report named so
        planted = [f"planted:{ln.split()[-2]}" for ln in lines
                   if "/terms/source>" in ln and ('"b.txt"' in ln or '"c.txt"' in ln)]
        return real(lines, codes) + planted

    monkeypatch.setattr(validation, "validate_report", validate)  # forked processes inherit it
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SAMPLE_CORPUS / "003_bbae543c794aacc6.txt", src / "a.txt")
    shutil.copy(SAMPLE_CORPUS / "001_ef7d1cd6b277190b.txt", src / "b.txt")
    shutil.copy(SAMPLE_CORPUS / "001_ef7d1cd6b277190b.txt", src / "c.txt")  # b's duplicate
    result = build.run([src], tmp_path / "out", workers=2, validate="sample", spread=False)
    assert result.violations == ['planted:"b.txt"']
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["summary"]["shacl_violations"] == 1
    assert [e["status"] for e in manifest["entries"]] == ["ok", "ok", "duplicate"]


def test_extract_without_spacy_doc_equals_the_spacy_pipeline():
    """kg.extract.extract runs the stages straight over the text; the spaCy path agrees."""
    from kg import ingest
    from kg.extract import build_nlp, extract

    nlp = build_nlp()
    for path in sorted(SAMPLE_CORPUS.glob("*.txt")):
        document = ingest.read(path, path.name)
        assert extract(document) == extract(document, nlp)
    doc = nlp("2021年,镜湖区司法局坚持和发展新时代“枫桥经验”。")
    assert [s.kb_id_ for s in doc.spans["fz_programme"]] == ["枫桥经验"]


def test_an_unquoted_measure_inside_a_cited_title_is_not_a_mention():
    from kg.extract import build_nlp, extract
    from kg.types import Document

    text = ("镜湖区司法局2021年法治政府建设情况年度报告\n"
            "2021年,区司法局完善制定了《行政执法责任制度(试行)》,坚持和发展新时代“枫桥经验”。"
            "组织起草了《镜湖区“八五”普法规划》。")
    for nlp in (None, build_nlp()):
        ext = extract(Document(source="x.txt", text=text), nlp)
        assert {h.concept for h in ext.programmes} == {"枫桥经验", "八五普法"}
        assert [i.programme for i in ext.implementations] == ["枫桥经验", "八五普法"]
        assert [d.title for d in ext.documents] == ["行政执法责任制度(试行)", "镜湖区“八五”普法规划"]


@pytest.mark.skipif(not (Path(__file__).resolve().parents[1].parent / "shared" / "gold").is_dir(),
                    reason="../shared/gold (the gold annotations) is not beside the repository")
def test_kg_eval_is_green_on_the_sample_corpus(sample_build):
    """kg.eval.thresholds against ../shared/gold (issue 13's targets: F1 ≥ 0.95 regions,
    codes, report metadata; ≥ 0.97 documents; ≥ 0.90 agencies; ≥ 0.88 programmes; ≥ 0.85
    implementations)."""
    from rdflib import Graph

    from kg.eval import evaluate, format_table

    out, _ = sample_build
    gold = Path(__file__).resolve().parents[1].parent / "shared" / "gold"
    result = evaluate(gold, Graph().parse(out / "graph.nt"))
    assert result.passed(), format_table(result)
    assert not result.missing_docs


SHARED = Path(__file__).resolve().parents[1].parent / "shared"
# The sample five's figures before the development passages came (issue 13: they must not drop)
SAMPLE_FLOOR = {"regions": 1.0, "region_codes": 1.0, "agencies": 0.990, "programmes": 0.993,
                "documents": 1.0, "report": 1.0, "implementations": 0.946}


@pytest.mark.skipif(not (SHARED / "passages" / "gold").is_dir(),
                    reason="../shared/passages (the development passages) is not beside the repository")
def test_kg_eval_is_green_on_the_49_development_documents(tmp_path):
    """The five sample reports and the 44 passages built together and scored in one table,
    as `kg eval --gold ../shared/gold --gold ../shared/passages/gold --build` does."""
    from rdflib import Graph

    from kg import build
    from kg.eval import evaluate, format_table

    result = build.run([SHARED / "corpus", SHARED / "passages" / "corpus"], tmp_path / "out",
                          validate="none", spread=False)
    assert len(result.ok) == 49 and not result.failed
    graph = Graph().parse(tmp_path / "out" / "graph.nt")
    both = evaluate([SHARED / "gold", SHARED / "passages" / "gold"], graph)
    assert not both.missing_docs
    assert both.passed(), format_table(both)
    sample = evaluate(SHARED / "gold", graph)
    for aspect, floor in SAMPLE_FLOOR.items():
        assert sample.scores[aspect].f1 >= floor - 1e-3, (aspect, format_table(sample))
