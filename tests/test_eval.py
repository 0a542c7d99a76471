"""kg.eval: the scoring rules of the gold ANNOTATION.md, on hand-built graphs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from kg.eval import EvalResult, Score, evaluate, format_table, normalise, thresholds
from kg.namespaces import FZ, GEO, mint

# datatype IRIs as plain constants: pytest probes module globals, and the closed XSD
# namespace object warns on the unknown attributes it looks up
GYEAR = URIRef("http://www.w3.org/2001/XMLSchema#gYear")
DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")

DOC = "000_test.txt"
DOC2 = "001_test.txt"
SHARED_GOLD = Path(__file__).resolve().parents[1].parent / "shared" / "gold"  # ../shared beside the repo


# --------------------------------------------------------------------------- builders


def zh(text: str) -> Literal:
    return Literal(text, lang="zh")


class Builder:
    """Writes nodes in exactly the vocabulary the graph builder emits."""

    def __init__(self) -> None:
        self.g = rdflib.Graph()
        self._n = 0

    def report(self, source: str = f"corpus/{DOC}", **meta: Any) -> URIRef:
        rep = URIRef(mint("report", source))
        self.g.add((rep, RDF.type, FZ.Report))
        self.g.add((rep, FZ.documentKind, FZ.GovernmentReport))  # as kg build writes for every report
        self.g.add((rep, DCTERMS.source, Literal(source)))
        if "title" in meta:
            self.g.add((rep, DCTERMS.title, zh(meta["title"])))
        if "region" in meta:
            self.g.add((rep, FZ.aboutRegion, meta["region"]))
        if "publisher" in meta:
            self.g.add((rep, DCTERMS.publisher, meta["publisher"]))
        if "year" in meta:
            self.g.add((rep, FZ.yearCovered, Literal(str(meta["year"]), datatype=GYEAR)))
        if "issued" in meta:
            self.g.add((rep, DCTERMS.issued, Literal(meta["issued"], datatype=DATE)))
        return rep

    def _node(self, rep: URIRef | None, kind: str, cls: URIRef, key: str) -> URIRef:
        iri = URIRef(mint(kind, key))
        self.g.add((iri, RDF.type, cls))
        if rep is not None:
            self.g.add((rep, FZ.mentions, iri))
        return iri

    def region(
        self, rep: URIRef | None, name: str, *alts: str, code: str | None = None,
        level: str = "county",
    ) -> URIRef:
        iri = self._node(rep, "region", FZ.Region, code or name)
        self.g.add((iri, RDFS.label, zh(name)))
        self.g.add((iri, FZ.level, Literal(level)))
        for alt in alts:
            self.g.add((iri, SKOS.altLabel, zh(alt)))
        if code:
            self.g.add((iri, FZ.adminCode, Literal(code)))
        return iri

    def agency(self, rep: URIRef | None, name: str, *alts: str) -> URIRef:
        iri = self._node(rep, "agency", FZ.Agency, name)
        self.g.add((iri, RDFS.label, zh(name)))
        for alt in alts:
            self.g.add((iri, SKOS.altLabel, zh(alt)))
        return iri

    def programme(self, rep: URIRef | None, name: str, *alts: str) -> URIRef:
        iri = self._node(rep, "programme", FZ.Programme, name)
        self.g.add((iri, SKOS.prefLabel, zh(name)))
        for alt in alts:
            self.g.add((iri, SKOS.altLabel, zh(alt)))
        self.g.add((iri, FZ.curated, Literal(True)))
        return iri

    def document(self, rep: URIRef | None, title: str) -> URIRef:
        iri = self._node(rep, "document", FZ.PolicyDocument, title)
        self.g.add((iri, DCTERMS.title, zh(title)))
        self.g.add((iri, FZ.level, Literal("unknown")))
        return iri

    def implementation(
        self, rep: URIRef, programme: URIRef, year: int, *, planned: bool = False,
        region: URIRef | None = None,
    ) -> URIRef:
        self._n += 1
        iri = URIRef(mint("implementation", str(rep), str(self._n)))
        self.g.add((iri, RDF.type, FZ.Implementation))
        self.g.add((iri, FZ.programme, programme))
        self.g.add((iri, FZ.year, Literal(str(year), datatype=GYEAR)))
        self.g.add((iri, PROV.wasDerivedFrom, rep))
        self.g.add((iri, FZ.evidence, Literal("……")))
        self.g.add((iri, FZ.planned, Literal(planned)))
        if region is not None:
            self.g.add((iri, FZ.region, region))
        return iri


def item(name: str, *aliases: str, required: bool = True, **extra: Any) -> dict[str, Any]:
    return {"name": name, "aliases": list(aliases), "required": required,
            "evidence": f"证据:{name}", **extra}


def write_gold(
    gold: Path, doc: str = DOC, *, report: dict[str, Any] | None = None,
    regions: list[dict[str, Any]] | None = None, agencies: list[dict[str, Any]] | None = None,
    programmes: list[dict[str, Any]] | None = None, documents: list[dict[str, Any]] | None = None,
    implementations: list[dict[str, Any]] | None = None,
) -> Path:
    gold.mkdir(exist_ok=True)
    stem = doc.rsplit(".", 1)[0]
    entities = {"doc": doc, "report": report or {}, "regions": regions or [],
                "agencies": agencies or []}
    measures = {"doc": doc, "programmes": programmes or [], "documents": documents or [],
                "implementations": implementations or []}
    (gold / f"{stem}.entities.json").write_text(json.dumps(entities, ensure_ascii=False), "utf-8")
    (gold / f"{stem}.measures.json").write_text(json.dumps(measures, ensure_ascii=False), "utf-8")
    return gold


def counts(result: EvalResult, aspect: str) -> tuple[int, int, int]:
    s = result.scores[aspect]
    return s.tp, s.fp, s.fn


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("“枫桥经验”", "枫桥经验"),
        ("‘谁执法谁普法’", "\"谁执法谁普法\""),
        ("《法律援助法》", "法律援助法"),
        ("双随机、一公开", "双随机一公开"),
        ("纲要(2015—2020年)", "纲要（2015-2020年）"),
        ("纲要(2015——2020年)", "纲要(2015–2020年)"),
        ("规划(2021－2025)", "规划(2021-2025)"),
        ("学宪法，讲宪法", "学宪法,讲宪法"),
        ("最多 跑一次\u3000", "最多跑一次"),
    ],
)
def test_normalise_equates(a: str, b: str) -> None:
    assert normalise(a) == normalise(b)


def test_normalise_keeps_distinct_names_distinct() -> None:
    assert normalise("八五普法") != normalise("七五普法")


# --------------------------------------------------------------------------- regions


def test_regions_tp_fp_fn_and_optional(tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold", regions=[
        item("镜湖区", "镜湖", adcode="340202", level="county"),
        item("芜湖市", "芜湖", adcode="340200", level="prefecture"),   # missed -> FN
        item("安徽省", "安徽", adcode="340000", required=False),       # found, optional
        item("马厂村", required=False),                                # missed, optional
    ])
    b = Builder()
    rep = b.report()
    b.region(rep, "镜湖", code="340202")                    # alias match -> TP
    b.region(rep, "安徽省", code="340000", level="province")  # optional -> neither
    b.region(rep, "鸠江区", code="340207")                  # no gold item -> FP
    b.region(None, "芜湖市", code="340200")                  # not mentioned -> ignored
    b.agency(rep, "芜湖市")                                  # wrong class -> ignored
    result = evaluate(gold, b.g)
    assert counts(result, "regions") == (1, 1, 1)
    assert [m.name for m in result.misses if m.aspect == "regions"] == ["芜湖市"]
    assert [f.label for f in result.false_positives if f.aspect == "regions"] == ["鸠江区"]
    # codes: 340202 TP, 340200 FN, 340000 optional, 340207 FP
    assert counts(result, "region_codes") == (1, 1, 1)


def test_two_nodes_for_one_item_are_one_tp(tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold", regions=[item("镜湖区", "镜湖")])
    b = Builder()
    rep = b.report()
    b.region(rep, "镜湖区", code="340202")
    b.region(rep, "镜湖", level="township")
    assert counts(evaluate(gold, b.g), "regions") == (1, 0, 0)


# --------------------------------------------------------------------------- agencies


def test_agencies_match_by_suffix_of_the_gold_name(tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold", agencies=[
        item("司法局", "局"),                          # a longer label ending with it matches
        item("宣汉县人民政府", "县政府"),
        item("宣汉县公安局"),
    ])
    b = Builder()
    rep = b.report()
    b.agency(rep, "宣汉县司法局")        # ends with 司法局 -> TP
    b.agency(rep, "县政府")              # equals an alias -> TP
    b.agency(rep, "宣汉县交通运输局")     # ends with alias 局 only: aliases need equality -> FP
    result = evaluate(gold, b.g)
    assert counts(result, "agencies") == (2, 1, 1)
    assert [m.name for m in result.misses if m.aspect == "agencies"] == ["宣汉县公安局"]


# --------------------------------------------------------------------------- programmes


def test_programmes_use_thesaurus_aliases(tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold", programmes=[
        item("一村一法律顾问", "一村(社区)一法律顾问"),
        item("枫桥经验", "新时代“枫桥经验”"),
        item("绿书签", required=False),
    ])
    (gold / "programmes.thesaurus.json").write_text(json.dumps({
        "一村一法律顾问": {"aliases": ["村(居)法律顾问", "社区法律顾问"], "theme": "x"},
    }, ensure_ascii=False), "utf-8")
    b = Builder()
    rep = b.report()
    b.programme(rep, "社区法律顾问")               # thesaurus alias -> TP
    b.programme(rep, "“绿书签”")                   # optional -> neither
    b.programme(rep, "最多跑一次")                 # -> FP
    result = evaluate(gold, b.g)
    assert counts(result, "programmes") == (1, 1, 1)
    # without the thesaurus the alias is unknown: one more FN and FP
    empty = tmp_path / "empty.json"
    empty.write_text("{}", "utf-8")
    assert counts(evaluate(gold, b.g, thesaurus_path=empty), "programmes") == (0, 2, 2)


def test_programme_alt_label_counts(tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold", programmes=[item("枫桥经验")])
    b = Builder()
    b.programme(b.report(), "枫桥式工作法", "新时代“枫桥经验”", "枫桥经验")
    assert counts(evaluate(gold, b.g), "programmes") == (1, 0, 0)


# --------------------------------------------------------------------------- documents


def test_documents_normalise_brackets_quotes_and_dashes(tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold", documents=[
        {"title": "法治政府建设实施纲要(2015—2020年)", "level": "national", "required": True,
         "evidence": "《法治政府建设实施纲要(2015—2020年)》"},
        {"title": "“八五”普法规划", "level": "county", "required": True, "evidence": "e"},
        {"title": "法律援助法", "level": "national", "required": True, "evidence": "e"},
    ])
    b = Builder()
    rep = b.report()
    b.document(rep, "法治政府建设实施纲要（2015－2020年）")
    b.document(rep, "八五普法规划")
    b.document(rep, "小所大事")
    result = evaluate(gold, b.g)
    assert counts(result, "documents") == (2, 1, 1)


# --------------------------------------------------------------------------- report metadata


def test_report_metadata(tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold", report={
        "title": "镜湖区司法局2021年法治政府建设情况年度报告", "subject_region": "镜湖区",
        "subject_adcode": "340202", "publisher": "司法局", "year_covered": 2021,
        "published": "2022-03-30",
    })
    b = Builder()
    county = b.region(None, "镜湖区", code="340202")
    bureau = b.agency(None, "镜湖区司法局")
    b.report(title="镜湖区司法局 2021年法治政府建设情况年度报告", region=county,
             publisher=bureau, year=2021, issued="2022-03-31")
    result = evaluate(gold, b.g)
    # title (spaces), region, publisher (ends-with), year: TP; published differs: FN + FP
    assert counts(result, "report") == (4, 1, 1)
    assert [m.name for m in result.misses] == ["published=2022-03-30"]
    assert [f.label for f in result.false_positives] == ["published=2022-03-31"]


def test_report_null_gold_fields_are_not_scored(tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold", report={"title": None, "year_covered": 2020,
                                                 "published": None})
    b = Builder()
    b.report(title="任意标题", issued="2021-01-28")
    # only year_covered is an item, and it is missing
    assert counts(evaluate(gold, b.g), "report") == (0, 0, 1)


# --------------------------------------------------------------------------- implementations


def test_implementations_match_programme_and_year(tmp_path: Path) -> None:
    gold = write_gold(
        tmp_path / "gold",
        programmes=[item("八五普法", "“八五”普法"), item("谁执法谁普法")],
        implementations=[
            {"region": "镜湖区", "programme": "八五普法", "year": 2021, "required": True,
             "evidence": "也是“八五”普法启动之年"},
            {"region": "镜湖区", "programme": "谁执法谁普法", "year": 2021, "required": True,
             "evidence": "坚持贯彻落实“谁执法谁普法”"},
            {"region": "镜湖区", "programme": "八五普法", "year": 2022, "required": False,
             "planned": True, "evidence": "全面实施“八五”普法"},
            {"region": "镜湖区", "programme": "法律明白人", "year": 2021, "planned": True,
             "evidence": "培养法律明白人"},   # planned, no "required": optional
        ],
    )
    b = Builder()
    rep = b.report()
    bapu = b.programme(rep, "“八五”普法")
    who = b.programme(rep, "谁执法谁普法")
    mingbai = b.programme(rep, "法律明白人")
    b.implementation(rep, bapu, 2021)                 # TP
    b.implementation(rep, bapu, 2021)                 # same fact again: still one TP, no FP
    b.implementation(rep, bapu, 2022, planned=True)   # optional: neither
    b.implementation(rep, mingbai, 2021, planned=True)  # optional (planned): neither
    b.implementation(rep, who, 2020)                  # wrong year: FP, and 2021 is FN
    other = b.report(f"corpus/{DOC2}")
    b.implementation(other, who, 2021)                # another report's fact: ignored
    result = evaluate(gold, b.g)
    assert counts(result, "implementations") == (1, 1, 1)
    missed = [m.name for m in result.misses if m.aspect == "implementations"]
    assert missed == ["谁执法谁普法 (2021)"]
    assert [f.label for f in result.false_positives if f.aspect == "implementations"] == [
        "谁执法谁普法 (2020)"
    ]


def test_gold_without_a_year_matches_the_programme_in_any_year(tmp_path: Path) -> None:
    """An article's gold gives no year ("year": null): the programme alone decides."""
    gold = write_gold(tmp_path / "gold", programmes=[item("枫桥经验")], implementations=[
        {"region": "绍兴市", "programme": "枫桥经验", "year": None, "required": True,
         "evidence": "坚持和发展“枫桥经验”"},
        {"region": "绍兴市", "programme": "八五普法", "year": None, "required": True,
         "evidence": "推进“八五”普法"},
    ])
    b = Builder()
    rep = b.report()
    b.implementation(rep, b.programme(rep, "枫桥经验"), 2022)
    result = evaluate(gold, b.g)
    assert counts(result, "implementations") == (1, 0, 1)
    assert [m.name for m in result.misses if m.aspect == "implementations"] == ["八五普法 (None)"]


def test_several_gold_folders_in_one_table_each_with_its_thesaurus(tmp_path: Path) -> None:
    one = write_gold(tmp_path / "one", programmes=[item("一村一法律顾问")])
    two = write_gold(tmp_path / "two", DOC2, programmes=[item("一村一法律顾问")])
    (two / "programmes.thesaurus.json").write_text(json.dumps(
        {"一村一法律顾问": {"aliases": ["村居法律顾问"], "theme": "public-legal-services"}},
        ensure_ascii=False), "utf-8")
    b = Builder()
    b.programme(b.report(), "村居法律顾问")
    b.programme(b.report(f"corpus/{DOC2}"), "村居法律顾问")
    result = evaluate([one, two], b.g)
    # the alias is known only to folder two's thesaurus: a TP there, an FP + FN in folder one
    assert result.per_doc[DOC2]["programmes"] == Score(1, 0, 0)
    assert result.per_doc[DOC]["programmes"] == Score(0, 1, 1)
    assert counts(result, "programmes") == (1, 1, 1)


def test_same_document_name_in_two_folders_is_kept_apart(tmp_path: Path) -> None:
    one = write_gold(tmp_path / "one", regions=[item("镜湖区")])
    two = write_gold(tmp_path / "two", regions=[item("镜湖区")])
    b = Builder()
    b.region(b.report(), "镜湖区")
    result = evaluate([one, two], b.g)
    assert sorted(result.per_doc) == [f"one/{DOC}", f"two/{DOC}"]
    assert counts(result, "regions") == (2, 0, 0)


def test_an_empty_gold_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="empty"):
        evaluate([tmp_path / "empty"], Builder().g)


# --------------------------------------------------------------------------- missing docs, averaging


def test_missing_report_counts_required_items_as_fn(tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold", report={"publisher": "某司法局", "year_covered": 2021},
                      regions=[item("镜湖区"), item("马厂村", required=False)],
                      programmes=[item("枫桥经验")])
    b = Builder()
    b.report(f"corpus/{DOC2}")          # another file, same folder
    b.region(None, "镜湖区")
    result = evaluate(gold, b.g)
    assert result.missing_docs == [DOC]
    assert counts(result, "regions") == (0, 0, 1)
    assert counts(result, "report") == (0, 0, 2)
    assert counts(result, "programmes") == (0, 0, 1)
    assert DOC in format_table(result)


def test_report_found_by_basename(tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold", regions=[item("镜湖区")])
    b = Builder()
    b.region(b.report(f"deep/sub/dir/{DOC}"), "镜湖区")
    result = evaluate(gold, b.g)
    assert result.missing_docs == []
    assert counts(result, "regions") == (1, 0, 0)


def test_micro_average_over_documents(tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    write_gold(gold, DOC, regions=[item("镜湖区"), item("芜湖市")])
    write_gold(gold, DOC2, regions=[item("宣汉县")])
    b = Builder()
    b.region(b.report(f"c/{DOC}"), "镜湖区")
    rep2 = b.report(f"c/{DOC2}")
    b.region(rep2, "宣汉县")
    b.region(rep2, "达州市")
    result = evaluate(gold, b.g)
    assert result.per_doc[DOC]["regions"] == Score(1, 0, 1)
    assert result.per_doc[DOC2]["regions"] == Score(1, 1, 0)
    s = result.scores["regions"]
    assert (s.tp, s.fp, s.fn) == (2, 1, 1)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(2 / 3)


def test_score_edge_cases() -> None:
    assert Score().f1 == 1.0                       # nothing expected, nothing stated
    assert Score(fn=3).precision == 0.0 and Score(fn=3).f1 == 0.0
    assert Score(fp=2).recall == 1.0 and Score(fp=2).f1 == 0.0


def test_thresholds_and_passed(tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold", regions=[item("镜湖区")], programmes=[item("枫桥经验")])
    b = Builder()
    rep = b.report()
    b.region(rep, "镜湖区")
    result = evaluate(gold, b.g)
    assert set(thresholds) == set(result.scores)
    assert not result.passed()
    assert result.failures() == ["programmes"]
    b.programme(rep, "枫桥经验")
    assert evaluate(gold, b.g).passed()


def test_format_table(tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold", regions=[item("镜湖区"), item("芜湖市")])
    b = Builder()
    b.region(b.report(), "镜湖区")
    text = format_table(evaluate(gold, b.g))
    header, *rows = text.splitlines()[:8]
    assert header.split()[:7] == ["aspect", "TP", "FP", "FN", "P", "R", "F1"]
    assert rows[0].split()[:7] == ["regions", "1", "0", "1", "1.000", "0.500", "0.667"]
    # columns are aligned: every number column ends at the same offset on every line
    ends = {tuple(m.end() for m in re.finditer(r"\S+", line))[1:8] for line in [header, *rows]}
    assert len(ends) == 1
    assert "芜湖市" in text and "证据:芜湖市" in text


# --------------------------------------------------------------------------- the real gold


def graph_from_gold(gold_dir: Path) -> rdflib.Graph:
    """A 'perfect' graph written from the gold files: it must score 1.0 and validate."""
    b = Builder()
    for path in sorted(gold_dir.glob("*.entities.json")):
        ent = json.loads(path.read_text("utf-8"))
        measures = path.with_name(path.name.replace("entities", "measures"))
        mea = json.loads(measures.read_text("utf-8"))
        meta = ent["report"]
        regions = {}
        for r in ent["regions"]:
            iri = b.region(None, r["name"], *r["aliases"], code=r["adcode"], level=r["level"])
            if r["level"] in ("province", "prefecture", "county"):
                geom = URIRef(f"{iri}/geometry")
                b.g.add((iri, GEO.hasGeometry, geom))
                b.g.add((geom, GEO.asWKT, Literal("POINT(118.4 31.3)", datatype=GEO.wktLiteral)))
            regions[r["name"]] = iri
        agencies = {a["name"]: b.agency(None, a["name"], *a["aliases"]) for a in ent["agencies"]}
        rep = b.report(
            ent["doc"],
            **{k: v for k, v in {
                "title": meta.get("title"), "region": regions.get(meta.get("subject_region")),
                "publisher": agencies.get(meta.get("publisher")), "year": meta.get("year_covered"),
                "issued": meta.get("published"),
            }.items() if v is not None},
        )
        for node in [*regions.values(), *agencies.values()]:
            b.g.add((rep, FZ.mentions, node))
        progs = {p["name"]: b.programme(rep, p["name"]) for p in mea["programmes"]}
        for d in mea["documents"]:
            b.document(rep, d["title"])
        for i in mea["implementations"]:
            prog = progs.get(i["programme"]) or b.programme(rep, i["programme"])
            b.implementation(rep, prog, i["year"], planned=bool(i.get("planned")),
                             region=regions[i["region"]])
    return b.g


@pytest.mark.skipif(not SHARED_GOLD.is_dir(), reason="shared gold annotations not available")
def test_a_graph_written_from_the_gold_scores_perfectly_and_validates() -> None:
    from kg.validate import validate

    g = graph_from_gold(SHARED_GOLD)
    result = evaluate(SHARED_GOLD, g)
    assert result.missing_docs == []
    for aspect, score in result.scores.items():
        assert (score.fp, score.fn) == (0, 0), (aspect, result.misses, result.false_positives)
    assert result.passed()
    assert validate(g) == []


def test_cli_builds_the_corpus_beside_each_gold_folder(tmp_path: Path) -> None:
    """`kg eval --gold A --gold B --build`: one table over both folders' documents."""
    from click.testing import CliRunner

    from kg.cli import main

    for name, county in (("a", "宣汉县"), ("b", "镜湖区")):
        (tmp_path / name / "corpus").mkdir(parents=True)
        (tmp_path / name / "corpus" / f"{name}.txt").write_text(
            f"{county}2021年法治政府建设情况报告\n2021年,{county}坚持依法行政,推行“枫桥经验”。\n",
            "utf-8")
        write_gold(tmp_path / name / "gold", f"{name}.txt", regions=[item(county)])
    runner = CliRunner()
    result = runner.invoke(main, ["eval", "--gold", str(tmp_path / "a" / "gold"),
                                  "--gold", str(tmp_path / "b" / "gold"), "--build",
                                  "--out", str(tmp_path / "untouched")])
    assert "regions" in result.output
    row = next(line for line in result.output.splitlines() if line.startswith("regions"))
    assert row.split()[1:4] == ["2", "0", "0"]
    assert not (tmp_path / "untouched").exists()  # --build writes only to a temporary folder

    missing = runner.invoke(main, ["eval", "--gold", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no such gold folder" in missing.output
