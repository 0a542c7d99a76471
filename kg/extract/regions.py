"""Find administrative divisions named in report text, and the report's own region.

Three kinds of hits, merged and sorted by offset:

- gazetteer divisions (province/prefecture/county) by official name or alias,
  matched with one Aho-Corasick automaton over ``fold(text)``; common words
  that overlap a name (依法行政和 → 行政) are in the same automaton and win by
  leftmost-longest selection; bare aliases of counties (宣汉, 政和) count only
  near home or after their parent; ambiguous names (城区, 鼓楼区) are resolved
  by context or dropped;
- townships and villages (X镇/X乡/X街道, X村/X社区) by rules and stoplists;
- relative mentions (全区, 本县, 区政府 …) resolved to the home region.

Rules and word lists live in ``kg/data/regions_context.json``.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import Any

from kg.extract.agencies import lexicon
from kg.extract.scan import Scanner
from kg.extract.text import fold
from kg.gazetteer import MUNICIPALITIES, Division, Gazetteer
from kg.resources import data_file
from kg.types import RegionHit

__all__ = ["find_regions", "subject_region"]

HANZI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ffff]")
LEVEL_RANK = {"province": 0, "prefecture": 1, "county": 2, "township": 3, "village": 4}


@lru_cache(maxsize=1)
def _context() -> dict[str, Any]:
    text = data_file("regions_context.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class _Matcher:
    scanner: Scanner  # surfaces and blockers, leftmost-longest
    blockers: frozenset[str]
    official: frozenset[str]  # official names and aliases carrying a level suffix (黔西南州)


@lru_cache(maxsize=4)
def _matcher(gazetteer: Gazetteer) -> _Matcher:
    surfaces = set(gazetteer.surfaces())
    blockers = frozenset(w for w in _context()["block_words"] if w not in surfaces)
    official = {d.name for d in gazetteer}
    official |= {a for d in gazetteer for a in d.aliases if a[-1] in "州县旗"}
    return _Matcher(Scanner(surfaces | blockers), blockers, frozenset(official))


# The last long text scanned and its matches: subject_region and find_regions scan the
# same folded report text.
_LAST_SCAN: tuple[object, object, list[tuple[int, int, str]]] = (None, None, [])
_SCAN_CACHE_FROM = 256


def _leftmost_longest(folded: str, matcher: _Matcher) -> list[tuple[int, int, str]]:
    """Leftmost-longest non-blocker matches (callers must not mutate the list)."""
    global _LAST_SCAN
    if len(folded) < _SCAN_CACHE_FROM:
        return _scan(folded, matcher)
    last = _LAST_SCAN  # one read: safe if threads interleave
    if last[0] is folded and last[1] is matcher:
        return last[2]
    found = _scan(folded, matcher)
    _LAST_SCAN = (folded, matcher, found)
    return found


def _scan(folded: str, matcher: _Matcher) -> list[tuple[int, int, str]]:
    blockers = matcher.blockers
    return [m for m in matcher.scanner.leftmost_longest(folded) if m[2] not in blockers]


@lru_cache(maxsize=65536)
def _ancestors(gazetteer: Gazetteer, code: str) -> frozenset[str]:
    return frozenset(d.code for d in gazetteer.chain(code)[1:])


def _near_home(gazetteer: Gazetteer, division: Division, home: str | None) -> bool:
    """Is ``division`` in home's chain, under home, or under home's prefecture (or municipality)?"""
    return home is not None and _near(gazetteer, division.code, home)


@lru_cache(maxsize=65536)
def _near(gazetteer: Gazetteer, code: str, home: str) -> bool:
    chain = gazetteer.chain(home)
    if code in {d.code for d in chain}:
        return True
    local = home
    if len(chain) >= 2 and (chain[1].level == "prefecture" or chain[1].code[:2] in MUNICIPALITIES):
        local = chain[1].code
    up = _ancestors(gazetteer, code)
    return home in up or local in up


def _qualified_only(division: Division) -> bool:
    ctx = _context()
    return division.name in ctx["qualified_only_names"] or (
        division.level == "county" and division.code[:2] in ctx["qualified_only_code_prefixes"]
    )


def _gazetteer_hits(
    folded: str, text: str, gazetteer: Gazetteer, home: str | None
) -> list[RegionHit]:
    matcher = _matcher(gazetteer)
    matches = _leftmost_longest(folded, matcher)
    # candidates per match, after the per-candidate context filters
    pending: list[tuple[int, int, str, list[Division]]] = []
    prev_end, prev_codes = -1, set[str]()
    resolved: dict[int, Division] = {}
    followers = tuple(_context()["not_before"])
    for start, end, key in matches:
        qualifier = prev_codes if prev_end == start else set()
        if folded.startswith(followers, end):
            continue  # 湖南路街道, 中山大学: part of a street or an institution's name
        keep: list[Division] = []
        for d in gazetteer.lookup(key):
            up = _ancestors(gazetteer, d.code)
            qualified = bool(qualifier & up) or d.code == home
            if _qualified_only(d) and not qualified:
                continue
            bare = key not in matcher.official
            if bare and d.level == "county" and not (qualified or _near_home(gazetteer, d, home)):
                continue
            if len(key) == 2 and not qualified and _inside_word(folded, start, end):
                continue  # 建成县级 is not 成县: a one-character stem needs a clean boundary
            keep.append(d)
        if qualifier:
            narrowed = [d for d in keep if qualifier & _ancestors(gazetteer, d.code)]
            keep = narrowed or keep
        pending.append((start, end, key, keep))
        if len(keep) == 1:
            resolved[start] = keep[0]
        prev_end, prev_codes = end, {d.code for d in keep} if len(keep) == 1 else set()
    context = set()
    for d in resolved.values():
        context |= {c.code for c in gazetteer.chain(d.code)}
    if home:
        context |= {c.code for c in gazetteer.chain(home)}
    hits = []
    for start, end, key, keep in pending:
        choice = resolved.get(start) or _resolve(gazetteer, keep, context, home)
        if choice is not None:
            hits.append(
                RegionHit(
                    start,
                    end,
                    text[start:end],
                    choice.name,
                    choice.level,
                    choice.code,
                    choice.parent,
                )
            )
    return hits


def _inside_word(folded: str, start: int, end: int) -> bool:
    """A short name glued to the words around it: 建成县级, 县级 after a one-character stem."""
    return folded.startswith("级", end) or (start > 0 and bool(HANZI.match(folded[start - 1]))
                                             and folded[start - 1] not in "、和与及在赴到")


def _resolve(
    gazetteer: Gazetteer, keep: list[Division], context: set[str], home: str | None
) -> Division | None:
    if not keep:
        return None
    if len(keep) == 1:
        return keep[0]
    if home is not None:
        for d in keep:
            if d.code == home:
                return d
    # 吉林 → 吉林省 over 吉林市: a candidate that is an ancestor of all the others
    for d in keep:
        if all(d.code in _ancestors(gazetteer, o.code) for o in keep if o is not d):
            return d
    scored = [(len(_ancestors(gazetteer, d.code) & context), d) for d in keep]
    best = max(s for s, _ in scored)
    top = [d for s, d in scored if s == best]
    return top[0] if best > 0 and len(top) == 1 else None


def _relative_hits(
    folded: str, text: str, gazetteer: Gazetteer, home: str | None
) -> list[RegionHit]:
    if home is None:
        return []
    ctx = _context()["relative"]
    targets: dict[str, Division] = {}
    for d in reversed(gazetteer.chain(home)):  # province first, home last: the most specific wins
        suffix = "省" if d.level == "province" and d.name.endswith("省") else d.name[-1]
        if d.level == "province" and d.name.endswith("自治区"):
            suffix = "区"
        targets[suffix] = d
    if not targets:
        return []
    pattern = _relative_pattern("".join(sorted(targets)))
    hits = []
    for m in pattern.finditer(folded):
        start = m.start()
        kind_pos = start + 1 if folded[start] in ctx["prefixes"] else start
        if kind_pos == start and start > 0 and folded[start - 1] in ctx["blocked_before"]:
            continue
        d = targets[folded[kind_pos]]
        hits.append(
            RegionHit(start, m.end(), text[start : m.end()], d.name, d.level, d.code, d.parent)
        )
    return hits


@lru_cache(maxsize=64)
def _relative_pattern(kinds: str) -> re.Pattern[str]:
    """A relative mention of a division whose name ends in one of ``kinds`` (全区, 区政府).

    Same as ``(?:全|本|我)[kinds]|[kinds](?:政府|…)``, written with one literal opening
    each alternative so that the regex engine skips ahead to those characters.
    """
    ctx = _context()["relative"]
    suffixes = "|".join(map(re.escape, sorted(ctx["suffixes"], key=len, reverse=True)))
    return re.compile("|".join(
        [f"{re.escape(p)}[{kinds}]" for p in ctx["prefixes"]]
        + [f"{re.escape(k)}(?:{suffixes})" for k in kinds]
    ))


def _township_hits(
    folded: str, text: str, home: str | None, taken: list[tuple[int, int]]
) -> list[RegionHit]:
    rules = _context()["township"]
    suffixes: dict[str, str] = rules["suffixes"]
    pattern = _township_pattern()
    ends = {e for _, e in taken}
    hits: list[RegionHit] = []
    for m in pattern.finditer(folded):
        suffix, pos = m.group(), m.start()
        if any(s <= pos < e for s, e in taken) or _blocked_after(
            folded, m.end(), rules["blocked_after"][suffix]
        ):
            continue
        if any(folded.endswith(w, 0, pos) for w in rules["blocked_before"][suffix]):
            continue
        name = _proper_name(folded, pos, rules, ends | {h.end for h in hits}, hits, suffix)
        if name is None:
            continue
        start = pos - len(name)
        if any(s < pos and e > start for s, e in taken):
            continue
        hits.append(
            RegionHit(
                start,
                m.end(),
                text[start : m.end()],
                text[start : m.end()],
                suffixes[suffix],
                None,
                home,
            )  # type: ignore[arg-type]
        )
    return hits


@lru_cache(maxsize=1)
def _township_pattern() -> re.Pattern[str]:
    return re.compile("|".join(sorted(_context()["township"]["suffixes"], key=len, reverse=True)))


def _blocked_after(folded: str, end: int, followers: list[str]) -> bool:
    return any(folded.startswith(f, end) for f in followers)


def _proper_name(
    folded: str, pos: int, rules: dict[str, Any], ends: set[int], hits: list[RegionHit], suffix: str
) -> str | None:
    run = 0
    while pos - run > 0 and HANZI.match(folded[pos - run - 1]) and run < rules["max_name"] + 4:
        run += 1
    boundary_words = sorted(rules["left_boundary_words"], key=len, reverse=True)
    for size in range(2, min(rules["max_name"], run) + 1):
        start = pos - size
        if (
            size == run
            or start in ends
            or any(folded.endswith(w, 0, start) for w in boundary_words)
        ):
            name = folded[start:pos]
            return name if _good_name(name, rules) else None
    # one-character names only inside an enumeration of the same kind: 马厂村、㘰村
    enumerated = run == 1 and pos >= 2 and folded[pos - 2] == "、"
    if enumerated and hits and hits[-1].end == pos - 2 and hits[-1].surface.endswith(suffix):
        return folded[pos - 1] if folded[pos - 1] not in rules["name_bad_chars"] else None
    return None


def _good_name(name: str, rules: dict[str, Any]) -> bool:
    if name in rules["name_stop"] or any(c in rules["name_bad_chars"] for c in name):
        return False
    return not any(p in name for p in rules["name_bad_parts"])


def find_regions(text: str, *, gazetteer: Gazetteer, home: str | None) -> list[RegionHit]:
    """Every administrative division named in ``text``, sorted by start offset.

    Args:
        text: report text (full-width characters allowed; offsets refer to it).
        gazetteer: from :func:`kg.gazetteer.load`.
        home: six-digit code of the report's own region, or None.

    Returns:
        RegionHit records; ``name`` is the official name, ``surface`` the text.

    >>> from kg.gazetteer import load
    >>> [(h.surface, h.code) for h in find_regions("长治市潞州区人民政府", gazetteer=load(), home=None)]
    [('长治市', '140400'), ('潞州区', '140403')]
    """
    folded = fold(text)
    hits = _gazetteer_hits(folded, text, gazetteer, home)
    spans = [(h.start, h.end) for h in hits]
    overlaps = _overlap_test(spans)
    relative = [h for h in _relative_hits(folded, text, gazetteer, home)
                if not overlaps(h.start, h.end)]
    spans += [(h.start, h.end) for h in relative]
    towns = _township_hits(folded, text, home, sorted(spans))
    return sorted(hits + relative + towns, key=lambda h: (h.start, h.end))


def _overlap_test(spans: list[tuple[int, int]]) -> Callable[[int, int], bool]:
    """A test of whether ``[start, end)`` overlaps any of ``spans`` (in any order)."""
    ordered = sorted(spans)
    starts = [s for s, _ in ordered]
    reach = list(accumulate((e for _, e in ordered), max))  # the furthest end so far

    def overlaps(start: int, end: int) -> bool:
        k = bisect_left(starts, end)  # the spans starting before ``end``
        return k > 0 and reach[k - 1] > start

    return overlaps


def _best(hits: list[RegionHit], gazetteer: Gazetteer) -> Division | None:
    coded = [h for h in hits if h.code is not None]
    if not coded:
        return None
    deepest = max(LEVEL_RANK[h.level] for h in coded)
    first = next(h for h in coded if LEVEL_RANK[h.level] == deepest)
    return gazetteer.get(first.code)  # type: ignore[arg-type]


def subject_region(
    *, title: str, publisher: str | None, text: str, gazetteer: Gazetteer
) -> Division | None:
    """The report's own region: from the title, else the publisher, else the text.

    In the text: division names in the first lines (page header, 来源/发文机关),
    else the most frequent division whose name ends with the level suffix the
    report uses for itself (我区/全县/全市 …).

    >>> from kg.gazetteer import load
    >>> subject_region(title="长治市潞州区司法局关于2022年度法治政府建设情况的报告",
    ...                publisher=None, text="", gazetteer=load()).code
    '140403'
    """
    for source in (title, publisher or ""):
        found = _best(find_regions(source, gazetteer=gazetteer, home=None), gazetteer)
        if found is not None:
            return found
    folded = fold(text)
    # the coded hits of find_regions(text, home=None): with no home there are no relative
    # hits and township hits carry no code, so only the gazetteer's are needed
    hits = sorted(_gazetteer_hits(folded, text, gazetteer, None), key=lambda h: (h.start, h.end))
    hits = [h for h in hits if h.code is not None]
    if not hits:
        return None
    divisions = {h.code: gazetteer.get(h.code) for h in hits if h.code is not None}
    for source in (title, publisher or ""):
        generic = _generic_subject(source, divisions, gazetteer)
        if generic is not None:
            return generic
    candidates = [d for d in divisions.values() if d is not None and d.level != "province"]
    if not candidates:
        return divisions[hits[0].code]  # type: ignore[index]
    self_kind = _self_kind(folded)

    def score(d: Division) -> tuple[int, int, int, str]:
        fits = int(self_kind is not None and d.name.endswith(self_kind))
        mentions = folded.count(min((d.name, *d.aliases), key=len))  # the shortest form counts all
        return fits, mentions, LEVEL_RANK[d.level], d.code

    return max(candidates, key=score)


def _generic_subject(
    source: str, divisions: dict[str, Division | None], gazetteer: Gazetteer
) -> Division | None:
    """A title or publisher that starts with a name many prefectures share (矿区人民政府,
    城区司法局关于…): the one division of that name whose prefecture the text names.

    Only when the name is followed by an agency head, 关于 or a year, and exactly one
    division of that name lies under a division the text names; otherwise None.
    """
    folded = fold(source).strip()
    for name in _context()["qualified_only_names"]:
        if not folded.startswith(name):
            continue
        rest = folded[len(name):]
        if not (rest[:1].isdigit() or rest.startswith("关于") or _starts_with_head(rest)):
            continue
        named = {c.code for d in divisions.values() if d is not None
                 for c in gazetteer.chain(d.code)}
        under = [d for d in gazetteer.lookup(name) if d.name == name and d.parent in named]
        if len(under) == 1:
            return under[0]
    return None


def _starts_with_head(rest: str) -> bool:
    """``rest`` begins with an agency head (人民政府, 司法局 …) from ``agency_heads.tsv``."""
    return any(rest.startswith(head) for head in lexicon().heads)


def _self_kind(folded: str) -> str | None:
    """The suffix the report uses for its own region: 区, 县, 市, 旗 or 州 (most frequent)."""
    kinds = Counter(m.group(1) for m in re.finditer(r"(?:全|本|我)(区|县|市|旗|州)", folded))
    return kinds.most_common(1)[0][0] if kinds else None
