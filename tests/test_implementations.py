"""Implementations: done in the covered year, or planned for the next."""

import pytest

from kg.extract.implementations import find_implementations, plan_start
from kg.types import AgencyHit, ProgrammeHit

TEXT = (
    "一、主要成效\n"
    "坚持和发展新时代“枫桥经验”,区司法局推进诉调对接。\n"
    "三、2022年工作计划\n"
    "深化“枫桥经验”,推广一村一法律顾问。\n"
)


def hits(text, *names):
    out = []
    for name in names:
        start = 0
        while (i := text.find(name, start)) >= 0:
            out.append(ProgrammeHit(start=i, end=i + len(name), surface=name, concept=name))
            start = i + 1
    return sorted(out, key=lambda h: h.start)


def test_plan_section_starts_at_next_year_heading():
    assert TEXT[plan_start(TEXT, 2021):].startswith("三、2022年工作计划")


def test_done_and_planned_with_evidence_and_agency():
    agency_at = TEXT.index("区司法局")
    agencies = [AgencyHit(start=agency_at, end=agency_at + 4, surface="区司法局", name="镜湖区司法局")]
    got = find_implementations(TEXT, programmes=hits(TEXT, "枫桥经验", "一村一法律顾问"),
                               agencies=agencies, year=2021, region_code="340202")
    done = [i for i in got if not i.planned]
    planned = [i for i in got if i.planned]
    assert [(i.programme, i.year) for i in done] == [("枫桥经验", 2021)]
    assert done[0].evidence == "坚持和发展新时代“枫桥经验”,区司法局推进诉调对接。"
    assert done[0].agency == "镜湖区司法局"
    assert {(i.programme, i.year) for i in planned} == {("枫桥经验", 2022), ("一村一法律顾问", 2022)}
    for imp in got:
        assert imp.evidence in TEXT and imp.region_code == "340202"


def test_next_step_sentence_is_planned_even_outside_a_plan_section():
    text = "推进“枫桥经验”。下一步,继续深化“枫桥经验”。"
    got = find_implementations(text, programmes=hits(text, "枫桥经验"), agencies=[], year=2020,
                               region_code="511722")
    assert {(i.year, i.planned) for i in got} == {(2020, False), (2021, True)}


def test_no_year_anywhere_gives_an_undated_fact_and_a_sentence_year_dates_it():
    text = "推进“枫桥经验”。2019年,率先推行“最多跑一次”。"
    got = find_implementations(text, programmes=hits(text, "枫桥经验", "最多跑一次"), agencies=[],
                               year=None, region_code="340202")
    assert [(i.programme, i.year) for i in got] == [("枫桥经验", None), ("最多跑一次", 2019)]


def test_a_report_dates_its_facts_by_its_year_whatever_period_the_sentence_names():
    text = "召开2022年度述法会议,推行“领导干部述法”。2021年12月,推进“枫桥经验”。"
    got = find_implementations(text, programmes=hits(text, "领导干部述法", "枫桥经验"), agencies=[],
                               year=2023, region_code="340202")
    assert {i.year for i in got} == {2023}


@pytest.mark.parametrize(("opening", "issued", "year"), [
    ("2021年,某县推行", "2023-02-01", 2021),      # an explicit year wins
    ("今年以来,某县推行", "2024-06-01", 2024),    # 今年: the year of the date
    ("去年,某县率先推行", "2024-06-01", 2023),    # 去年: the year before
    ("某县推行", "2024-06-01", 2022),            # none: the document's year
    ("2022年度考核中,某县推行", "2024-06-01", 2022),  # 2022年度 names a period, not when
])
def test_news_and_articles_date_a_fact_by_its_sentence(opening, issued, year):
    text = f"{opening}“首违不罚”清单。"
    (imp,) = find_implementations(text, programmes=hits(text, "首违不罚"), agencies=[], year=2022,
                                  region_code="340202", dated_by_sentence=True, issued=issued)
    assert imp.year == year


def test_run_on_paragraph_evidence_is_a_window():
    text = "甲" * 1000 + "枫桥经验" + "乙" * 1000
    (imp,) = find_implementations(text, programmes=hits(text, "枫桥经验"), agencies=[], year=2021,
                                  region_code="340202")
    assert "枫桥经验" in imp.evidence and len(imp.evidence) <= 310 and imp.evidence in text


def test_divisions_inside_the_region_named_in_the_clause_implement_it_not_the_region():
    from kg.extract.regions import find_regions
    from kg.gazetteer import load

    text = "2023年,涧西区、西工区开展“综合查一次”改革试点,伊川县、嵩县推行“首违不罚”,赴广州学习“首违不罚”。"
    gaz = load()
    regions = find_regions(text, gazetteer=gaz, home="410300")
    got = find_implementations(text, programmes=hits(text, "综合查一次", "首违不罚"), agencies=[],
                               year=2023, region_code="410300", regions=regions, gazetteer=gaz)
    pairs = {(i.region_code, i.programme, i.learned_from) for i in got}
    assert pairs == {
        ("410305", "综合查一次", ()), ("410303", "综合查一次", ()),
        # the counties, subject of the clause before, learnt it from 广州 (赴…学习): 广州 is
        # the origin of their facts, not an adopter
        ("410329", "首违不罚", ("440100",)), ("410325", "首违不罚", ("440100",)),
    }
    assert all(i.evidence == text for i in got)


def test_an_origin_named_in_a_later_sentence_joins_the_first_fact():
    from kg.gazetteer import load

    text = "2022年,推行“最多跑一次”改革。组织赴浙江考察学习“最多跑一次”经验。"
    got = find_implementations(text, programmes=hits(text, "最多跑一次"), agencies=[], year=2022,
                               region_code="620702", gazetteer=load())
    (imp,) = got
    assert imp.evidence == "2022年,推行“最多跑一次”改革。" and imp.learned_from == ("330000",)


def test_the_sentence_subject_is_the_actor_of_its_later_clauses():
    from kg.extract.regions import find_regions
    from kg.gazetteer import load

    gaz = load()
    cases = {
        "2023年,伊川县、嵩县坚持问题导向,推行“首违不罚”。": {"410329", "410325"},
        "伊川县坚持问题导向,推行“首违不罚”。": {"410329"},
        # the nearest clause with a subject gives the actors
        "2023年,涧西区坚持问题导向,嵩县聚焦企业需求,推行“首违不罚”。": {"410325"},
        # a county named later in a clause, not as its subject, is no actor
        "全市坚持学习伊川县经验,推行“首违不罚”。": {"410300"},
        "市司法局组织学习伊川县做法,推行“首违不罚”。": {"410300"},
    }
    for text, codes in cases.items():
        regions = find_regions(text, gazetteer=gaz, home="410300")
        got = find_implementations(text, programmes=hits(text, "首违不罚"), agencies=[],
                                   year=2023, region_code="410300", regions=regions, gazetteer=gaz)
        assert {i.region_code for i in got} == codes, text
