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
from kg.graph import triples
from kg.namespaces import FZ
from kg.types import Document

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


@pytest.mark.parametrize("text", [NEWS, DEPARTMENT, ARTICLE])
def test_the_same_text_gives_the_same_graph(text):
    assert set(graph_of(run(text))) == set(graph_of(run(text)))


def test_a_text_with_no_sign_of_government_is_flagged_not_a_report():
    recipe = "番茄炒蛋\n材料:番茄两个,鸡蛋三个,盐少许。\n做法:先把鸡蛋打散,炒熟盛出;再炒番茄,加入鸡蛋翻炒。"
    assert "not-a-report" in run(recipe).warnings
    assert "not-a-report" not in run(NEWS).warnings
    assert "not-a-report" not in run(ARTICLE).warnings
