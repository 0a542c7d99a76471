"""Page metadata fields (索引号, 发文机关, 发文时间 …) found in text lines and table rows.

Government pages carry a metadata table; captured as text it looks like::

    | 索引号: 000014349/2023-05828 | |
    | 发文字号: 潞州司发〔2023〕1号 | 发文时间: 2023-02-01 |
    日期:2022/03/30 11:13来源:镜湖区司法局作者:刘金兰阅读次数:

A *row* is a sequence of cells; a cell holds ``key: value`` pairs (several may
follow each other without separators), or just ``key:`` / ``key`` whose value
is the next cell. Keys are matched from a closed list, with the spaces some
sites put inside them (``索 引 号``) removed and synonyms mapped to one name.
Values are trimmed; empty values are skipped; the first occurrence of a key wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import islice

__all__ = ["KEYS", "fields_from_rows", "fields_from_text", "split_row"]

# Canonical key → spellings seen on government sites (the canonical one included).
KEYS: dict[str, tuple[str, ...]] = {
    "索引号": ("索引号", "索 引 号"),
    "发文机关": ("发文机关", "发文单位", "发布机构", "发布机关", "发布单位", "成文机关"),
    "发文字号": ("发文字号", "文号", "发文编号"),
    "发文时间": ("发文时间", "发文日期"),
    "成文日期": ("成文日期", "成文时间", "生成日期"),
    "发布日期": ("发布日期", "发布时间", "公开日期", "公开时间"),
    "标题": ("标题", "题名", "文件标题", "文件名称", "名称"),
    "主题分类": ("主题分类",),
    "主题词": ("主题词", "关键词"),
    "体裁分类": ("体裁分类",),
    "信息分类": ("信息分类", "组配分类", "服务对象分类"),
    "有效性": ("有效性", "时效性"),
    "公开方式": ("公开方式", "公开形式"),
    "公开范围": ("公开范围",),
    "来源": ("来源", "信息来源", "文章来源", "稿件来源"),
    "日期": ("日期", "时间"),
    "作者": ("作者", "撰稿"),
    "责任编辑": ("责任编辑", "编辑"),
    "阅读次数": ("阅读次数", "浏览次数", "访问次数", "点击数", "浏览量"),
    "当前位置": ("当前位置", "您当前所在位置", "您当前的位置", "您现在的位置", "您的位置", "所在位置"),
}
# Keys that may stand alone in a table cell without a colon (generic words such as
# 时间 or 名称 would catch column headers of statistics tables).
_BARE_OK = {"索引号", "发文机关", "发文字号", "发文时间", "成文日期", "发布日期", "标题", "主题分类", "主题词"}

_CANONICAL: dict[str, str] = {
    re.sub(r"\s+", "", spelling): key for key, spellings in KEYS.items() for spelling in spellings
}
_SPELLINGS = sorted(_CANONICAL, key=len, reverse=True)  # longest first: 发布日期 before 日期
_KEY_BODY = "|".join(r"[\s\u3000]*".join(map(re.escape, s)) for s in _SPELLINGS)
_KEY_COLON = re.compile(rf"(?P<key>{_KEY_BODY})[\s\u3000]*[::]")


_Trie = dict[str, "_Trie"]  # character -> the rest; "" marks the end of a spelling


def _any_key_pattern(spellings: Iterable[str]) -> re.Pattern[str]:
    """Finds a line naming any key: the language of ``_KEY_BODY`` cut to what a search
    needs (a key that begins a longer one is enough), as a trie, so each position costs
    one test per character instead of one per spelling."""
    trie: _Trie = {}
    for spelling in spellings:
        node = trie
        for c in spelling:
            node = node.setdefault(c, {})
        node[""] = {}

    def alternatives(node: _Trie) -> str:
        parts = [re.escape(c) if "" in child else re.escape(c) + r"[\s\u3000]*" + alternatives(child)
                 for c, child in sorted(node.items()) if c]
        return parts[0] if len(parts) == 1 else f"(?:{'|'.join(parts)})"

    return re.compile(alternatives(trie))


_ANY_KEY = _any_key_pattern(_SPELLINGS)
_SPACES = re.compile(r"\s+")
_KEY_SPACES = re.compile(r"[\s\u3000]+")
_VALUE_SPACES = re.compile(r"[ \t]{2,}")
_HAS_KEY_SPACE = re.compile(r"[\s\u3000]")
_LONGEST_KEY = max(map(len, _CANONICAL))
_LEAD = "|[]【】()()<>《》 \t\u3000\xa0*·•"  # decoration allowed before the first key of a line
_EDGE = " \t\u3000\xa0|::;;,,、"  # stripped from both ends of a value

MAX_LINE = 300  # longer lines are body paragraphs
MAX_VALUE = 200
HEAD_LINES = 40


def fields_from_text(text: str, *, max_lines: int = HEAD_LINES) -> tuple[tuple[str, str], ...]:
    """Fields in the first ``max_lines`` non-blank lines of ``text``.

    >>> fields_from_text("| 索引号: 000014349/2023-05828 | |\\n| 发文机关: 潞州区司法局 | 主题词: 报告 |")
    (('索引号', '000014349/2023-05828'), ('发文机关', '潞州区司法局'), ('主题词', '报告'))
    >>> fields_from_text("日期:2022/03/30 11:13来源:镜湖区司法局作者:刘金兰阅读次数:")
    (('日期', '2022/03/30 11:13'), ('来源', '镜湖区司法局'), ('作者', '刘金兰'))
    """
    lines = list(islice((line for line in text.split("\n") if line.strip()), max_lines))
    # a line naming no key has no field: skip it before splitting it into cells. Nor has a
    # line without a colon or a "|": it is one cell, whose keys need a colon (a bare key
    # takes the next cell, and there is none); the two `in` tests cost less than the search
    return fields_from_rows(split_row(line) for line in lines
                            if (":" in line or "\uff1a" in line or "|" in line) and _ANY_KEY.search(line))


def split_row(line: str) -> tuple[str, ...]:
    """Cells of a text line: split on ``|`` when the line is a table row, else one cell.

    >>> split_row("| 索引号: 1 | |")
    ('索引号: 1', '')
    >>> split_row("日期:2022/03/30")
    ('日期:2022/03/30',)
    """
    stripped = line.strip()
    if stripped.startswith("|") or stripped.count(" | ") >= 1:
        cells = [cell.strip() for cell in stripped.strip("|").split("|")]
        return tuple(cells)
    return (stripped,)


def fields_from_rows(rows: Iterable[Sequence[str]]) -> tuple[tuple[str, str], ...]:
    """Fields found in rows of cells, in order of appearance, first occurrence wins."""
    found: dict[str, str] = {}
    for row in rows:
        if not any(_ANY_KEY.search(cell) for cell in row):
            continue  # no key in any cell, no field (a quick test: most rows are prose)
        for key, value in _row_fields(row):
            value = _clean_value(value)
            if value and key not in found and len(value) <= MAX_VALUE:
                found[key] = value
    return tuple(found.items())


def _row_fields(row: Sequence[str]) -> Iterable[tuple[str, str]]:
    """(key, raw value) pairs of one row; a valueless key takes the next cell."""
    cells = [cell for cell in row if len(cell) <= MAX_LINE]
    if len(cells) != len(row):
        return
    i = 0
    while i < len(cells):
        pairs = _cell_fields(cells[i])
        bare = _bare_key(cells[i]) if not pairs else None
        if bare and i + 1 < len(cells) and not _starts_with_key(cells[i + 1]):
            yield bare, cells[i + 1]
            i += 2
            continue
        for j, (key, value) in enumerate(pairs):
            last = j == len(pairs) - 1
            takes_next = i + 1 < len(cells) and not _starts_with_key(cells[i + 1])
            if last and not _clean_value(value) and takes_next:
                yield key, cells[i + 1]
                i += 1
            else:
                yield key, value
        i += 1


def _cell_fields(cell: str) -> list[tuple[str, str]]:
    """``key: value`` pairs of a cell that starts with a key (after decoration)."""
    # A quick test first (most cells are prose): keys open with a Han character, never
    # with decoration, so the first match, if accepted, is at the first non-decoration.
    if not _KEY_COLON.match(cell, len(cell) - len(cell.lstrip(_LEAD))):
        return []
    matches = list(_KEY_COLON.finditer(cell))
    if not matches or cell[: matches[0].start()].strip(_LEAD):
        return []
    pairs = []
    for m, nxt in zip(matches, [*matches[1:], None]):
        end = nxt.start() if nxt else len(cell)
        pairs.append((_CANONICAL[_SPACES.sub("", m.group("key"))], cell[m.end() : end]))
    return pairs


def _bare_key(cell: str) -> str | None:
    """The canonical key if the cell is nothing but a key allowed to stand bare."""
    bare = cell.strip(_LEAD)
    if len(bare) > _LONGEST_KEY and not _HAS_KEY_SPACE.search(bare):
        return None  # too long to be a key (a quick test: most cells are prose)
    key = _CANONICAL.get(_KEY_SPACES.sub("", bare))
    return key if key in _BARE_OK else None


def _starts_with_key(cell: str) -> bool:
    return bool(_cell_fields(cell)) or _bare_key(cell) is not None


def _clean_value(value: str) -> str:
    """Trim a value; cut a trailing widget such as 【字体:大 中 小】.

    >>> _clean_value(" 镜湖区司法局  【字体:大 中 小】【打印】 |")
    '镜湖区司法局'
    """
    value = value.strip(_EDGE)
    cut = value.find("【", 1)
    if cut > 0:
        value = value[:cut]
    return _VALUE_SPACES.sub(" ", value).strip(_EDGE)
