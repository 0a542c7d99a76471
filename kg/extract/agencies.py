"""Agencies: government bodies, party committees, courts, procuratorates, public
institutions and named service bodies, resolved to region-qualified names.

Two scanners, both driven by data files in ``kg/data``:

* heads (``agency_heads.tsv``): 司法局, 人民政府, 区委 … preceded by a region name
  (镜湖区司法局, 长治市潞州区司法局) or by a one-character level (区司法局, 县政府,
  市局), which is resolved against the report's own region: 区/县 → the home
  county, 市 → the home county-level city or else its prefecture, 省 → its
  province. 我局/本局 and 市局-style forms name the publisher's kind of body.
* central organs (``agency_central_organs.tsv``): 中共中央, 国务院, 司法部, 国家发改委 … a
  closed public list, national (no region code).
* level grammar: heads built from a level (``agency_head_templates.tsv``: 区委全面依法治区委员会,
  依法治县办 …) and the levels themselves (``agency_levels.tsv``: 自治区党委, 地委, 州纪委); a
  department of a 地区 is its 行政公署's (大兴安岭地区行政公署司法局).
* region-led bodies (``agency_led_suffixes.tsv``): a region or level, a plain name and an
  ending such as 中心 / 设计院 / 领导小组办公室 (南昌县建筑设计院, 省法治政府建设领导小组办公室).
* named bodies (``agency_named_suffixes.tsv``): 天门山司法所, 四川泰和泰律师事务所 …
  the Hanzi run before the suffix, cut at verbs and function words.

The canonical name is the most specific region name plus the canonical head
(政府 → 人民政府, 人社局 → 人力资源和社会保障局); what the text wrote is kept as
``surface`` and becomes an alternative label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

from kg.extract.scan import Scanner
from kg.extract.text import fold
from kg.gazetteer import Division, Gazetteer
from kg.resources import data_lines
from kg.types import AgencyHit

__all__ = ["AgencyLexicon", "find_agencies", "lexicon", "resolve_name"]

HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")
LEVEL_CHARS = "省市区县州旗"
SELF_REFS = ("我局", "本局")
MAX_REGION_NAME = 14
GENERIC_DEPT = re.compile(r"([\u4e00-\u9fff]{4,14}?)(?:局|厅|署)(?![长\u4e00-\u9fff]*?[局厅署])")
# Where GENERIC_DEPT can match (see _generic_spans): at a 局/厅/署 ending a run of Han.
_DEPT_CHAR = re.compile("[局厅署]")
_NOT_HAN_CHAR = re.compile(r"[^\u4e00-\u9fff]")
_HAN_TAIL = re.compile(r"[\u4e00-\u9fff]*\Z")
_BRANCH = re.compile(r"[\u4e00-\u9fff]{2,4}分局")
# 市局/县局/区局/省厅 (not 局长): one literal opens each alternative, so the engine skips ahead
_LEVEL_DEPT = re.compile("市局(?!长)|县局(?!长)|区局(?!长)|省厅(?!长)")
NOT_ORGAN_ENDINGS = frozenset({
    "部署", "布局", "格局", "大局", "结局", "全局", "开局", "破局", "变局", "新局", "当局", "棋局",
    "大厅", "展厅", "餐厅", "客厅", "门厅", "前厅",
})
NOT_LEVEL_WORDS = frozenset({
    "市场", "市民", "区域", "县域", "省级", "市级", "区级", "县级", "市直", "区直", "县直", "省直",
    "市属", "区属", "县属", "市县", "区县", "县区", "市区", "省市", "州府", "县城", "市容", "区块",
})
GENERIC_BAD_CHARS = frozenset("的各等对在为与及并共了是把被将从到向于以其该本我全")
LOCAL_GOVERNMENT_SUFFIXES = frozenset({"街道办事处", "镇人民政府", "乡人民政府"})
BARE_KINDS = frozenset({"department", "public-institution", "party-committee", "justice-bureau"})
BOUNDARY = frozenset("、,,。;;::“”\"'(( \n\t|")
# 依法治区办秘书科: a head followed by a section name is an internal unit, not the body
_INTERNAL_UNIT = re.compile(r"[\u4e00-\u9fff]{1,4}?[科股](?![学技普研])")
CONJUNCTIONS = "和与及"
# cut words that are also nouns in a body's name (法治政府建设领导小组, 组织部)
NAME_NOUNS = frozenset({"建设", "组织"})
PLURAL = "全各每"  # before a level: 全市党委, 各区司法局 are plurals


@dataclass(frozen=True, slots=True)
class Head:
    text: str
    kind: str
    canonical: str
    qualifier: int  # 0 none needed, 1 region or level char, 2 level char or region (for 委)
    level: str = ""  # the level a bare head means (全面依法治区委员会 → 区, 行署 → 地)
    national: bool = False  # a central organ: no region, never qualified


@dataclass(frozen=True, slots=True)
class Level:
    text: str  # as written before a head: 区, 自治区, 地
    ending: str  # the ending of the division it means: 区, 自治区, 地区


@dataclass(frozen=True, slots=True)
class AgencyLexicon:
    heads: dict[str, Head]
    suffixes: dict[str, str]
    cut_words: tuple[str, ...]
    name_stopwords: tuple[str, ...]
    levels: dict[str, Level] = field(default_factory=dict)
    led_suffixes: dict[str, tuple[str, str]] = field(default_factory=dict)  # kind, not-next
    exclusions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Derived once (the hot loops used to rebuild them for every text): the words scanned
    # for, and the cut words of two or more characters (as a tuple for str.endswith, and as
    # one pattern that finds whether any of them occurs in a name)
    head_words: tuple[str, ...] = field(init=False)
    suffix_words: tuple[str, ...] = field(init=False)
    led_words: tuple[str, ...] = field(init=False)
    long_cuts: tuple[str, ...] = field(init=False)
    long_cut_in: re.Pattern[str] = field(init=False)
    led_cut_in: re.Pattern[str] = field(init=False)  # the same, without NAME_NOUNS

    def __post_init__(self) -> None:
        long_cuts = tuple(w for w in self.cut_words if len(w) >= 2)
        derived = {
            "head_words": tuple(self.heads), "suffix_words": tuple(self.suffixes),
            "led_words": tuple(self.led_suffixes), "long_cuts": long_cuts,
            "long_cut_in": _any_of(long_cuts),
            "led_cut_in": _any_of(w for w in long_cuts if w not in NAME_NOUNS),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)  # frozen


def _any_of(words: Iterable[str]) -> re.Pattern[str]:
    """A pattern matching any of ``words`` (none: a pattern that never matches)."""
    alternatives = "|".join(map(re.escape, words))
    return re.compile(alternatives or "(?!)")


def _rows(name: str) -> Iterable[list[str]]:
    return (line.split("\t") for line in data_lines(name))


@cache
def lexicon() -> AgencyLexicon:
    """The agency lexicon from ``kg/data`` (cached)."""
    levels = {}
    template_levels = []
    for row in _rows("agency_levels.tsv"):
        text, ending, template = (row + ["", "", "0"])[:3]
        levels[text] = Level(text, ending or text)
        if template == "1":
            template_levels.append(text)
    heads = {}
    for row in _rows("agency_heads.tsv"):
        text, kind, canonical, qualifier, level = (row + ["", "", "", "1", ""])[:5]
        heads[text] = Head(text, kind, canonical or text, int(qualifier or 1), level)
    for row in _rows("agency_head_templates.tsv"):
        text, kind, canonical, qualifier, level = (row + ["", "", "", "1", ""])[:5]
        for lv in template_levels:
            head = text.replace("{L}", lv)
            heads[head] = Head(head, kind, (canonical or text).replace("{L}", lv),
                               int(qualifier or 1), level.replace("{L}", lv))
    for row in _rows("agency_central_organs.tsv"):
        name, kind, short = (row + ["", "", ""])[:3]
        for surface in (name, *filter(None, short.split("|"))):
            heads[surface] = Head(surface, kind, name, 0, national=True)
    exclusions: dict[str, tuple[str, ...]] = {}
    for row in _rows("agency_head_exclusions.tsv"):
        exclusions[row[0]] = (*exclusions.get(row[0], ()), row[1])
    led = {row[0]: (row[1], (row + [""])[2]) for row in _rows("agency_led_suffixes.tsv")}
    suffixes = {row[0]: row[1] for row in _rows("agency_named_suffixes.tsv")}
    cut = tuple(
        sorted((r[0] for r in _rows("agency_cut_words.txt")), key=len, reverse=True)
    )
    stop = tuple(r[0] for r in _rows("agency_name_stopwords.txt"))
    return AgencyLexicon(heads, suffixes, cut, stop, levels, led, exclusions)


@cache
def _scanner(words: tuple[str, ...]) -> Scanner:
    return Scanner(words)


# The last scans of a long text: find_agencies runs twice over the same folded text when
# the publisher is found on the first pass.
_LAST_SCANS: tuple[object, dict[tuple[str, ...], list[tuple[int, int, str]]]] = (None, {})


def _leftmost_longest(text: str, words: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Leftmost-longest matches of ``words`` (callers must not mutate the list)."""
    global _LAST_SCANS
    if len(text) < 256:
        return _scan(text, words)
    last = _LAST_SCANS  # one read: safe if threads interleave
    if last[0] is not text:
        last = _LAST_SCANS = (text, {})
    found = last[1].get(words)
    if found is None:
        found = last[1][words] = _scan(text, words)
    return found


def _scan(text: str, words: tuple[str, ...]) -> list[tuple[int, int, str]]:
    return _scanner(words).leftmost_longest(text)


def _region_before(
    text: str, pos: int, gazetteer: Gazetteer
) -> tuple[int, list[tuple[Division, ...]]]:
    """Region names written immediately before ``pos`` (长治市潞州区 → two names).

    Returns the start of the qualifier and the candidate divisions of each name,
    outermost first.
    """
    names: list[tuple[Division, ...]] = []
    start = pos
    ending = _name_lengths(gazetteer)
    lookup = gazetteer.lookup
    while True:
        # only the lengths of names ending in this character can match (longest first)
        for k in ending.get(text[start - 1], ()) if start > 0 else ():
            if k > start:
                continue
            found = lookup(text[start - k : start])
            if found:
                names.insert(0, found)
                start -= k
                break
        else:
            return start, names


@cache
def _name_lengths(gazetteer: Gazetteer) -> dict[str, tuple[int, ...]]:
    """Last character of a division name or alias -> its lengths (2 to MAX_REGION_NAME),
    longest first."""
    lengths: dict[str, set[int]] = {}
    for surface in gazetteer.surfaces():
        if 2 <= len(surface) <= MAX_REGION_NAME:
            lengths.setdefault(surface[-1], set()).add(len(surface))
    return {c: tuple(sorted(ks, reverse=True)) for c, ks in lengths.items()}


def _choose(
    candidates: tuple[Division, ...], anchors: Iterable[Division | None], gazetteer: Gazetteer,
) -> Division | None:
    """One of several same-named divisions: the one under (or sharing a prefecture
    with) the first anchor that singles one out; None rather than a guess."""
    if len(candidates) == 1:
        return candidates[0]
    for anchor in anchors:
        if anchor is None:
            continue
        anchor_chain = {d.code for d in gazetteer.chain(anchor.code)}
        inside = [c for c in candidates if anchor.code in {d.code for d in gazetteer.chain(c.code)}]
        near = [
            c for c in candidates
            if anchor_chain & {d.code for d in gazetteer.chain(c.code) if d.level != "province"}
        ]
        for group in (inside, near):
            if len(group) == 1:
                return group[0]
    return None


def _relative(char: str, home: Division | None, gazetteer: Gazetteer) -> Division | None:
    """The division a level (区/县/市/省, or 自治区, 地 from ``agency_levels.tsv``) means in
    a report about ``home``: the nearest division of its chain whose name ends so."""
    if home is None:
        return None
    chain = gazetteer.chain(home.code)
    level = lexicon().levels.get(char)
    ending = level.ending if level else char
    if ending in ("省", "自治区"):
        return next((d for d in chain if d.level == "province" and d.name.endswith(ending)), None)
    return next((d for d in chain if d.name.endswith(ending)), None)


def _level_before(folded: str, pos: int, lex: AgencyLexicon) -> str | None:
    """The level written right before ``pos`` (自治区 before 区: longest first)."""
    for k in (3, 2, 1):
        if pos >= k and folded[pos - k:pos] in lex.levels:
            return folded[pos - k:pos]
    return None


def _listed_after(
    hits: list[AgencyHit], folded: str, pos: int, gazetteer: Gazetteer
) -> Division | None:
    """绍兴市委、市政府: a level prefix right after a listed agency of a region of that
    level means that region, not the report's own."""
    if pos < 2 or folded[pos - 1] not in "、和及与" or not hits or hits[-1].end != pos - 1:
        return None
    prev = gazetteer.get(hits[-1].region_code) if hits[-1].region_code else None
    if prev is not None and prev.name.endswith(folded[pos]):
        return prev
    return None


def resolve_name(region: Division | None, head: Head) -> str:
    """The canonical agency name: region name + canonical head, or the head alone.

    A 地区's party committee is its 地委 (大兴安岭地委) and its departments are those of
    its 行政公署 (大兴安岭地区行政公署司法局)."""
    if region is None or head.national:
        return head.canonical
    if region.name.endswith("地区"):
        if head.canonical.startswith("委"):
            return region.name[:-1] + head.canonical
        if head.kind in ("department", "justice-bureau"):
            return region.name + "行政公署" + head.canonical
    return region.name + head.canonical


def _head_hits(
    text: str, folded: str, *, gazetteer: Gazetteer, home: Division | None,
    publisher: AgencyHit | None, lex: AgencyLexicon,
) -> list[AgencyHit]:
    out = []
    for start, end, word in _leftmost_longest(folded, lex.head_words):
        head = lex.heads[word]
        if folded.startswith(lex.exclusions.get(word, ()), end):
            continue  # 县人大代表, 政协委员: a person
        if head.national:
            if word.endswith("部") and folded[end:end + 1] in ("门", "署"):
                continue  # 教育部门, 公安部署: a kind of department, a plan
            out.append(AgencyHit(start=start, end=end, surface=text[start:end],
                                 name=head.canonical, region_code=None, kind=head.kind))
            continue
        if _INTERNAL_UNIT.match(folded, end):
            continue  # 依法治区办秘书科: a section inside a body
        q_start, names = _region_before(folded, start, gazetteer)
        office = ("行政公署" if folded.startswith("行政公署", start - 4)
                  else "行署" if folded.startswith("行署", start - 2) else "")
        if office and not names:  # 大兴安岭地区行政公署司法局: a department of the 行署
            q_start, names = _region_before(folded, start - len(office), gazetteer)
            if not names:
                q_start = start
        if (len(names) == 1 and start == q_start + 2 and folded[q_start] in CONJUNCTIONS
                and q_start > 0 and HAN.match(folded[q_start - 1])
                and folded[q_start + 1] in lex.levels):
            # 市委和县委: 和 + the level 县, not the county 和县
            q_start, names = q_start + 1, names[1:]
        region: Division | None = None
        level = None if names else _level_before(folded, start, lex)
        if level is not None and start > len(level) and folded[start - len(level) - 1] in PLURAL:
            continue  # 全区党委, 各县法院: every body of that level, not one
        if names:
            outer = None
            for candidates in names:
                outer = _choose(candidates, (outer, home), gazetteer) or outer
            region = outer
            if region is None:
                continue  # an ambiguous region name we cannot resolve: do not guess
        elif level is not None and (region := (
                _listed_after(out, folded, start - len(level), gazetteer)
                if len(level) == 1 else None) or _relative(level, home, gazetteer)):
            q_start = start - len(level)
        elif level is not None and level in LEVEL_CHARS:
            continue  # 区司法局 in a report with no such level: do not guess
        elif head.qualifier == 0:
            region = _relative(head.level, home, gazetteer) if head.level else home
            if region is None:
                continue
        elif _bare_ok(folded, start, head, lex, out):
            region = home  # 组织规划土地监察局、城市管理和综合执法局: the home region's own
            if region is None:
                continue
        else:
            continue
        # 芜湖市公安局镜湖分局: a branch named after the head
        branch = _BRANCH.match(folded[end:end + 6])
        if branch and word.endswith("局"):
            end += branch.end()
            name = resolve_name(region, head) + folded[end - branch.end():end]
        elif head.kind == "service-body" and names:
            name = folded[q_start:end]  # 坪山公证处: a body's own name, kept as written
        else:
            name = resolve_name(region, head)
        out.append(AgencyHit(
            start=q_start, end=end, surface=text[q_start:end], name=name,
            region_code=region.code if region else None, kind=head.kind,
        ))
    for ref in SELF_REFS:
        if publisher is None:
            break
        for m in re.finditer(ref, folded):
            out.append(AgencyHit(
                start=m.start(), end=m.end(), surface=ref, name=publisher.name,
                region_code=publisher.region_code, kind=publisher.kind,
            ))
    # 市局/县局/区局/省厅: the publisher's kind of body at that level
    if publisher is not None:
        dept = _department(publisher.name)
        for m in _LEVEL_DEPT.finditer(folded):
            char = m.group()[0]
            if _inside(out, m.start()):
                continue
            level = _relative(char, home, gazetteer)
            if level is None or dept is None:
                continue
            canonical = dept if char != "省" else dept.replace("局", "厅")
            out.append(AgencyHit(
                start=m.start(), end=m.end(), surface=text[m.start():m.end()],
                name=level.name + canonical, region_code=level.code, kind=publisher.kind,
            ))
    return out


def _bare_ok(
    folded: str, start: int, head: Head, lex: AgencyLexicon, hits: list[AgencyHit] = (),
) -> bool:
    """A department named without a region, right after a list separator, the start
    of a line or a verb (组织/联合/成立 …): the home region's own body."""
    if len(head.text) < 3 or head.kind not in BARE_KINDS:
        return False
    if start > 0 and folded[start - 1] == "、" or folded.startswith("、", start + len(head.text)):
        return True  # a member of a list of bodies
    if (start > 0 and folded[start - 1] in "和及与" and hits
            and hits[-1].end == start - 1):
        return True  # 区法院、司法局及信访办: the last member of a list
    if head.kind == "public-institution":
        return False  # 建成公共法律服务中心(站)2.6万个: a kind of place, not one body
    if start == 0 or folded[start - 1] in BOUNDARY:
        return True
    return folded.endswith(lex.long_cuts, 0, start)


def _department(name: str) -> str | None:
    for dept in ("司法局", "公安局", "财政局", "民政局", "人力资源和社会保障局"):
        if name.endswith(dept):
            return dept
    return None


def _inside(hits: list[AgencyHit], pos: int) -> bool:
    return any(h.start <= pos < h.end for h in hits)


def _named_hits(
    text: str, folded: str, *, gazetteer: Gazetteer, home: Division | None, lex: AgencyLexicon,
    taken: list[AgencyHit],
) -> list[AgencyHit]:
    agency_ends = {h.end for h in taken}
    out = []
    for start, end, suffix in _leftmost_longest(folded, lex.suffix_words):
        run_start = start
        while (run_start > 0 and HAN.match(folded[run_start - 1]) and start - run_start < 10
               and run_start not in agency_ends):
            run_start -= 1
        if start - run_start >= 10 and run_start not in agency_ends:
            continue  # no boundary in sight: part of a longer phrase
        run = folded[run_start:start]
        named_at = _region_prefix_at(run, gazetteer)
        if named_at is not None:  # 四川泰和泰律师事务所: a name opening with a region
            cut = named_at
        else:
            cut = max((run.rfind(w) + len(w) for w in lex.cut_words if w in run), default=0)
        name_start = run_start + cut
        prefix = folded[name_start:start]
        if not 2 <= len(prefix) <= 8 or any(w in prefix for w in lex.name_stopwords):
            continue
        region = None
        for k in range(len(prefix), 1, -1):
            found = gazetteer.lookup(prefix[:k])
            if found:
                region = _choose(found, (home,), gazetteer)
                break
        name = folded[name_start:end]
        if region is not None and suffix in LOCAL_GOVERNMENT_SUFFIXES:
            # 罗湖区东门街道办事处 → 东门街道办事处, in 罗湖区
            bare = name.removeprefix(_region_prefix_text(prefix, gazetteer))
            name = bare if len(bare) > len(suffix) + 1 else name
        elif region is None and suffix in LOCAL_GOVERNMENT_SUFFIXES and home is not None:
            region = home
        out.append(AgencyHit(
            start=name_start, end=end, surface=text[name_start:end],
            name=name, region_code=region.code if region else None,
            kind=lex.suffixes[suffix],
        ))
    return out


def _region_prefix_text(prefix: str, gazetteer: Gazetteer) -> str:
    """The region names a name opens with (深圳市罗湖区东门 → 深圳市罗湖区)."""
    pos = 0
    while True:
        for k in range(min(MAX_REGION_NAME, len(prefix) - pos), 1, -1):
            if gazetteer.lookup(prefix[pos:pos + k]):
                pos += k
                break
        else:
            return prefix[:pos]


def _region_prefix_at(run: str, gazetteer: Gazetteer) -> int | None:
    """The first offset in ``run`` where a region name (2+ chars) begins, leaving a name after it."""
    for i in range(len(run) - 1):
        for k in range(min(MAX_REGION_NAME, len(run) - i), 1, -1):
            if gazetteer.lookup(run[i:i + k]):
                return i if len(run) - i - k >= 1 else None
    return None


def _generic_hits(
    text: str, folded: str, *, gazetteer: Gazetteer, home: Division | None,
    lex: AgencyLexicon, taken: list[AgencyHit],
) -> list[AgencyHit]:
    """Departments missing from the lexicon: a region or level prefix, a plain name,
    and 局/厅/署 (市政务服务和大数据管理局). The name part may hold no verb or
    function word, and 市场/区域/县级-style words are not level prefixes."""
    out = []
    for span_start, end in _generic_spans(folded):
        if (_inside(taken, end - 1) or folded[end - 2:end] in NOT_ORGAN_ENDINGS
                or folded[end:end + 1] == "长"):
            continue  # 副厅长: a post
        span = folded[span_start:end - 1]
        for i in range(len(span) - 2, -1, -1):
            char = span[i]
            if char not in LEVEL_CHARS:
                continue
            middle = span[i + 1:]
            q = span_start + i
            if (len(middle) < 3 or folded[q:q + 2] in NOT_LEVEL_WORDS
                    or lex.long_cut_in.search(middle)
                    or any(c in middle for c in GENERIC_BAD_CHARS)):
                continue
            found = _level_region(folded, q, gazetteer=gazetteer, home=home, lex=lex)
            if found is None:
                continue
            region, q_start = found
            if region is None:
                continue
            out.append(AgencyHit(
                start=q_start, end=end, surface=text[q_start:end],
                name=region.name + folded[q + 1:end], region_code=region.code, kind="department",
            ))
            break
    return out


def _level_region(
    folded: str, q: int, *, gazetteer: Gazetteer, home: Division | None, lex: AgencyLexicon,
) -> tuple[Division | None, int] | None:
    """The region of a level character at ``q`` (市 in 某某市不动产登记中心) and where the
    name starts: a region named just before it, else the level resolved against ``home``
    when a boundary or a cut word precedes it; None when neither (the level is inside a word)."""
    before = folded[q - 1] if q > 0 else ""
    q_start, names = (_region_before(folded, q + 1, gazetteer) if HAN.match(before or "x")
                      else (q, []))
    if names:
        return _choose(names[-1], (home,), gazetteer), q_start
    if before == "" or before in BOUNDARY or folded.endswith(lex.long_cuts, 0, q):
        return _relative(folded[q], home, gazetteer), q
    return None


def _led_hits(
    text: str, folded: str, *, gazetteer: Gazetteer, home: Division | None,
    lex: AgencyLexicon, taken: list[AgencyHit],
) -> list[AgencyHit]:
    """Bodies named by a region (or a level) and a plain name before an ending of
    ``agency_led_suffixes.tsv``: 南昌县建筑设计院, 市不动产登记中心, 省法治政府建设领导小组办公室.

    The ending must not run on into another word (中心组, 中心城区); the name part holds
    no verb, function word or 市场/区域-style word; a level needs a boundary or a verb
    before it, as in :func:`_generic_hits`."""
    out = []
    for start, end, suffix in _leftmost_longest(folded, lex.led_words):
        kind, not_next = lex.led_suffixes[suffix]
        if end < len(folded) and folded[end] in not_next:
            continue  # 中心组, 中心城区: another word
        if _inside(taken, end - 1) or _inside(out, start):
            continue
        tail = _HAN_TAIL.search(folded, max(0, start - 16), start)
        span_start = tail.start() if tail else start
        for q in range(span_start, start - 2):
            char = folded[q]
            if char not in LEVEL_CHARS or folded[q:q + 2] in NOT_LEVEL_WORDS:
                continue
            middle = folded[q + 1:start]
            if (len(middle) < 2 or any(c in middle for c in GENERIC_BAD_CHARS)
                    or any(w in middle for w in lex.name_stopwords)
                    or lex.led_cut_in.search(middle)):
                continue
            found = _level_region(folded, q, gazetteer=gazetteer, home=home, lex=lex)
            if found is None:
                continue
            region, q_start = found
            if region is None or _inside(taken, q_start):
                continue
            out.append(AgencyHit(
                start=q_start, end=end, surface=text[q_start:end],
                name=region.name + folded[q + 1:end], region_code=region.code,
                kind=kind,
            ))
            break
    return out


def _generic_spans(folded: str) -> Iterator[tuple[int, int]]:
    """``(m.start(1), m.end())`` of each match of GENERIC_DEPT in ``folded``, found faster.

    A GENERIC_DEPT match ends at the last 局/厅/署 of a run of Han characters (the
    lookahead allows no later one in the run) and starts as far left in that run as
    14 characters allow; one match per run, and none if fewer than 4 characters
    precede the 局/厅/署. The regex tries every Han position as a start; here only the
    few 局/厅/署 are visited.
    """
    ends = [m.start() for m in _DEPT_CHAR.finditer(folded)]
    for last, after in zip(ends, [*ends[1:], None]):
        if after is not None and not _NOT_HAN_CHAR.search(folded, last + 1, after):
            continue  # not the last of its run
        tail = _HAN_TAIL.search(folded, max(0, last - 14), last)  # always matches (maybe empty)
        start = tail.start() if tail else last
        if last - start >= 4:
            yield start, last + 1


def find_agencies(
    text: str, *, gazetteer: Gazetteer, home: Division | None,
    publisher: AgencyHit | None = None,
) -> list[AgencyHit]:
    """Every agency named in ``text``, sorted by start; overlapping hits keep the longest.

    ``home`` is the report's own region (for 区司法局 → 镜湖区司法局); ``publisher``
    resolves 我局 and 市局-style forms.
    """
    lex = lexicon()
    folded = fold(text)
    hits = _head_hits(text, folded, gazetteer=gazetteer, home=home, publisher=publisher, lex=lex)
    hits += _named_hits(text, folded, gazetteer=gazetteer, home=home, lex=lex, taken=hits)
    hits += _generic_hits(text, folded, gazetteer=gazetteer, home=home, lex=lex, taken=hits)
    hits += _led_hits(text, folded, gazetteer=gazetteer, home=home, lex=lex, taken=hits)
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[AgencyHit] = []
    for hit in hits:
        if kept and hit.start < kept[-1].end:
            continue
        kept.append(hit)
    return kept
