"""Implementations: done in the covered year, or planned for the next."""

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


def test_no_year_no_implementations():
    text = "推进“枫桥经验”。"
    assert find_implementations(text, programmes=hits(text, "枫桥经验"), agencies=[], year=None,
                                region_code="340202") == []


def test_run_on_paragraph_evidence_is_a_window():
    text = "甲" * 1000 + "枫桥经验" + "乙" * 1000
    (imp,) = find_implementations(text, programmes=hits(text, "枫桥经验"), agencies=[], year=2021,
                                  region_code="340202")
    assert "枫桥经验" in imp.evidence and len(imp.evidence) <= 310 and imp.evidence in text


def test_divisions_inside_the_region_named_in_the_clause_implement_too():
    from kg.extract.regions import find_regions
    from kg.gazetteer import load

    text = "2023年,涧西区、西工区开展“综合查一次”改革试点,伊川县、嵩县推行“首违不罚”,赴广州学习“首违不罚”。"
    gaz = load()
    regions = find_regions(text, gazetteer=gaz, home="410300")
    got = find_implementations(text, programmes=hits(text, "综合查一次", "首违不罚"), agencies=[],
                               year=2023, region_code="410300", regions=regions, gazetteer=gaz)
    pairs = {(i.region_code, i.programme) for i in got}
    assert pairs == {
        ("410300", "综合查一次"), ("410305", "综合查一次"), ("410303", "综合查一次"),
        ("410300", "首违不罚"), ("410329", "首违不罚"), ("410325", "首违不罚"),
    }
    assert all(i.evidence == text for i in got)
