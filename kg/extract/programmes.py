"""Programmes: named governance measures, from the curated scheme and discovered in text.

Two passes over one text:

1. **Curated.** Every label of the scheme is looked up with one Aho-Corasick
   automaton over a *view* of the folded text from which quotes, spaces, 《》 and
   、 are dropped (and NFKC / case / dash / middle-dot are unified per
   character), so “八五”普法, 八五普法 and “八五” 普法 all match the label
   八五普法. Hits are leftmost-longest. Very short labels (two characters, or
   those listed in ``programme_quoted_only.txt``) only count when the text
   quotes them (“天网”, “一件事”), since bare they are ordinary words, or when a
   frame word of ``programme_label_frames.tsv`` stands next to them (年度述法,
   述法评议). A label that cuts a short quoted name (数字法治 in “数字法治乡村”)
   is no mention of it, unless it is the quote's head after a place or scope
   (“河南省法治政府建设示范县”); nor is a label standing between a quoted brand and
   that brand's head (“公证+金融”诉源治理新模式).
2. **Discovery.** Quoted names that the scheme lacks become candidate concepts
   (``curated=False``) when they look like a measure: the quote is followed by a
   measure head (``programme_heads.txt``: 模式, 机制, 工程, 行动 …), or the quoted
   text is itself a brand-like slogan (a numbered slogan such as “三会两庭一中心”,
   a formula with + or ·, a shape of ``programme_slogan_patterns.txt`` such as
   “每案必调”, “收件即受理”, “首席事务代表制”, “章丘经验”, a parallel 、 list of
   short phrases with a numbered first item or a shared ending, or ends in a
   head word); “X”的做法 names a practice; a manner quote takes the verb after
   it (“点菜式”放权). A formula or number alone (“1+3+X”) needs its own head; a
   quote right before a curated label qualifies that measure. Outcomes
   (“双提升”), document shorthand (“两规则一细则”), award categories after the
   head and epithets (作为“X经验”) are rejected. A domain word just before the
   quote (``programme_prefixes.txt``: 法律援助, 社区矫正 …) is kept as part of the
   name. Rhetoric, honours, events and media accounts are rejected with
   ``programme_stoplist.txt`` and the cue lists in ``programme_reject_cues.tsv``.
   Unquoted numeric formulas with a head (1+N+17立体普法模式) are kept too.
   The candidate's name is normalised; its theme is guessed from
   ``programme_theme_cues.tsv``.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

from kg.extract.scan import Scanner
from kg.extract.text import fold
from kg.resources import data_lines
from kg.thesaurus import Concept, Thesaurus, normalise
from kg.types import ProgrammeHit

__all__ = ["find_programmes"]

_SKIP = frozenset(" \t\u3000\u00a0“”‘’\"'《》、")
_OPEN = "“‘\"「『"
_CLOSE = "”’\"」』"
_CHAR_MAP = {**{c: "-" for c in "‐‑‒–—―−－"}, **{c: "·" for c in "•・˙∙⋅●"}}
_ASCII_WORD = re.compile(r"[0-9A-Za-z]")

QUOTED = re.compile(r"“([^“”\n]{2,24})”")
NUMERAL = "一二三四五六七八九十百千万两双多"
SLOGAN = re.compile(rf"^(?:[{NUMERAL}\d](?:(?![{NUMERAL}])[\u4e00-\u9fff]){{1,4}}){{1,4}}$")
# 1+N+17, 文艺+法治+德治, 节日·法相伴: a formula of short parts (long parts make a slogan)
FORMULA = re.compile(r"^(?:[0-9A-Za-z\u4e00-\u9fff]{1,4}[+·])+[0-9A-Za-z\u4e00-\u9fff]{1,4}$")
BARE_FORMULA = re.compile(r"(?<![0-9A-Za-z+“])\d+(?:\+[0-9A-Za-z]+)+(?![0-9A-Za-z+”])")
RHETORIC_COUNT = re.compile(rf"^[{NUMERAL}]个")
BRAND = re.compile(r"^(?:[\u4e00-\u9fff]+[A-Za-z]+[\u4e00-\u9fff]*|[A-Za-z]+[\u4e00-\u9fff]+)$")  # 公证E通
CHAINED = re.compile(r"^(?:[、和及与]?“[^“”\n]{1,12}”)+")
ODD_INSIDE = re.compile(r"[,,;;!!??::。\s]")
NO_CJK = re.compile(r"^[^\u4e00-\u9fff]+$")  # 1+3+X, 441: a formula or number alone
SCOPE_END = re.compile(r"(?:[省市县区州盟旗镇乡]|全国|国家|省级|市级|县级|区级)$")
MANNER_HEAD = re.compile(r"([\u4e00-\u9fff]{2})")
LIST_ITEM = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff]{2,8}$")


def _key(text: str) -> str:
    """Matching key of a label: normalise, then case and middle-dot folded."""
    return "".join(_CHAR_MAP.get(c, c) for c in normalise(text)).lower()




def _view_char(c: str) -> str:
    """One character's matching form: always one character, so view offsets stay aligned
    (``"İ".lower()`` is two characters: such a character is left as it is)."""
    n = unicodedata.normalize("NFKC", c)
    c = n if len(n) == 1 else c
    c = _CHAR_MAP.get(c, c)
    low = c.lower()
    return low if len(low) == 1 else c


class _ViewTable(dict):  # type: ignore[type-arg]
    """code point -> its matching form (None: skipped), filled in on first sight."""

    def __missing__(self, cp: int) -> str | None:
        c = chr(cp)
        mapped = None if c in _SKIP else _view_char(c)
        self[cp] = mapped
        return mapped


_VIEW_TABLE = _ViewTable()
_SKIPPED = re.compile("[" + "".join(re.escape(c) for c in sorted(_SKIP)) + "]")


def _plain_class() -> re.Pattern[str]:
    """A character the view may change. CJK unified ideographs never change (no
    decomposition, no case); of ASCII and the common punctuation blocks, those the view
    table keeps as they are."""
    candidates = (0x0A, *range(0x20, 0x7F), *range(0x2000, 0x2070), *range(0x3000, 0x3040))
    kept = "".join(re.escape(chr(cp)) for cp in candidates if _VIEW_TABLE[cp] == chr(cp))
    return re.compile(f"[^\u4e00-\u9fff{kept}]")


_UNPLAIN = _plain_class()


def _translated(folded: str) -> str:
    """``folded.translate(_VIEW_TABLE)``, by replacing each distinct changed character
    (a look-up per character is slow). A character that is another's replacement is
    replaced first, so no replacement is changed again; if no such order exists, translate."""
    changed: dict[str, str] = {}
    for c in set(_UNPLAIN.findall(folded)):
        mapped = _VIEW_TABLE[ord(c)]
        if mapped != c:
            changed[c] = mapped or ""
    produced = {r for mapped in changed.values() for r in mapped}
    order = sorted(changed, key=lambda c: c not in produced)  # produced ones first
    if any(r in changed for c in order if c in produced for r in changed[c]):
        return folded.translate(_VIEW_TABLE)  # a chain (a → b → c): keep it simple
    for c in order:
        folded = folded.replace(c, changed[c])
    return folded


class _KeptOffsets:
    """The offset in the folded text of each kept character, found on demand (a list of
    every offset costs more than the few look-ups a text needs)."""

    __slots__ = ("_shifts", "_size")

    def __init__(self, skipped: list[int], size: int) -> None:
        # the view index at which each skipped character would have been
        self._shifts = [at - n for n, at in enumerate(skipped)]
        self._size = size - len(skipped)

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, k: int) -> int:
        if not 0 <= k < self._size:
            raise IndexError("list index out of range")
        return k + bisect_right(self._shifts, k)


def _view(text: str) -> tuple[str, _KeptOffsets | list[int]]:
    """The folded text without skipped characters, and each kept character's offset."""
    folded = fold(text)
    view = _translated(folded)
    offsets = _KeptOffsets([m.start() for m in _SKIPPED.finditer(folded)], len(folded))
    if len(view) == len(offsets):  # every kept character maps to one character
        return view, offsets
    return _view_slow(text)


def _view_slow(text: str) -> tuple[str, list[int]]:
    chars: list[str] = []
    offsets: list[int] = []
    for i, c in enumerate(fold(text)):
        if c in _SKIP:
            continue
        chars.append(_view_char(c))
        offsets.append(i)
    return "".join(chars), offsets


# --- lexicons -------------------------------------------------------------------------------


@cache
def _quoted_only() -> frozenset[str]:
    return frozenset(_key(x) for x in data_lines("programme_quoted_only.txt"))


@cache
def _stoplist() -> frozenset[str]:
    return frozenset(_key(x) for x in data_lines("programme_stoplist.txt"))


@cache
def _alternation(name: str) -> str:
    words = sorted(data_lines(name), key=len, reverse=True)
    return "|".join(re.escape(w) for w in words)


@cache
def _reject_cues() -> dict[str, re.Pattern[str]]:
    """Kind (before / after / inside-end) -> pattern of cue words that reject a quote."""
    cues: dict[str, list[str]] = {}
    for line in data_lines("programme_reject_cues.tsv"):
        kind, word = line.split("\t")
        cues.setdefault(kind, []).append(re.escape(word))
    anchor = {"inner_end": "$", "bare_end": "$"}
    return {
        kind: re.compile(f"(?:{'|'.join(sorted(words, key=len, reverse=True))}){anchor.get(kind, '')}")
        for kind, words in cues.items()
    }


@cache
def _theme_cues() -> tuple[tuple[str, str], ...]:
    return tuple((c, t) for c, t in (line.split("\t") for line in data_lines("programme_theme_cues.tsv")))


@cache
def _slogan_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(line) for line in data_lines("programme_slogan_patterns.txt"))


@cache
def _label_frames() -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    """(label, words before, words after) of ``programme_label_frames.tsv``."""
    frames = []
    for line in data_lines("programme_label_frames.tsv"):
        label, before, after = (line.split("\t") + ["", ""])[:3]
        frames.append((label, tuple(w for w in before.split("|") if w), tuple(w for w in after.split("|") if w)))
    return tuple(frames)


@cache
def _suffix_re(*, greedy: bool = False) -> re.Pattern[str]:
    """A short modifier (no function words, no punctuation) ending in a measure head.

    Shortest by default (“两所”联动试点 -> 联动); longest after a bare number, whose
    name needs its whole descriptor (“441”标杆型涉企法治服务专区).
    """
    lazy = "" if greedy else "?"
    heads = _alternation("programme_heads.txt")
    return re.compile(rf"^ ?([^\s,,。;;、“”()()的和及等与在对为将把了是以并或从向]{{0,9}}{lazy}(?:{heads}))")


@cache
def _head_end_re() -> re.Pattern[str]:
    return re.compile(rf"(?:{_alternation('programme_heads.txt')})$")


@cache
def _prefix_re() -> re.Pattern[str]:
    return re.compile(rf"(?:{_alternation('programme_prefixes.txt')})$")


# --- curated matching -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Matcher:
    scanner: Scanner  # every label key, overlapping matches
    concepts: dict[str, Concept]  # label key -> concept
    quoted_only: frozenset[str]


_MATCHERS: weakref.WeakKeyDictionary[Thesaurus, _Matcher] = weakref.WeakKeyDictionary()


def _matcher(thesaurus: Thesaurus) -> _Matcher:
    found = _MATCHERS.get(thesaurus)
    if found is None:
        concepts: dict[str, Concept] = {}
        for label, concept in sorted(thesaurus.labels().items()):
            key = _key(label)
            if key:
                concepts[key] = concept  # labels sharing a key: the last one wins
        short = {_key(label) for label in thesaurus.labels() if len(_key(label)) <= 2}
        for label, before, after in _label_frames():  # 年度述法, 述法评议: a framed short label
            concept = concepts.get(_key(label))
            if concept is not None:
                for framed in (*(w + label for w in before), *(label + w for w in after)):
                    concepts.setdefault(_key(framed), concept)
        found = _Matcher(Scanner(concepts, overlapping=True), concepts, _quoted_only() | short)
        _MATCHERS[thesaurus] = found
    return found


def _quoted(text: str, start: int, end: int) -> bool:
    return start > 0 and end < len(text) and text[start - 1] in _OPEN and text[end] in _CLOSE


@cache
def _head_start_re() -> re.Pattern[str]:
    return re.compile(rf"新?(?:{_alternation('programme_heads.txt')})")


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quoted text (inside the marks), in order."""
    return [(m.start(1), m.end(1)) for m in QUOTED.finditer(text)] if "“" in text else []


def _not_a_mention(text: str, start: int, end: int, quotes: list[tuple[int, int]]) -> bool:
    """A label that only names part of a quoted brand (数字法治 in “数字法治乡村”), or that
    describes the quoted brand before it (“公证+金融”诉源治理新模式: the brand's head follows)."""
    if start and text[start - 1] in _CLOSE and _head_start_re().match(text, end):
        return True
    if _cuts_a_quote(text, end, quotes):
        return True
    if not _cuts_a_quote(text, start, quotes):
        return False
    # a label ending where the quote ends, after a place or scope, is the quote's head
    # (“河南省法治政府建设示范县”); after another modifier the quote names a brand of its own
    k = bisect_right(quotes, (start, -1)) - 1
    head_of_quote = end < len(text) and text[end] in _CLOSE
    return not (head_of_quote and SCOPE_END.search(text, quotes[k][0], start))


def _cuts_a_quote(text: str, at: int, quotes: list[tuple[int, int]]) -> bool:
    """``at`` falls strictly inside a short quoted name (not a 、 list)."""
    k = bisect_right(quotes, (at, -1)) - 1
    if k < 0:
        return False
    qs, qe = quotes[k]
    return qs < at < qe and qe - qs <= 12 and "、" not in text[qs:qe]


def _curated(text: str, thesaurus: Thesaurus) -> list[ProgrammeHit]:
    matcher = _matcher(thesaurus)
    quotes = _quote_spans(text)
    view, offsets = _view(text)
    spans: list[tuple[int, int, Concept]] = []
    for first, stop, key in matcher.scanner.all_matches(view):
        last = stop - 1
        if _ASCII_WORD.match(key[0]) and first > 0 and _ASCII_WORD.match(view[first - 1]):
            continue
        if _ASCII_WORD.match(key[-1]) and last + 1 < len(view) and _ASCII_WORD.match(view[last + 1]):
            continue
        start, end = offsets[first], offsets[last] + 1
        if key in matcher.quoted_only and not _quoted(text, start, end):
            continue
        if _not_a_mention(text, start, end, quotes):
            continue
        spans.append((first, stop, matcher.concepts[key]))
    hits: list[ProgrammeHit] = []
    taken_to = 0
    for first, stop, concept in sorted(spans, key=lambda s: (s[0], -s[1])):
        if first < taken_to:
            continue
        taken_to = stop
        start, end = offsets[first], offsets[stop - 1] + 1
        if text[start:end].count("”") > text[start:end].count("“") and start and text[start - 1] == "“":
            start -= 1
        hits.append(ProgrammeHit(start, end, text[start:end], concept.pref_label, True, concept.theme))
    return hits


# --- discovery ------------------------------------------------------------------------------


def guess_theme(name: str) -> str | None:
    """A theme slug from the first cue (in file order) the candidate's name contains, or None.

    >>> guess_theme("入矫教育五步走工作法")
    'community-corrections'
    """
    for cue, theme in _theme_cues():
        if cue in name:
            return theme
    return None


def _document_shorthand(inner: str) -> bool:
    """A numbered slogan whose every part is a kind of document (“两规则一细则”, “一规划两纲要”)."""
    parts = [p for p in re.split(rf"[{NUMERAL}\d]+", inner) if p]
    return bool(parts) and all(_document_kind_re().fullmatch(p) for p in parts)


@cache
def _document_kind_re() -> re.Pattern[str]:
    return re.compile(f"(?:{_alternation('document_types.txt')})")


def _brand_list(inner: str) -> bool:
    """A parallel list of short phrases that names one measure: its first item numbered
    (“一枚印章管审批、一个大厅办成事”), or its items sharing an ending (“马上办、网上办、就近办”)
    or a beginning (“统一登记、统一编号”). Complements (“找得到、打得准”) and shared
    adjective endings (“有温度、有力度”) are rhetoric."""
    items = inner.split("、")
    if len(items) < 2 or not all(LIST_ITEM.match(i) for i in items) or "得" in inner:
        return False
    tails = {i[-1] for i in items}
    if len(tails) == 1 and _reject_cues()["list_tail"].fullmatch(next(iter(tails))):
        return False
    if (items[0][0] in NUMERAL or items[0][0].isdigit()) and len(items[0]) >= 3:
        return True
    if min(map(len, items)) < 3:  # “学法、懂法、用法”: a chant of verbs, no measure
        return False
    return len(items) >= 3 and len(tails) == 1 or len({i[:2] for i in items}) == 1


def _brand_like(inner: str) -> bool:
    """A quoted text that names a measure without a head word after it."""
    if RHETORIC_COUNT.match(inner):  # “两个维护”, “四个意识”, “五个一”
        return False
    if _reject_cues()["bare_end"].search(inner):  # “双提升”: an outcome, not a measure
        return False
    if "、" in inner:
        return _brand_list(inner)
    if SLOGAN.match(inner) and _document_shorthand(inner):
        return False  # “两规则一细则”: documents counted, not a measure
    return bool(
        any(p.match(inner) for p in _slogan_patterns())
        or (SLOGAN.match(inner) and len(inner) >= 3)
        or (FORMULA.match(inner) and re.search(r"[\u4e00-\u9fff]", inner))
        or BRAND.match(inner)
        or _head_end_re().search(inner)
    )


def _candidate(folded: str, m: re.Match[str]) -> tuple[int, int, str] | None:
    """The span and name of a measure named by the quote ``m``, or None if it names none.

    The name is the quoted text alone when it can stand alone (“零扰企”行政执法第三方服务
    模式 -> 零扰企); a bare number or a two-character word keeps its head (“161”管理体系,
    “六清”行动); a domain word before the quote keeps the whole phrase (法律援助“三心”工程).
    """
    inner = m.group(1)
    if ODD_INSIDE.search(inner) or _key(inner) in _stoplist():
        return None
    cues = _reject_cues()
    before = folded[max(0, m.start() - 6) : m.start()]
    window = folded[m.end() : m.end() + 40]
    rest = CHAINED.sub("", window)  # “雪亮”“天网”“慧眼”工程: the head after the last quote
    practice = cues["keep_after"].match(rest.lstrip())  # “办不成事窗口”的做法
    if cues["before"].search(before) or (cues["after"].match(rest.lstrip()) and not practice):
        return None
    if cues["inner_end"].search(inner):
        return None
    suffix = _suffix_re(greedy=bool(re.search(r"\d", inner))).match(rest[:14])
    if NO_CJK.match(inner) and (suffix is None or rest != window):
        return None  # “1+3+X”, “1+11”“全城通办”: a bare formula names nothing without its own head
    if suffix and cues["suffix"].search(suffix.group(1)):
        return None  # “与法同行·典亮未来”民法典主题宣传活动: an event, not a measure
    if suffix and cues["after_head"].match(rest[suffix.end():]):
        return None  # “政策人文环境”类深化改革先进集体: an award category
    if suffix is None and inner.endswith("式") and rest == window:
        suffix = MANNER_HEAD.match(rest)  # “点菜式”放权: a manner quote takes the verb after it
        if suffix and cues["bare_end"].search(suffix.group(1)):
            return None  # “断崖式”下降: an outcome
    if suffix is None and not practice and not _brand_like(inner):
        return None
    prefix = _prefix_re().search(folded[max(0, m.start() - 8) : m.start()])
    head = suffix.group(1).strip() if suffix else ""
    start, end = m.start(), m.end()
    if prefix:
        start -= len(prefix.group(0))
        name = prefix.group(0) + inner + head
    elif head and (re.search(r"\d", inner) or len(inner) <= 2 or inner.endswith("式")):
        name = inner + head
    else:
        name = inner
    if suffix and rest == window:
        end += suffix.end()  # the head is part of the surface only when it follows directly
    return start, end, name


def _discovered(text: str, thesaurus: Thesaurus, curated: list[ProgrammeHit]) -> list[ProgrammeHit]:
    folded = fold(text)
    busy = [(h.start, h.end) for h in curated]
    curated_starts = {h.start for h in curated}
    hits: list[ProgrammeHit] = []
    for m in QUOTED.finditer(folded):
        if any(s < m.end(1) and m.start(1) < e for s, e in busy):
            continue
        if m.end() in curated_starts:
            continue  # “1+3+X”学法清单: the quote qualifies the curated measure after it
        found = _candidate(folded, m)
        if found is None:
            continue
        start, end, name = found
        surface = text[start:end]
        known = thesaurus.by_label(name) or thesaurus.by_label(surface)
        if known is not None:
            hits.append(ProgrammeHit(start, end, surface, known.pref_label, True, known.theme))
        else:
            name = normalise(name)
            hits.append(ProgrammeHit(start, end, surface, name, False, guess_theme(name)))
        busy.append((start, end))
    for m in BARE_FORMULA.finditer(folded) if "+" in folded else ():  # unquoted 1+N+17立体普法模式
        suffix = _suffix_re(greedy=True).match(folded[m.end() : m.end() + 14])
        if suffix is None:
            continue
        start, end = m.start(), m.end() + suffix.end()
        if any(s < end and start < e for s, e in busy):
            continue
        name = normalise(m.group(0) + suffix.group(1))
        known = thesaurus.by_label(name)
        hits.append(
            ProgrammeHit(start, end, text[start:end], known.pref_label if known else name,
                         known is not None, known.theme if known else guess_theme(name))
        )
        busy.append((start, end))
    if "率先" in folded:
        for m in _pioneer_re().finditer(folded):
            start, end = m.start(1), m.end(1)
            if any(s < end and start < e for s, e in busy):
                continue
            name = normalise(m.group(1))
            known = thesaurus.by_label(name)
            hits.append(
                ProgrammeHit(start, end, text[start:end], known.pref_label if known else name,
                             known is not None, known.theme if known else guess_theme(name))
            )
            busy.append((start, end))
    return hits


@cache
def _pioneer_re() -> re.Pattern[str]:
    """率先 + a verb of creating + a name (no function word) ending in a head or 清单."""
    verbs = _alternation("programme_pioneer_verbs.txt")
    heads = _alternation("programme_heads.txt")
    word = "(?:(?![的和及等与在对为将把了是以并或从向])[\u4e00-\u9fff])"
    return re.compile(rf"率先(?:{verbs})({word}{{2,14}}?(?:{heads}|清单))(?=[^\u4e00-\u9fff]|工作|试点|$)")


def find_programmes(text: str, *, thesaurus: Thesaurus, discover: bool = True) -> list[ProgrammeHit]:
    """Every programme named in ``text``, sorted by start offset.

    Args:
        text: the report text (offsets refer to it).
        thesaurus: the programme scheme (its automaton is built once and cached).
        discover: also propose uncurated candidates from quoted names.

    Returns:
        ProgrammeHit per occurrence; ``concept`` is the prefLabel, or for a
        discovered candidate its normalised name with ``curated=False``.
    """
    hits = _curated(text, thesaurus)
    if discover:
        hits += _discovered(text, thesaurus, hits)
    return sorted(hits, key=lambda h: (h.start, h.end))
