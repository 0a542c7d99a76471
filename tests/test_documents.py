"""Policy documents: 《title》 that name laws, plans and rules; not works of art."""

import pytest

from kg import gazetteer
from kg.extract.documents import document_level, find_documents, normalise_title


@pytest.fixture(scope="module")
def gaz():
    return gazetteer.load()


def titles(text, gaz):
    return [(d.title, d.level) for d in find_documents(text, gazetteer=gaz)]


def test_title_normalisation_unifies_year_dashes():
    assert normalise_title("法治政府建设实施纲要(2021-2025年)") == "法治政府建设实施纲要(2021—2025年)"
    assert normalise_title("法治政府建设实施纲要(2015—2020年)") == "法治政府建设实施纲要(2015—2020年)"


def test_levels_from_the_region_named(gaz):
    got = titles(
        "认真对照《法治政府建设实施纲要(2015-2020年)》《四川省法治政府建设实施方案(2016—2020年)》"
        "《达州市行政规范性文件管理办法》《宣汉县法治政府建设实施方案(2017—2020年)》。", gaz)
    assert got == [
        ("法治政府建设实施纲要(2015—2020年)", "national"),
        ("四川省法治政府建设实施方案(2016—2020年)", "provincial"),
        ("达州市行政规范性文件管理办法", "prefecture"),
        ("宣汉县法治政府建设实施方案(2017—2020年)", "county"),
    ]


def test_laws_are_national_but_local_rules_ending_in_banfa_are_not(gaz):
    assert document_level("法律援助法", gazetteer=gaz) == "national"
    assert document_level("民法典", gazetteer=gaz) == "national"
    assert document_level("行政执法评议考核办法(试行)", gazetteer=gaz) == "unknown"


def test_works_of_art_and_periodicals_are_not_documents(gaz):
    text = ("创作剧本《小所大事》、歌咏快闪《我的祖国》、微视频《初心如磐 使命在肩》等作品,"
            "《我的祖国》被推广;相关做法获《宁波政务信息》录用;发放《法律援助法》宣传手册。")
    assert titles(text, gaz) == [("法律援助法", "national")]


def test_titles_with_quotes_and_trailing_parenthesis(gaz):
    got = titles("印发《深圳市坪山区“八五”普法规划》和《慈溪市安置帮教实务手册(试行)》。", gaz)
    assert [t for t, _ in got] == ["深圳市坪山区“八五”普法规划", "慈溪市安置帮教实务手册(试行)"]


def test_offsets_point_at_the_bracketed_title(gaz):
    text = "落实《行政执法全过程记录制度》。"
    (hit,) = find_documents(text, gazetteer=gaz)
    assert text[hit.start:hit.end] == "《行政执法全过程记录制度》"


def test_title_years_lost_dash_and_lost_paren_are_restored():
    from kg.extract.documents import normalise_title
    assert normalise_title("某县法治建设规划(20212025年)") == "某县法治建设规划(2021—2025年)"
    assert normalise_title("法治某市建设规划(2021-2025年") == "法治某市建设规划(2021—2025年)"
    assert normalise_title("实施方案(2021—2025年)") == "实施方案(2021—2025年)"
    # not two years in order: left alone
    assert normalise_title("规划(20252021年)") == "规划(20252021年)"
    assert normalise_title("编号(12345678)") == "编号(12345678)"


def test_procedure_table_measures_and_indicator_titles_are_documents():
    from kg import gazetteer
    from kg.extract.documents import find_documents
    hits = find_documents(
        "制定《某市重大行政决策工作程序》和《行政复议办案流程表》,印发《乡村法治建设指标体系》"
        "《依法行政工作举措》,观看《法治之光》。", gazetteer=gazetteer.load())
    titles = [h.title for h in hits]
    assert titles == ["某市重大行政决策工作程序", "行政复议办案流程表", "乡村法治建设指标体系",
                      "依法行政工作举措"]
