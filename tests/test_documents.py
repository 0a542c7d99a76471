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


def test_numbered_article_sets_are_documents_but_a_bare_number_is_not(gaz):
    got = titles("出台《优化营商环境二十条》《某区行政执法监督10条》,学习《第5条》和《三条》。", gaz)
    assert [t for t, _ in got] == ["优化营商环境二十条", "某区行政执法监督10条"]


def test_a_title_nesting_another_keeps_its_own_ending(gaz):
    got = titles("制定《某县贯彻落实<法治政府建设实施纲要(2021-2025年)>工作方案》"
                 "和《某市落实〈法治社会建设实施纲要〉任务分工》。", gaz)
    assert [t for t, _ in got] == ["某县贯彻落实<法治政府建设实施纲要(2021—2025年)>工作方案"]


def test_short_forms_and_bare_types_refer_back_not_to_new_documents(gaz):
    text = ("贯彻《法治政府建设实施纲要(2015—2020年)》(以下简称《纲要》)和"
            "《某省法治政府建设实施方案》(下称“《实施方案》”),落实《纲要》要求;"
            "执行《某省外来投资服务和保障条例》,全州《条例》贯彻情况良好;"
            "另印发委员会《工作规则》。")
    got = [t for t, _ in titles(text, gaz)]
    assert got == ["法治政府建设实施纲要(2015—2020年)", "某省法治政府建设实施方案",
                   "某省外来投资服务和保障条例", "工作规则"]


def test_a_bare_type_with_no_full_title_before_it_is_kept(gaz):
    assert [t for t, _ in titles("制定《规则》并实施。", gaz)] == ["规则"]
