"""Implementations: a region carried out (or plans) a programme in a year.

Every programme a document names is taken as carried out, with the sentence that
names it as evidence — unless the sentence sits in the plans section
(三、2022年工作计划, 下一步工作打算 …) or opens with a planning cue (下一步, 明年):
then it is planned for the next year. The agency is the first one named in the
same sentence, if any.

Who: the document's own region (a township's report: the township); and when the
clause names, before the programme, divisions with a GB/T code or townships that lie
inside the document's region (a prefecture's report: 伊川县、嵩县推行“首违不罚”; a
county's: 白沙镇、鸣皋镇率先建成…), those divisions carried it out, not the
document's region: they get the implementations. Regions named after a learning cue
(学习借鉴浙江诸暨“枫桥经验”, 赴…考察学习) are where the measure came from: they
become ``learned_from`` of the implementation, never its adopters.

When: in a report, the year it covers (its facts are dated by it, whatever
"2022年度" the sentence names). In a news item or an article, the year its own
sentence names before the programme (2021年, 今年 / 去年 resolved against the
date of the document), else the document's year (a news item's date; an article
has none, and its undated facts have no year). Cues are in
``kg/data/implementation_cues.json``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from itertools import chain, pairwise

import json
from dataclasses import replace
from functools import cache
from typing import Any

from kg.extract.text import SentenceIndex, fold
from kg.gazetteer import Gazetteer
from kg.resources import data_file
from kg.types import AgencyHit, ImplementationHit, ProgrammeHit, RegionHit

__all__ = ["find_implementations", "plan_start"]

PLAN_WORDS = re.compile(
    r"下一步|下步|明年|来年|工作计划|工作打算|工作思路|工作安排|工作设想|工作重点|努力方向|"
    r"目标任务|重点任务|展望|谋划"
)
MAX_EVIDENCE = 300
CLAUSE_BREAKS = (",", ",", ":", ":", ";", ";")
# a sentence that opens with a planning cue, perhaps after a short lead-in (据悉,下一步,…)
PLAN_SENTENCE = re.compile(r"^(?:[^,,。]{0,6}[,,])?(下一步|下步|明年|来年|今后|未来)")


def plan_start(text: str, year: int | None) -> int:
    """Offset where the next-year plans section begins, or len(text) if none.

    >>> t = "一、主要成效\\n做了很多。\\n三、2022年工作计划\\n将要推进。"
    >>> t[plan_start(t, 2021):].splitlines()[0]
    '三、2022年工作计划'
    """
    folded = fold(text)
    if _OTHER_LINE_BREAK.search(folded) is not None:
        folded = _OTHER_LINE_BREAK.sub("\n", folded)
    later = (m.start() + 1 for m in _HEADING_AFTER_BREAK.finditer(folded))
    for start in chain((0,) if _HEADING_FIRST.match(folded) else (), later):
        end = folded.find("\n", start) + 1 or len(folded)
        line = folded[start:end]
        if len(line.strip()) <= 40:
            next_year = year is not None and f"{year + 1}年" in line
            if PLAN_WORDS.search(line) or next_year:
                return start
    return len(text)


# The line boundaries of str.splitlines besides "\n" (ingest leaves none of them): each
# becomes "\n", which keeps every offset ("\r\n" becomes a blank line more, never a heading)
_OTHER_LINE_BREAK = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# A heading (一、 十二. (三)) at the start of a line, spaces kept within the line: on the
# first line, and after each "\n" (a literal the regex engine can skip ahead to)
_HEADING = r"[^\S\n]*(?:[一二三四五六七八九十]+[^\S\n]*[、.]|[((][一二三四五六七八九十]+[))])"
_HEADING_FIRST = re.compile(_HEADING)
_HEADING_AFTER_BREAK = re.compile("\n" + _HEADING)


@cache
def _cues() -> dict[str, Any]:
    data = json.loads(data_file("implementation_cues.json").read_text(encoding="utf-8"))
    cues = sorted(data["learn_cues"], key=len, reverse=True)
    data["learn"] = re.compile("|".join(map(re.escape, cues)))
    words = sorted(data["year_words"], key=len, reverse=True)
    data["year"] = re.compile(
        r"(?<!\d)(20\d{2})\s*年(?!度|\d)|" + "|".join(map(re.escape, words))
    )
    return data


def sentence_year(clause: str, issued: str | None) -> int | None:
    """The last year ``clause`` names: 2021年 (not 2021年度, the period a task is about),
    or 今年 / 去年 … resolved against the year of ``issued``; None if it names none.

    >>> sentence_year("2023年11月,我县推行", None)
    2023
    >>> sentence_year("今年以来,某镇推行", "2024-06-01")
    2024
    >>> sentence_year("召开2022年度述法会议", None) is None
    True
    """
    cues = _cues()
    found = None
    for m in cues["year"].finditer(fold(clause)):
        if m.group(1):
            found = int(m.group(1))
        elif issued:
            found = int(issued[:4]) + cues["year_words"][m.group(0)]
    return found


def find_implementations(
    text: str, *, programmes: Sequence[ProgrammeHit], agencies: Sequence[AgencyHit],
    year: int | None, region_code: str | None,
    regions: Sequence[RegionHit] = (), gazetteer: Gazetteer | None = None,
    dated_by_sentence: bool = False, issued: str | None = None, township: str | None = None,
) -> list[ImplementationHit]:
    """One implementation per (region, programme, year, planned), first evidence kept.

    Args:
        year: the document's year (a report's covered year), or None.
        dated_by_sentence: a news item or article: a year its sentence names before the
            programme wins over ``year``; in a report it is used only when ``year`` is None.
        issued: the document's date (ISO), which resolves 今年 / 去年.
        township: a township's report: the township (under ``region_code``, its county,
            if known) that did what the document's own region does.
    """
    if not programmes:
        return []  # nothing to attribute (a third of generated reports): no sentence index, no plan section
    index = SentenceIndex(text)
    plans_from = plan_start(text, year) if year is not None else len(text)
    first_agency = _first_in(agencies)
    learn = _cues()["learn"]
    seen: dict[tuple[str, str, str, int | None, bool], int] = {}  # → its index in out
    out = []
    for hit in programmes:
        bounds = index.at(hit.start)  # the last sentence starting at or before the name
        if bounds is None:
            continue
        s, e = bounds
        if e - s > MAX_EVIDENCE:  # a run-on paragraph: keep a window around the name
            s = max(s, hit.start - MAX_EVIDENCE // 2)
            e = min(e, hit.end + MAX_EVIDENCE // 2)
        sentence = text[s:e]
        # PLAN_SENTENCE opens with Han characters, which fold() leaves alone and no folded
        # character becomes: matching the sentence is matching its fold
        planned = s >= plans_from or bool(PLAN_SENTENCE.match(sentence))
        when = year
        if dated_by_sentence or year is None:
            when = sentence_year(text[s:hit.start], issued) or year
        if planned and when is not None and when == year:
            when += 1
        agency = first_agency(s, e)
        clause = max(s, *(text.rfind(c, s, hit.start) + 1 for c in CLAUSE_BREAKS))
        cue = learn.search(text, clause, hit.start)
        origins = (_origins(text, regions, cue.end(), hit.start, region_code, gazetteer)
                   if cue else ())
        named = [c for c in _inner_regions(regions, clause, cue.start() if cue else hit.start,
                                           region_code, gazetteer) if c[0] not in origins or c[1]]
        if not named and clause > s:  # the sentence's subject: 伊川县坚持…,推行“首违不罚”
            named = [c for c in _subject_regions(text, regions, s, clause, region_code, gazetteer)
                     if c[0] not in origins or c[1]]
        own = (region_code, township)
        for code, town in named or (own,):  # the divisions the clause names did it, not home
            key = (code or "", town or "", hit.concept, when, planned)
            if key in seen:  # the first evidence stays; a later sentence may add origins
                k = seen[key]
                if not set(origins) <= set(out[k].learned_from):
                    merged = tuple(dict.fromkeys((*out[k].learned_from, *origins)))
                    out[k] = replace(out[k], learned_from=merged)
                continue
            seen[key] = len(out)
            out.append(ImplementationHit(
                programme=hit.concept, year=when, evidence=sentence, start=s,
                region_code=code, agency=agency if (code, town) == own else None,
                planned=planned, learned_from=origins, township=town,
            ))
    return out


SUBJECT_LEAD = re.compile(r"(?:(?:20\d{2}\s*年(?:以来|度|初以来)?|今年以来|近年来|同时|此外|其中)\s*[,,]?\s*)?")
JOINERS = "、和及与"


def _subject_regions(
    text: str, regions: Sequence[RegionHit], s: int, clause: int, home: str | None,
    gazetteer: Gazetteer | None,
) -> list[tuple[str, str | None]]:
    """The divisions inside ``home`` that stand as subject of the nearest clause before
    ``clause`` that has one: names right after the clause's start and a lead-in
    (2023年,伊川县、嵩县坚持…,推行…), joined by 、和及与."""
    by_start = {r.start: r for r in regions if s <= r.start < clause}
    if not by_start:
        return []
    starts = [s, *(i + 1 for i in range(s, clause) if text[i] in CLAUSE_BREAKS)]
    for c in reversed(starts):
        m = SUBJECT_LEAD.match(text, c, clause)
        at = m.end() if m else c
        subject = []
        while (r := by_start.get(at)) is not None:
            subject.append(r)
            at = r.end + (1 if text[r.end:r.end + 1] in JOINERS else 0)
        if subject:
            return _inner_regions(subject, s, clause, home, gazetteer)
    return []


def _origins(
    text: str, regions: Sequence[RegionHit], start: int, end: int, home: str | None,
    gazetteer: Gazetteer | None,
) -> tuple[str, ...]:
    """Codes of the divisions named in text[start:end] (after a learning cue), the most
    specific of each chain (浙江诸暨 → 诸暨市 only), the document's own region left out.

    Besides the regions found in the text, the short names a learning cue makes plain
    (借鉴浙江诸暨“枫桥经验”: 浙江, 诸暨) are looked up in the gazetteer here, leftmost
    longest; a name several divisions share counts only under a division named before it.
    """
    codes = [r.code for r in regions if start <= r.start and r.end <= end and r.code]
    if gazetteer is not None:
        codes += _short_names(fold(text[start:end][:MAX_ORIGIN_SPAN]), gazetteer)
    codes = [c for c in dict.fromkeys(codes) if c != home]
    return tuple(c for c in codes
                 if not any(o != c and _inside(gazetteer, o, c) for o in codes))


MAX_ORIGIN_SPAN = 40


def _inside(gazetteer: Gazetteer | None, code: str, parent: str) -> bool:
    if gazetteer is None:
        return code.startswith(parent.rstrip("0"))
    return parent in {d.code for d in gazetteer.chain(code)[1:]}


def _short_names(span: str, gazetteer: Gazetteer) -> list[str]:
    found: list[str] = []
    i = 0
    while i < len(span):
        for n in range(min(12, len(span) - i), 1, -1):
            divisions = gazetteer.lookup(span[i:i + n])
            if len(divisions) > 1:  # 朝阳区, 鼓楼: only under a division named before it
                divisions = tuple(d for d in divisions if any(
                    _inside(gazetteer, d.code, f) for f in found))
            if len(divisions) == 1:
                found.append(divisions[0].code)
                i += n
                break
        else:
            i += 1
    return found


def _first_in(agencies: Sequence[AgencyHit]) -> Callable[[int, int], str | None]:
    """The name of the first of ``agencies`` (in their order) that starts in ``[s, e)``:
    found by bisection when they are sorted by start (as find_agencies gives them)."""
    starts = [a.start for a in agencies]
    if any(b < a for a, b in pairwise(starts)):
        return lambda s, e: next((a.name for a in agencies if s <= a.start < e), None)

    def first(s: int, e: int) -> str | None:
        k = bisect_left(starts, s)  # the first in order of those starting at or after s
        return agencies[k].name if k < len(starts) and starts[k] < e else None

    return first


def _inner_regions(
    regions: Sequence[RegionHit], start: int, end: int, home: str | None,
    gazetteer: Gazetteer | None,
) -> list[tuple[str, str | None]]:
    """The divisions inside ``home`` named in text[start:end], in order: (code, None) of a
    coded division, (its county's code, name) of a township in or under ``home``."""
    if home is None or gazetteer is None:
        return []
    found: list[tuple[str, str | None]] = []
    for r in regions:
        if not (start <= r.start and r.end <= end):
            continue
        if r.code:
            key: tuple[str, str | None] = (r.code, None)
            inside = r.code != home and home in {d.code for d in gazetteer.chain(r.code)[1:]}
        elif r.level == "township" and r.parent_code:
            key = (r.parent_code, r.name)
            inside = r.parent_code == home or home in {
                d.code for d in gazetteer.chain(r.parent_code)[1:]}
        else:
            continue
        if inside and key not in found:
            found.append(key)
    return found
