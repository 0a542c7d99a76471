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
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import accumulate
from typing import Any

from kg.extract.agencies import lexicon
from kg.extract.scan import Scanner
from kg.extract.text import fold
from kg.gazetteer import MUNICIPALITIES, Division, Gazetteer
from kg.townships import Townships
from kg.townships import load as townships_load
from kg.resources import data_file
from kg.types import RegionHit

__all__ = ["find_regions", "subject_reason", "subject_region", "subject_township"]

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


Undecided = list[tuple[str, tuple[str, ...]]]
"""Names several divisions share that the context did not decide: (surface, candidate codes)."""


def _gazetteer_hits(
    folded: str, text: str, gazetteer: Gazetteer, home: str | None,
    undecided: Undecided | None = None,
) -> list[RegionHit]:
    matcher = _matcher(gazetteer)
    matches = _leftmost_longest(folded, matcher)
    # candidates per match, after the per-candidate context filters, and the reason the
    # filters left one of several namesakes
    pending: list[tuple[int, int, str, list[Division], str | None]] = []
    prev_end, prev_codes = -1, set[str]()
    resolved: dict[int, Division] = {}
    followers = tuple(_context()["not_before"])
    for start, end, key in matches:
        qualifier = prev_codes if prev_end == start else set()
        if folded.startswith(followers, end):
            continue  # 湖南路街道, 中山大学: part of a street or an institution's name
        keep = _candidates(folded, start, end, key, gazetteer, home, qualifier, matcher)
        reason = None
        if qualifier:
            narrowed = [d for d in keep if qualifier & _ancestors(gazetteer, d.code)]
            reason = "qualified" if narrowed and len(narrowed) < len(keep) else None
            keep = narrowed or keep
        if len(keep) == 1 and len(gazetteer.lookup(key)) > 1:
            reason = reason or _filter_reason(gazetteer, keep[0], key, home, qualifier)
        pending.append((start, end, key, keep, reason))
        if len(keep) == 1:
            resolved[start] = keep[0]
        prev_end, prev_codes = end, {d.code for d in keep} if len(keep) == 1 else set()
    context = set()
    for d in resolved.values():
        context |= {c.code for c in gazetteer.chain(d.code)}
    if home:
        context |= {c.code for c in gazetteer.chain(home)}
    hits = []
    for start, end, key, keep, reason in pending:
        choice = resolved.get(start)
        if choice is None and keep:
            choice, reason = _resolve(gazetteer, keep, context, home)
            if choice is None and undecided is not None:
                undecided.append((text[start:end], tuple(d.code for d in keep)))
        if choice is not None:
            hits.append(RegionHit(start, end, text[start:end], choice.name, choice.level,
                                  choice.code, choice.parent, reason))
    return hits


def _candidates(
    folded: str, start: int, end: int, key: str, gazetteer: Gazetteer, home: str | None,
    qualifier: set[str], matcher: _Matcher,
) -> list[Division]:
    """The divisions named ``key`` that the context around ``folded[start:end]`` allows."""
    keep: list[Division] = []
    for d in gazetteer.lookup(key):
        up = _ancestors(gazetteer, d.code)
        qualified = bool(qualifier & up) or d.code == home
        if _qualified_only(d) and not qualified:
            continue
        bare = key not in matcher.official
        if bare and d.level == "county" and not (qualified or _near_home(gazetteer, d, home)):
            continue
        if len(key) == 2 and not qualified and _inside_word(folded, start, end) and not (
                d.level != "county" and _after_place_verb(folded, start, end)):
            continue  # 建成县级 is not 成县: a one-character stem needs a clean boundary
        keep.append(d)
    return keep


def _filter_reason(
    gazetteer: Gazetteer, choice: Division, key: str, home: str | None, qualifier: set[str]
) -> str:
    """Why the context filters left ``choice`` alone of the divisions named ``key``."""
    if choice.code == home:
        return "home"
    if qualifier & _ancestors(gazetteer, choice.code):
        return "qualified"
    if home is not None and _near_home(gazetteer, choice, home):
        return "near-home"
    return "only-fit"  # the context rules allow no other (bare county stems, generic names)


def _after_place_verb(folded: str, start: int, end: int) -> bool:
    """A short name stands as the place a verb takes (考察上海, 位居深圳, 推动西宁): the verb
    ends right before it, the name is no common word (服务来宾) and no settlement's name
    goes on after it (推动新乡村振兴)."""
    verbs, homonyms = _place_verbs()
    return (folded.endswith(verbs, 0, start) and folded[start:end] not in homonyms
            and not folded.startswith(SETTLEMENT_CHARS, end))


SETTLEMENT_CHARS = tuple("村镇乡街路里庄屯")


@lru_cache(maxsize=1)
def _place_verbs() -> tuple[tuple[str, ...], frozenset[str]]:
    ctx = _context()
    return tuple(ctx["place_verbs"]), frozenset(ctx["place_verb_homonyms"])


def _inside_word(folded: str, start: int, end: int) -> bool:
    """A short name glued to the words around it: 建成县级, 县级 after a one-character stem."""
    return folded.startswith("级", end) or (start > 0 and bool(HANZI.match(folded[start - 1]))
                                             and folded[start - 1] not in "、和与及在赴到")


def _resolve(
    gazetteer: Gazetteer, keep: list[Division], context: set[str], home: str | None
) -> tuple[Division | None, str | None]:
    """One of several divisions of one name, and the reason: the report's own region
    ("home"), a province over its namesake city ("broadest": 吉林 → 吉林省), or the one
    alone under the most of the divisions the text names ("context"); (None, None) when
    the context does not decide."""
    if len(keep) == 1:
        return keep[0], None
    if home is not None:
        for d in keep:
            if d.code == home:
                return d, "home"
    # 吉林 → 吉林省 over 吉林市: a candidate that is an ancestor of all the others
    for d in keep:
        if all(d.code in _ancestors(gazetteer, o.code) for o in keep if o is not d):
            return d, "broadest"
    scored = [(len(_ancestors(gazetteer, d.code) & context), d) for d in keep]
    best = max(s for s, _ in scored)
    top = [d for s, d in scored if s == best]
    return (top[0], "context") if best > 0 and len(top) == 1 else (None, None)


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
    folded: str, text: str, home: str | None, taken: list[tuple[int, int]],
    parent_of: Callable[[str, str, int], tuple[str | None, str | None]] | None = None,
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
        level = suffixes[suffix]
        parent, reason = (home, None) if parent_of is None else parent_of(
            folded[start:m.end()], level, start)
        hits.append(RegionHit(start, m.end(), text[start:m.end()], text[start:m.end()],
                              level, None, parent, reason))  # type: ignore[arg-type]
    return hits


def _parent_finder(
    gazetteer: Gazetteer, coded: list[RegionHit], home: str | None,
) -> Callable[[str, str, int], tuple[str | None, str | None]]:
    """The county of a township or village named at an offset, and the reason.

    A county named right before it (伊川县白沙镇) is its county ("named-county"); else a
    township in the township list of exactly one county in or under the report's region
    (or of one county in the country, when the report's region is unknown) is in that
    county ("county-list"); else the report's region, as the text gives no more. A village
    right after a township (白沙镇马村) is in the township's county.
    """
    by_end = {h.end: h for h in coded if h.code is not None}
    towns: list[RegionHit] = []

    def parent_of(name: str, level: str, start: int) -> tuple[str | None, str | None]:
        before = by_end.get(start)
        if before is not None and before.level == "county":
            return before.code, "named-county"
        if level != "township":
            town = next((t for t in reversed(towns) if t.end == start), None)
            return (town.parent_code, town.reason) if town is not None else (home, None)
        within = before.code if before is not None else home
        counties = township_list(gazetteer).counties(name)
        if within is not None:
            counties = tuple(c for c in counties if c == within or within in _ancestors(gazetteer, c))
        if len(counties) == 1 and counties[0] != home:
            found = (counties[0], "county-list")
        else:
            found = (home, None)
        towns.append(RegionHit(start, start + len(name), name, name, "township", None, *found))
        return found

    return parent_of


def township_list(gazetteer: Gazetteer) -> Townships:
    """The township names of each county (:mod:`kg.townships`)."""
    return townships_load(gazetteer)


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


def find_regions(
    text: str, *, gazetteer: Gazetteer, home: str | None, undecided: Undecided | None = None,
) -> list[RegionHit]:
    """Every administrative division named in ``text``, sorted by start offset.

    Args:
        text: report text (full-width characters allowed; offsets refer to it).
        gazetteer: from :func:`kg.gazetteer.load`.
        home: six-digit code of the report's own region, or None.
        undecided: if given, each name several divisions share that the context does
            not decide is appended to it as (surface, candidate codes); such names are
            never guessed, and give no hit.

    Returns:
        RegionHit records; ``name`` is the official name, ``surface`` the text.

    >>> from kg.gazetteer import load
    >>> [(h.surface, h.code) for h in find_regions("长治市潞州区人民政府", gazetteer=load(), home=None)]
    [('长治市', '140400'), ('潞州区', '140403')]
    """
    if undecided is None and len(text) < _SCAN_CACHE_FROM:
        return list(_short_regions(text, gazetteer, home))
    return _find_regions(text, gazetteer, home, undecided)


@lru_cache(maxsize=4096)
def _short_regions(text: str, gazetteer: Gazetteer, home: str | None) -> tuple[RegionHit, ...]:
    """:func:`find_regions` of a short text (a title, a publisher), memoised: the report's
    own region and its township are both looked for in the same title."""
    return tuple(_find_regions(text, gazetteer, home, None))


def _find_regions(
    text: str, gazetteer: Gazetteer, home: str | None, undecided: Undecided | None,
) -> list[RegionHit]:
    folded = fold(text)
    hits = _gazetteer_hits(folded, text, gazetteer, home, undecided)
    spans = [(h.start, h.end) for h in hits]
    overlaps = _overlap_test(spans)
    relative = [h for h in _relative_hits(folded, text, gazetteer, home)
                if not overlaps(h.start, h.end)]
    spans += [(h.start, h.end) for h in relative]
    towns = _township_hits(folded, text, home, sorted(spans),
                           _parent_finder(gazetteer, hits, home))
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
    return _subject_in_text(folded, hits, divisions, gazetteer)


def subject_reason(
    division: Division, *, title: str, publisher: str | None, text: str, gazetteer: Gazetteer
) -> str | None:
    """Why :func:`subject_region` took ``division`` when other divisions share its name
    (RegionHit.reason of its first such mention in the title, publisher or text, else
    "context": the divisions the text names placed it); None for a name of its own."""
    if all(len(gazetteer.lookup(n)) < 2 for n in (division.name, *division.aliases)):
        return None
    for source in (title, publisher or "", text):
        hits = _gazetteer_hits(fold(source), source, gazetteer, None)
        reason = next((h.reason for h in hits if h.code == division.code and h.reason), None)
        if reason is not None:
            return reason
    return "context"


def _subject_in_text(
    folded: str, hits: list[RegionHit], divisions: dict[str, Division | None],
    gazetteer: Gazetteer,
) -> Division | None:
    """The report's region from the divisions its text names (``hits``, coded, in order).

    The report names itself by a level word (全省, 我市, 本区): a 省 report (one that says
    我省 or 本省 and uses no other such word) is about the province it names, else the one province every named division lies in; otherwise the
    most named division whose name ends in that word (a 自治区 counts for 区), leaving out
    a division named only as the target of an action (将平度市…, 对某县…): a report calls
    itself 我市, so then its region is the one that contains that division, if that one
    fits the word.
    """
    kinds = _self_kinds(folded)
    # 全省 also stands in lower reports (在全省率先): a 省 report uses no other level word
    lower = Counter({k: n for k, n in kinds.items() if k != "省"})
    self_kind = lower.most_common(1)[0][0] if lower else (
        "省" if OWN_PROVINCE.search(folded) else None)
    named = [d for d in divisions.values() if d is not None]
    if self_kind == "省":
        province = _province_subject(named, folded, gazetteer)
        if province is not None:
            return province
    candidates = [d for d in named if d.level != "province" or _fits(d, self_kind)]
    if not candidates:
        return divisions[hits[0].code]  # type: ignore[index]
    targets = _targets_only(folded, hits, _context()["object_markers"])
    actors = [d for d in candidates if d.code not in targets]
    if not actors and self_kind is not None:
        parents = {p.code: p for d in candidates
                   for p in gazetteer.chain(d.code)[1:2] if _fits(p, self_kind)}
        if len(parents) == 1:
            return next(iter(parents.values()))
    candidates = actors or candidates

    def score(d: Division) -> tuple[int, int, int, str]:
        mentions = folded.count(min((d.name, *d.aliases), key=len))  # the shortest form counts all
        return int(_fits(d, self_kind)), mentions, LEVEL_RANK[d.level], d.code

    return max(candidates, key=score)


OWN_PROVINCE = re.compile(r"(?:我|本)省")  # 全省 alone also stands in lower reports (在全省率先)


def _fits(d: Division, self_kind: str | None) -> bool:
    """Does ``d``'s name end with the level word the report uses for itself (区 for 自治区)?"""
    return self_kind is not None and d.name.endswith(self_kind)


def _province_subject(named: list[Division], folded: str, gazetteer: Gazetteer) -> Division | None:
    """A 省 report's province: the most named province, else the one province every named
    division lies in (全省 … 驻马店市获评 → 河南省), else None."""
    provinces = [d for d in named if d.level == "province" and d.name.endswith("省")]
    if provinces:
        return max(provinces, key=lambda d: (folded.count(min((d.name, *d.aliases), key=len)),
                                             d.code))
    around = {gazetteer.chain(d.code)[-1].code for d in named}
    if len(around) == 1:
        province = gazetteer.get(next(iter(around)))
        if province is not None and province.name.endswith("省"):
            return province
    return None


def _targets_only(folded: str, hits: list[RegionHit], markers: list[str]) -> set[str]:
    """Codes of the divisions every mention of which follows an object marker (将, 对 …)."""
    ends = tuple(markers)
    seen: dict[str, bool] = {}
    for h in hits:
        if h.code is not None:
            target = folded.endswith(ends, 0, h.start)
            seen[h.code] = seen.get(h.code, True) and target
    return {code for code, target in seen.items() if target}


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


def _self_kinds(folded: str) -> Counter[str]:
    """How often the report names itself by each level word: 全省/本市/我区 … (省, 区, 县,
    市, 旗 or 州)."""
    return Counter(m.group(1) for m in re.finditer(r"(?:全|本|我)(省|区|县|市|旗|州)", folded))


# a text naming itself as a township: 全镇, 我乡, 本街道, 镇党委 (not 乡镇党委, 各镇政府)
TOWNSHIP_SELF = re.compile(
    r"(?:全|本|我)(镇|乡|街道)|(?<![乡各该全本我])(镇|乡|街道)(?:党委|党工委|人民政府|政府|办事处)")
MIN_TOWNSHIP_SELF = 2
COUNTY_SELF = re.compile(r"(?:全|本|我)(区|县|市|旗)")


def subject_township(
    *, title: str, publisher: str | None, text: str, around: Division | None,
    gazetteer: Gazetteer,
) -> RegionHit | None:
    """The township, town or street a report is about, under its county, or None.

    A township is the subject when it is the last region its title (or publisher) names
    (龙溪镇2024年法治政府建设年度报告, 某县某镇人民政府), or, with no title naming a
    region, when the text names itself as one (全镇, 镇党委) more often than as a county
    and names a township of that kind. Its county (``parent_code``): the county named
    right before it, else the one county under ``around`` (the region found for the
    report otherwise) whose township list has it, else the one in the country; else
    ``around`` itself, or None (the context does not decide: never guessed).
    """
    folded = fold(text)
    superior = _superior_kind(folded)
    for source in (title, publisher or ""):
        hits = find_regions(source, gazetteer=gazetteer, home=None)
        if hits:
            last = hits[-1]
            return (_with_county(last, hits, around, gazetteer, superior)
                    if last.level == "township" else None)
    own = Counter(a or b for a, b in TOWNSHIP_SELF.findall(folded))
    if sum(own.values()) < max(MIN_TOWNSHIP_SELF, len(COUNTY_SELF.findall(folded)) + 1):
        return None
    kind = own.most_common(1)[0][0]
    home = around.code if around else None
    towns = [h for h in find_regions(text, gazetteer=gazetteer, home=home)
             if h.level == "township" and h.name.endswith(kind)]
    if not towns:
        return None
    counts = Counter(h.name for h in towns)
    best = max(towns, key=lambda h: (counts[h.name], -h.start))
    return _with_county(best, [], around, gazetteer, superior)


# the county above a township, as its text names it: 在县委、县政府的领导下, 市委市政府
SUPERIOR = re.compile(r"(?<![省州])(县|市|区|旗)(?:委|人民政府|政府)")


def _superior_kind(folded: str) -> str | None:
    """The level word of the county a township's text names above it (县委 → 县), if one."""
    kinds = set(SUPERIOR.findall(folded[:SUPERIOR_CHARS]))
    return kinds.pop() if len(kinds) == 1 else None


SUPERIOR_CHARS = 1200


def _with_county(
    town: RegionHit, hits: list[RegionHit], around: Division | None, gazetteer: Gazetteer,
    superior: str | None = None,
) -> RegionHit:
    """``town`` with its county: named right before it in ``hits``, else from the lists (of
    the counties whose name ends in ``superior``, the level word of the 县委/市委 the text
    names above it, when that leaves one: "context")."""
    before = next((h for h in hits if h.end == town.start and h.level == "county"), None)
    if before is not None:
        return replace(town, parent_code=before.code, reason="named-county")
    counties = township_list(gazetteer).counties(town.name)
    inside: tuple[str, ...] = ()
    if around is not None:
        inside = tuple(c for c in counties
                       if c == around.code or around.code in _ancestors(gazetteer, c))
        if len(inside) == 1:
            return replace(town, parent_code=inside[0], reason="county-list")
        if inside or (not counties and around.level == "county"):
            return replace(town, parent_code=around.code, reason=None)  # no finer: within it
    if len(counties) == 1:
        return replace(town, parent_code=counties[0], reason="county-list")
    fitting = [c for c in counties if superior and gazetteer.get(c).name.endswith(superior)]  # type: ignore[union-attr]
    if len(fitting) == 1:
        return replace(town, parent_code=fitting[0], reason="context")
    return replace(town, parent_code=None, reason=None)
