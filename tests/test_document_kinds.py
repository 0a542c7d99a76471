"""Documents that are not a county government's annual report: a news item, a
department's report, a township's report and a signed article, each written here in
the style of real ones, through the whole extraction and into the graph."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS

from kg import gazetteer as gaz
from kg import thesaurus as thes
from kg.extract import extract
from kg.graph import build, triples
from kg.namespaces import FZ
from kg.types import Document
from kg.validate import validate

NEWS = """永嘉县：“首违不罚”让市场主体安心经营
2024-05-06 09:30  来源:温州日报

本报讯(记者 陈明 通讯员 林晓)近日,记者从永嘉县司法局获悉,今年以来,永嘉县全面推行“首违不罚”清单制度,
对首次轻微违法的市场主体依法不予处罚。去年,永嘉县学习借鉴浙江诸暨“枫桥经验”,建成县级矛盾纠纷调处化解中心。
据悉,下一步,永嘉县将推广“一村(社区)一法律顾问”。
"""

DEPARTMENT = """您当前所在位置:首页 > 政务公开 > 法治政府建设
徐州市市场监督管理局2023年度法治政府建设工作报告
发布时间:2024-01-26  信息来源:徐州市人民政府

2023年,市市场监管局在市委、市政府的坚强领导下,坚持以习近平新时代中国特色社会主义思想为指导,
全面推行“双随机、一公开”监管,深化“证照分离”改革,落实“谁执法谁普法”普法责任制。
一、2024年工作计划
持续推进“互联网+监管”。
"""

TOWNSHIP = """鸣皋镇2023年法治政府建设工作情况报告
发布时间:2024-02-20  来源:鸣皋镇人民政府

2023年,鸣皋镇在县委、县政府的坚强领导下,坚持以习近平法治思想为指导,扎实推进法治政府建设。现将有关情况报告如下:
一、主要工作成效
(一)强化组织领导。镇党委书记切实履行推进法治建设第一责任人职责,全年召开专题会议4次。
(二)规范行政执法。全面推行“双随机、一公开”监管,落实“谁执法谁普法”普法责任制,为全镇23个行政村配备法律顾问。
二、2024年工作打算
持续推进“互联网+监管”。
"""

# the county is named in the title; a township name that several counties share
TOWNSHIP_NAMED_COUNTY = """宣汉县胡家镇2023年法治政府建设年度报告
2023年,胡家镇全面推行“双随机、一公开”监管,全镇法治建设取得新成效。
"""

# a township name of several counties and no word that tells which: no county guessed
TOWNSHIP_UNDECIDED = """龙溪镇2024年法治政府建设年度报告
2024年,龙溪镇在市委市政府的坚强领导下,推行“互联网+监督”模式,落实“谁执法谁普法”责任,全镇执法人员持证率达100%。
"""

ARTICLE = """县域法治政府建设的实践与思考
——以湖南省为例
刘 洋(湖南省司法厅法治调研处)
摘要:本文结合调研情况,总结县域法治政府建设的做法。
2021年,湖南省开展“法治政府建设示范创建”活动。浏阳市推行“一件事一次办”改革。
"""


def run(text: str, source: str = "x.txt"):
    return extract(Document(source=source, text=text))


def graph_of(ext) -> Graph:
    g = Graph()
    for t in triples(ext, gazetteer=gaz.load(), thesaurus=thes.load()):
        g.add(t)
    return g


def test_news_item_kind_publisher_year_and_facts():
    ext = run(NEWS)
    r = ext.report
    assert r.kind == "news"
    assert r.title == "永嘉县:“首违不罚”让市场主体安心经营"
    assert r.issued == "2024-05-06"
    assert gaz.load().get(r.region_code).name == "永嘉县"
    facts = {(i.programme, i.year, i.planned) for i in ext.implementations
             if i.region_code == r.region_code}
    assert ("首违不罚", 2024, False) in facts           # 今年 → the date's year
    assert ("枫桥经验", 2023, False) in facts           # 去年 → the year before
    assert any(p == "一村一法律顾问" and planned for p, _, planned in facts)  # 下一步: planned
    (fengqiao,) = [i for i in ext.implementations if i.programme == "枫桥经验"]
    assert [gaz.load().get(c).name for c in fengqiao.learned_from] == ["诸暨市"]
    g = graph_of(ext)
    report = next(g.subjects(FZ.documentKind, FZ.NewsItem))
    assert g.value(report, FZ.yearCovered) is None  # a news item covers no report year
    zhuji = URIRef(next(str(s) for s in g.subjects(FZ.adminCode, Literal("330681"))))
    assert len(list(g.subjects(FZ.learnedFrom, zhuji))) == 1


def test_department_report_publisher_and_subject_region():
    ext = run(DEPARTMENT)
    r = ext.report
    assert r.kind == "department-report"
    assert r.publisher == "徐州市市场监督管理局"
    assert gaz.load().get(r.region_code).name == "徐州市"
    assert r.year == 2023 and r.issued == "2024-01-26"
    done = {i.programme for i in ext.implementations if not i.planned and i.year == 2023}
    assert {"双随机、一公开", "谁执法谁普法"} <= done
    assert all(i.year == 2024 for i in ext.implementations if i.planned)
    g = graph_of(ext)
    report = next(g.subjects(FZ.documentKind, FZ.DepartmentReport))
    publisher = g.value(report, DCTERMS.publisher)
    assert str(g.value(publisher, RDFS.label)) == "徐州市市场监督管理局"


def test_article_covers_no_year_and_dates_facts_by_their_sentence():
    ext = run(ARTICLE)
    r = ext.report
    assert r.kind == "article" and r.year is None
    assert r.title == "县域法治政府建设的实践与思考——以湖南省为例"
    years = {i.programme: i.year for i in ext.implementations}
    assert years, "an article's facts are still extracted"
    assert set(years.values()) <= {2021, None}
    g = graph_of(ext)
    assert next(g.subjects(FZ.documentKind, FZ.Article), None) is not None


def test_township_report_subject_county_publisher_year_and_facts():
    ext = run(TOWNSHIP)
    r = ext.report
    assert r.kind == "township-report"
    assert r.township == "鸣皋镇"
    assert gaz.load().get(r.region_code).name == "伊川县"  # the one county whose list has it
    assert r.township_reason == "county-list"
    assert r.publisher == "鸣皋镇人民政府"
    assert r.year == 2023 and r.issued == "2024-02-20"
    done = {i.programme for i in ext.implementations if not i.planned and i.year == 2023}
    assert {"双随机、一公开", "谁执法谁普法"} <= done
    assert all(i.township == "鸣皋镇" and i.region_code == "410329" for i in ext.implementations)
    assert all(i.year == 2024 for i in ext.implementations if i.planned)
    g = graph_of(ext)
    report = next(g.subjects(FZ.documentKind, FZ.TownshipReport))
    town = g.value(report, FZ.aboutRegion)
    assert str(g.value(town, RDFS.label)) == "鸣皋镇"
    assert str(g.value(town, FZ.level)) == "township"
    county = g.value(town, FZ.partOf)
    assert str(g.value(county, FZ.adminCode)) == "410329"
    assert str(g.value(g.value(county, FZ.partOf), RDFS.label)) == "洛阳市"
    assert str(g.value(g.value(report, DCTERMS.publisher), RDFS.label)) == "鸣皋镇人民政府"
    # implementations and their adoptions belong to the township, not to the county
    regions = {g.value(i, FZ.region) for i in g.subjects(FZ.programme, None)}
    assert regions == {town}
    assert set(g.objects(town, FZ.carriedOut)) and not set(g.objects(county, FZ.carriedOut))
    (why,) = g.subjects(FZ.resolvedRegion, town)
    assert str(g.value(why, FZ.resolutionReason)) == "county-list"


def test_township_report_county_named_in_the_title():
    ext = run(TOWNSHIP_NAMED_COUNTY)
    r = ext.report
    assert (r.kind, r.township, r.region_code, r.year) == (
        "township-report", "胡家镇", "511722", 2023)
    assert r.township_reason == "named-county"
    assert {i.programme for i in ext.implementations} == {"双随机、一公开"}


def test_township_report_whose_county_the_text_does_not_decide():
    ext = run(TOWNSHIP_UNDECIDED)
    r = ext.report
    assert (r.kind, r.township, r.region_code) == ("township-report", "龙溪镇", None)
    assert "township-county-unknown" in ext.warnings
    facts = {(i.programme, i.year, i.township) for i in ext.implementations}
    assert ("谁执法谁普法", 2024, "龙溪镇") in facts
    g = graph_of(ext)
    town = g.value(next(g.subjects(FZ.documentKind, FZ.TownshipReport)), FZ.aboutRegion)
    assert str(g.value(town, RDFS.label)) == "龙溪镇"
    assert g.value(town, FZ.partOf) is None  # no county guessed
    assert {g.value(i, FZ.region) for i in g.subjects(FZ.programme, None)} == {town}


def test_a_countys_report_credits_the_townships_its_sentence_names():
    ext = run("伊川县2023年法治政府建设年度报告\n2023年,我县扎实推进法治政府建设,全县推行“首违不罚”。"
              "其中,白沙镇、鸣皋镇率先建成公共法律服务站。\n")
    facts = {(i.programme, i.region_code, i.township) for i in ext.implementations}
    assert ("首违不罚", "410329", None) in facts  # the county itself
    assert {("公共法律服务站", "410329", "白沙镇"), ("公共法律服务站", "410329", "鸣皋镇")} <= facts
    assert ("公共法律服务站", "410329", None) not in facts  # the townships did it, not the county
    g = graph_of(ext)
    towns = {str(g.value(g.value(i, FZ.region), RDFS.label))
             for i in g.subjects(FZ.programme, None)}
    assert {"伊川县", "白沙镇", "鸣皋镇"} <= towns


def test_a_reports_own_shared_name_records_why_it_was_placed():
    ext = run("城中区2025年法治政府建设年度报告\n2025年,城中区坚持依法行政,为推动西宁在现代化建设中挑大梁提供法治保障。")
    assert ext.report.region_code == "630103"  # 西宁市城中区, not 柳州市城中区
    g = graph_of(ext)
    (why,) = g.subjects(FZ.resolvedRegion, URIRef(next(
        str(s) for s in g.subjects(FZ.adminCode, Literal("630103")))))
    assert str(g.value(why, FZ.resolutionReason)) == "context"
    assert str(g.value(why, FZ.surfaceForm)) == "城中区"


def test_a_shared_name_the_context_does_not_decide_is_recorded_not_guessed():
    ext = run("通州区2022年法治政府建设年度报告\n2022年,通州区坚持依法行政,全市率先实现“两个首次”。")
    assert ext.report.region_code is None
    assert "ambiguous-region:通州区=110112|320612" in ext.warnings
    g = graph_of(ext)
    (node,) = g.subjects(FZ.resolutionReason, Literal("undecided"))
    assert {str(g.value(c, FZ.adminCode)) for c in g.objects(node, FZ.candidateRegion)} == {
        "110112", "320612"}
    assert g.value(node, FZ.resolvedRegion) is None


@pytest.mark.parametrize("text", [TOWNSHIP, TOWNSHIP_UNDECIDED, "朝阳区深化行政执法体制改革"])
def test_township_and_resolution_facts_conform_to_the_shapes(text):
    g = build([run(text)], gazetteer=gaz.load(), thesaurus=thes.load())  # with the scheme
    assert validate(g) == []
    bad = Graph()
    for t in g:
        bad.add(t)
    node = next(g.subjects(FZ.surfaceForm, None), None)
    if node is not None:  # a reason outside the documented ones
        bad.add((node, FZ.resolutionReason, Literal("a guess")))
    else:  # a township of two levels
        bad.add((next(g.subjects(FZ.level, Literal("township"))), FZ.level, Literal("town")))
    assert validate(bad) != []


@pytest.mark.parametrize("text", [NEWS, DEPARTMENT, ARTICLE, TOWNSHIP, TOWNSHIP_UNDECIDED])
def test_the_same_text_gives_the_same_graph(text):
    assert set(graph_of(run(text))) == set(graph_of(run(text)))


def test_a_text_with_no_sign_of_government_is_flagged_not_a_report():
    recipe = "番茄炒蛋\n材料:番茄两个,鸡蛋三个,盐少许。\n做法:先把鸡蛋打散,炒熟盛出;再炒番茄,加入鸡蛋翻炒。"
    assert "not-a-report" in run(recipe).warnings
    assert "not-a-report" not in run(NEWS).warnings
    assert "not-a-report" not in run(ARTICLE).warnings
