"""Implementations: the report's region carried out (or plans) a programme in a year.

Every programme a report names is taken as carried out by the report's own
region in the covered year, with the sentence that names it as evidence —
unless the sentence sits in the plans section (三、2022年工作计划, 下一步工作打算 …)
or opens with a planning cue (下一步, 明年): then it is planned for the next
year. The agency is the first one named in the same sentence, if any.

When the clause names, before the programme, divisions with a GB/T code that
lie inside the report's region (a prefecture's report: 伊川县、嵩县推行“首违不罚”),
those divisions carried it out too and get implementations of their own.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from itertools import chain, pairwise

from kg.extract.text import SentenceIndex, fold
from kg.gazetteer import Gazetteer
from kg.types import AgencyHit, ImplementationHit, ProgrammeHit, RegionHit

__all__ = ["find_implementations", "plan_start"]

PLAN_WORDS = re.compile(
    r"下一步|下步|明年|来年|工作计划|工作打算|工作思路|工作安排|工作设想|工作重点|努力方向|"
    r"目标任务|重点任务|展望|谋划"
)
MAX_EVIDENCE = 300
CLAUSE_BREAKS = (",", ",", ":", ":", ";", ";")
PLAN_SENTENCE = re.compile(r"^(下一步|下步|明年|来年|今后|未来)")


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


def find_implementations(
    text: str, *, programmes: Sequence[ProgrammeHit], agencies: Sequence[AgencyHit],
    year: int | None, region_code: str | None,
    regions: Sequence[RegionHit] = (), gazetteer: Gazetteer | None = None,
) -> list[ImplementationHit]:
    """One implementation per (region, programme, year, planned), first evidence kept."""
    if year is None:
        return []
    index = SentenceIndex(text)
    plans_from = plan_start(text, year)
    first_agency = _first_in(agencies)
    seen: set[tuple[str, int, bool]] = set()
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
        when = year + 1 if planned else year
        agency = first_agency(s, e)
        clause = max(s, *(text.rfind(c, s, hit.start) + 1 for c in CLAUSE_BREAKS))
        named = _inner_regions(regions, clause, hit.start, region_code, gazetteer)
        for code in (region_code, *named):
            key = (code or "", hit.concept, when, planned)
            if key in seen:
                continue
            seen.add(key)
            out.append(ImplementationHit(
                programme=hit.concept, year=when, evidence=sentence, start=s,
                region_code=code, agency=agency if code == region_code else None,
                planned=planned,
            ))
    return out


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
) -> list[str]:
    """Codes of divisions inside ``home`` named in text[start:end], in order."""
    if home is None or gazetteer is None:
        return []
    codes: list[str] = []
    for r in regions:
        if start <= r.start and r.end <= end and r.code and r.code != home and r.code not in codes:
            if home in {d.code for d in gazetteer.chain(r.code)[1:]}:
                codes.append(r.code)
    return codes
