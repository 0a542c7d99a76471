"""Policy documents: 《title》 of laws, regulations, plans, schemes and rules.

A bracketed title is a policy document when its ending is a document type
(``document_types.txt``: 法, 条例, 办法, 方案, 规划, 清单 …) and no word before it
marks a work of art or a publication (``document_art_cues.txt``: 剧本, 微视频,
简报 …). A numbered set of articles (《…二十条》, 《…20条》) is a document too. A short
reference is not a new document: a title named as the short form of another
(…(以下简称《实施纲要》)), or a bare document type (《条例》, 《规则》) after a full title
with that ending in the same text. A title nesting another in <> or 〈〉 keeps its
ending before the closing bracket. The title is normalised (NFKC; a dash between years becomes —) and given
a level from the region it names: a province → provincial, a prefecture,
a county; a law or national plan naming no region → national; else unknown.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from kg.extract.text import fold
from kg.gazetteer import Gazetteer
from kg.resources import data_lines
from kg.types import DocLevel, DocumentHit

__all__ = ["document_level", "find_documents", "normalise_title"]

TITLE = re.compile(r"《([^《》\n]{2,120})》")
TRAILING_PAREN = re.compile(r"[((][^()()]{1,20}[))]$")
NESTED_CLOSE = re.compile(r"[>〉]$")
NUMBERED_ARTICLES = re.compile(r"(?:\d{1,3}|[一二三四五六七八九十百]{1,4})条$")
SHORT_FORM = re.compile(r"(?:简称|下称)\s*[“\"]?$")
YEAR_DASH = re.compile(r"(\d{4})\s*[-‐‑‒–—―~～－]+\s*(\d{4})")
JOINED_YEARS = re.compile(r"(?<=\()((?:19|20)\d\d)((?:19|20)\d\d)(?=年?\))")
UNCLOSED_YEARS = re.compile(r"\((?:19|20)\d\d—(?:19|20)\d\d年?$")
LEADING_NOISE = re.compile(r"^(关于|中共|中国共产党|\d{4}年度?|\d{4}—\d{4}年)+")
LEVEL_OF: dict[str, DocLevel] = {
    "province": "provincial", "prefecture": "prefecture", "county": "county",
}


@cache
def _endings() -> tuple[str, ...]:
    return tuple(sorted(data_lines("document_types.txt"), key=len, reverse=True))


@cache
def _national() -> frozenset[str]:
    return frozenset(data_lines("document_national_endings.txt"))


@cache
def _art_cues() -> tuple[str, ...]:
    return tuple(sorted(data_lines("document_art_cues.txt"), key=len, reverse=True))


def normalise_title(title: str) -> str:
    """NFKC, trimmed, a dash between two years written as —.

    >>> normalise_title(" 法治政府建设实施纲要(2021-2025年) ")
    '法治政府建设实施纲要(2021—2025年)'
    """
    title = unicodedata.normalize("NFKC", title).strip()
    title = YEAR_DASH.sub(r"\1—\2", title)
    # (20212025年): the dash lost in copying, two years in order
    title = JOINED_YEARS.sub(
        lambda m: f"{m[1]}—{m[2]}" if m[1] < m[2] else m[0], title)
    if UNCLOSED_YEARS.search(title):  # 规划(2021—2025年 with its ) lost
        title += ")"
    return title


def _core(title: str) -> str:
    """The title without trailing parentheses ((试行), (2021—2025年)) or a nesting's close."""
    core = title
    while TRAILING_PAREN.search(core) or (NESTED_CLOSE.search(core) and core[:-1].rfind(
            "<" if core[-1] == ">" else "〈") >= 0):
        core = NESTED_CLOSE.sub("", TRAILING_PAREN.sub("", core)).strip()
    return core


def _ending(title: str) -> str | None:
    core = _core(title)
    found = next((e for e in _endings() if core.endswith(e)), None)
    if found is None and NUMBERED_ARTICLES.search(core) and len(core) > 4:
        return "条"
    return found


@lru_cache(maxsize=65536)  # the same titles recur in every report
def document_level(title: str, *, gazetteer: Gazetteer) -> DocLevel:
    """The level of a document from the region its title names (most specific wins)."""
    head = LEADING_NOISE.sub("", title)
    best = None
    for i in range(len(head)):
        for j in range(min(len(head), i + 14), i + 1, -1):
            found = gazetteer.lookup(head[i:j])
            if found:
                levels = {d.level for d in found}
                rank = max(("province", "prefecture", "county").index(lv) for lv in levels)
                best = rank if best is None else max(best, rank)
                break
    if best is not None:
        return LEVEL_OF[("province", "prefecture", "county")[best]]
    ending = _ending(title)
    return "national" if ending in _national() else "unknown"


def _art_marked(folded: str, start: int) -> bool:
    before = folded[max(0, start - 8):start].rstrip(":: ")
    return any(before.endswith(cue) for cue in _art_cues())


def find_documents(text: str, *, gazetteer: Gazetteer) -> list[DocumentHit]:
    """Every 《title》 in ``text`` that names a policy document, sorted by start."""
    folded = fold(text)
    matches = list(TITLE.finditer(folded))
    art = {normalise_title(m.group(1)) for m in matches if _art_marked(folded, m.start())}
    short = {normalise_title(m.group(1)) for m in matches
             if SHORT_FORM.search(folded[max(0, m.start() - 6):m.start()])}
    bare_types = set(_endings())
    out: list[DocumentHit] = []
    for m in matches:
        title = normalise_title(m.group(1))
        if title in art or title in short or _ending(title) is None:
            continue
        if title in bare_types and any(d.title.endswith(title) for d in out):
            continue  # 《条例》 after 《贵州省…条例》: a short reference to it
        out.append(DocumentHit(
            start=m.start(), end=m.end(), surface=text[m.start():m.end()], title=title,
            level=document_level(title, gazetteer=gazetteer),
        ))
    return out
