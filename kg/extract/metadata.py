"""Report metadata: title, publishing agency, year covered and publication date.

Sources, best first: the page metadata (标题, 发文机关, 发文时间 …, parsed at
ingestion), the title line, the signature block at the end (agency, then a
date), and the text itself (现将2021年法治政府建设情况报告如下; a first year).
The subject region is decided by :func:`kg.extract.regions.subject_region`.

Not every document is an annual report: :func:`find_kind` tells a report of a
government, of a department and of a township apart from a news item and a
signed article (cues in ``kg/data/document_kinds.json``), and the year rules
follow the kind (a news item's facts belong to its date, an article covers no
year).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from functools import cache
from typing import Any

from kg.extract.text import fold
from kg.resources import data_file
from kg.types import REPORT_KINDS, Document, DocumentKind

__all__ = [
    "REPORT_KINDS", "find_issued", "find_kind", "looks_like_governance", "find_publisher_surface", "find_title",
    "find_year", "self_reference_publisher",
]


TITLE_LINE = re.compile(
    r"^.{0,40}(法治政府|依法行政|法治建设|依法治).{0,40}(报告|情况|总结)$"
)
DATE = re.compile(
    r"(?<!\d)(\d{4})\s*(?:[年/.\-]\s*)(\d{1,2})\s*(?:[月/.\-]\s*)(\d{1,2})\s*日?(?!\d)"
)
YEAR_IN_TITLE = re.compile(r"(?<!\d)(20\d{2})\s*年")
YEAR_REPORTED = re.compile(
    r"(20\d{2})\s*年度?[^。\n]{0,16}?(?:法治政府|依法行政|法治建设|依法治)[^。\n]{0,24}?"
    r"(?:报告|总结|汇报|如下)"
)
YEAR_LEAD = re.compile(r"(?:^|\n)[((]?[一二三四五六七八九十\d]*[、.)]?\s*(20\d{2})\s*年(?:度|以来|是|,|,|来|全年|我|以来)")
TITLE_AGENCY = re.compile(
    r"^([\u4e00-\u9fff]{2,24}?(?:司法局|司法厅|人民政府|政府|委员会|办公室|办事处|局))(?=关于|\d|的|[((]|$)"
)
BREADCRUMB = (">", "》", "位置", "首页", "|")
META_DATE_KEYS = ("发文时间", "成文日期", "发布日期", "发布时间", "日期", "时间")
META_AGENCY_KEYS = ("发文机关", "发布机构", "发文单位", "来源", "信息来源")
AGENCY_ENDINGS = ("局", "厅", "部", "政府", "委员会", "办公室", "委", "院", "中心", "办", "办事处", "所", "署")


def _head_lines(text: str, n: int = 15) -> list[str]:
    return [ln.strip() for ln in text.splitlines()[:n] if ln.strip()]


@cache
def _kinds() -> dict[str, Any]:
    data = json.loads(data_file("document_kinds.json").read_text(encoding="utf-8"))
    for key in ("news_cues", "article_cues", "report_cues"):
        data[key] = [re.compile(p) for p in data[key]]
    return data


# A site title joins the page title and the site name: 长沙市司法局_关于…的报告, 标题 | 某某网
SITE_TITLE_SEP = re.compile(r"\s*(?:_|\|| - | — )\s*")
# A line that is only an agency's name (the first line of a title set over two lines)
AGENCY_LINE = re.compile(
    r"^(?:中共)?[\u4e00-\u9fff]{2,24}?(?:人民政府|政府|司法局|司法厅|委员会|办公室|委|局|厅)$"
)
CASE_SUBTITLE = re.compile(r"^——以[^\n]{2,20}为例$")
BRACKET_TITLE = re.compile(r"^《([^《》]{4,80})》")
# A section heading (一、… (二)… 3.…) is no title, however it ends
HEADING_MARK = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.]|[((][一二三四五六七八九十\d]+[))]|\d+\s*[、.])")
SENTENCE_PUNCT = ("。", ",", ";", ":", "!", "?", "、")
HEAD_DATE_KEYS = re.compile(r"发布时间|发布日期|发文时间|时间|日期|来源|发布")


def _title_like(line: str) -> bool:
    return (len(line) <= 60 and not line.endswith(("。", ",", ";")) and bool(TITLE_LINE.match(line))
            and not HEADING_MARK.match(line))


def _site_part(line: str) -> str:
    """The part of a site title (parts joined by _ or |) that reads as a report title."""
    parts = [p for p in SITE_TITLE_SEP.split(line) if p]
    return next((p for p in parts if _title_like(p)), line) if len(parts) > 1 else line


def find_title(doc: Document) -> str | None:
    """The report title: the declared one, else a title-like line near the top.

    A title set over two lines (望都县人民政府 / 2024年法治政府建设年度报告) is joined; a
    site title (长沙市司法局_关于…的报告) gives its report part; an opening
    《…报告》是… gives the bracketed title; a news item's or article's first line is its
    title when a subtitle (——…), a date line or a byline follows it.
    """
    if doc.title:
        return _site_part(doc.title.strip())
    declared = doc.meta_value("标题", "题名", "文件名称")
    if declared:
        return _site_part(declared.strip())
    head = _head_lines(fold(doc.text))
    if head and (m := BRACKET_TITLE.match(head[0])) and _title_like(m.group(1)):
        return m.group(1)  # 《…报告》是…发布的: a page that quotes its document's title
    lines = [ln for ln in head if not any(m in ln for m in BREADCRUMB)]
    for i, line in enumerate(lines):
        line = _site_part(line)
        if _title_like(line):
            before = lines[i - 1] if i else ""
            if line.startswith(("关于", "20")) and AGENCY_LINE.match(before):
                return before + line
            return line
    return _headline(lines)


def _headline(lines: list[str]) -> str | None:
    """The first line when the lines after it mark it as a headline: a subtitle (——…),
    a date line, or a byline with a source or an author."""
    if len(lines) < 2:
        return None
    first = lines[0]
    if (len(first) > 50 or first.endswith(SENTENCE_PUNCT) or AGENCY_LINE.match(first)
            or DATE.match(first) or "(" in first[-1:] or first.endswith(")")):
        return None
    for line in lines[1:3]:
        if CASE_SUBTITLE.match(line):
            return first + line  # ——以浙江省为例 completes the title
        if line.startswith("——") or (len(line) <= 60 and DATE.search(line)):
            return first
        if len(line) <= 60 and re.search(r"(?:来源|作者|记者|通讯员|发布)[::\s]", line):
            return first
    return None


def parse_date(value: str) -> str | None:
    """An ISO date from 2022/03/30, 2022-03-30 or 2022年3月30日; None if not a date.

    >>> parse_date("日期:2022/03/30 11:13")
    '2022-03-30'
    >>> parse_date("2021年1月28日")
    '2021-01-28'
    """
    m = DATE.search(fold(value))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def _signature(text: str) -> list[str]:
    lines = [ln.strip() for ln in fold(text).splitlines() if ln.strip()]
    return [ln for ln in lines[-4:] if len(ln) <= 30]


def _head_date(text: str) -> str | None:
    """A date on a header line near the top: 发布时间:2024-02-23, 2023-03-31 17:05 来源:…,
    or a short line that opens with a date (2023-01-08中共某某委课题组). Body sentences
    that open with a date (2018年11月12日,纪念…) are longer than a header line."""
    for line in _head_lines(fold(text), 12):
        if len(line) > 80:
            continue
        m = DATE.search(line)
        if m is None:
            continue
        if m.start() == 0 and len(line) <= 40 or HEAD_DATE_KEYS.search(line[:m.start()]):
            if iso := parse_date(line[m.start():]):
                return iso
    return None


def find_issued(doc: Document) -> str | None:
    """Publication date: page metadata, a header date line, else a date line in the
    signature block."""
    for key in META_DATE_KEYS:
        value = doc.meta_value(key)
        if value and (iso := parse_date(value)):
            return iso
    if iso := _head_date(doc.text):
        return iso
    for line in reversed(_signature(doc.text)):
        if DATE.fullmatch(line.rstrip("。 ")) or (DATE.match(line) and len(line) <= 14):
            return parse_date(line)
    return None


# The agency a title is written by: all before the year (or 关于) when it ends with an
# agency head; joint publishers (中共某某市委 某某市人民政府 关于…) give the first
TITLE_AUTHOR = re.compile(
    r"^(?:关于)?((?:中共)?[\u4e00-\u9fff]{2,30}?(?:[((][\u4e00-\u9fff]{1,10}[))])?)"
    r"(?=\s|关于|20\d{2}|\d|的|$)"
)
# The body's opening names its actor: 2022年,清河县人民政府坚持… / 杭锦旗人民政府坚持…
OPENING_ACTOR = re.compile(
    r"^(?:20\d{2}\s*年度?(?:以来)?\s*[,,、]?\s*)?((?:中共)?[\u4e00-\u9fff]{2,24}?"
    r"(?:人民政府|司法局|司法厅|委员会|局|厅))(?=在|坚持|以|深入|认真|紧紧|围绕|全面|始终|按照)"
)
SOURCE_LINE = re.compile(r"(?:信息来源|文章来源|来源)\s*[::]\s*([\u4e00-\u9fff()()]{2,30}?)(?=\s|作者|发布|时间|日期|点击|浏览|$)")


def _agency_like(value: str) -> bool:
    value = value.strip()
    return value.endswith(AGENCY_ENDINGS) or bool(re.search(r"[((][\u4e00-\u9fff]{1,10}[))]$", value))


def find_publisher_surface(doc: Document, title: str | None) -> str | None:
    """The publisher as written, best first: the agency a title begins with (海口市人民政府
    2022年…, 关于浦东新区司法局2024年度…, the first of joint publishers), 发文机关,
    来源, the signature line, the agency that opens the body (2022年,清河县人民政府坚持…).
    Resolution to a canonical name happens in the agency stage."""
    if title:
        m = TITLE_AUTHOR.match(fold(title))
        if m and _agency_like(m.group(1)) and not m.group(1).endswith(("的", "年")):
            return m.group(1)
    for key in META_AGENCY_KEYS:
        value = doc.meta_value(key)
        if value and _agency_like(value) and len(value.strip()) <= 30:
            return value.strip()
    head = "\n".join(_head_lines(fold(doc.text), 12))
    for m in SOURCE_LINE.finditer(head):
        if _agency_like(m.group(1)):
            return m.group(1)
    for line in _signature(doc.text):
        if line.endswith(AGENCY_ENDINGS) and not DATE.search(line) and len(line) <= 24:
            return line
    for line in _head_lines(fold(doc.text), 8):
        if len(line) > 40 and (m := OPENING_ACTOR.match(line)):
            return m.group(1)
    return None


def self_reference_publisher(text: str) -> str | None:
    """A publisher written only as 我局/本局: the department of the 系统 the opening
    names, at the level it names (全市司法行政系统 … 我局 → 市司法局); else None."""
    folded = fold(text[:4000])
    if not re.search(r"我局|本局", folded):
        return None
    systems = {k: v for k, v in _kinds()["systems"].items() if not k.startswith("_")}
    names = "|".join(sorted(map(re.escape, systems), key=len, reverse=True))
    m = re.search(rf"(?:全|本|我)([省市区县旗州])(?:{names})?\s*(?:{names})(?:系统|战线|机关)",
                  folded[:800])
    if m is None:
        return None
    system = re.search(names, m.group(0))
    return m.group(1) + systems[system.group(0)] if system else None


def looks_like_governance(doc: Document) -> bool:
    """Whether the text's opening speaks of government or law at all: a text that does not
    (a recipe, a novel) is built, but flagged ``not-a-report``."""
    head = fold(doc.text[: 4 * _kinds()["head_chars"]])
    return any(word in head for word in _kinds()["governance_words"])


def find_kind(
    doc: Document, title: str | None, *, publisher_kind: str | None,
    publisher_in_title: bool, subject_level: str | None,
) -> DocumentKind:
    """What the document is: a report (of a government, a department or a township), a
    news item or an article.

    A report title (法治政府建设…报告) or a report's opening (现将…报告如下, 一、主要举措…)
    makes it a report; else article cues (a byline with affiliation, 摘要, 课题组) make
    it an article and press cues (记者, 讯, 日前) a news item. A report whose subject is a
    township or street is a township report; one whose title names a department (not a
    government or party committee) as its author is a department report.
    """
    cues = _kinds()
    head = fold(doc.text[: cues["head_chars"]])
    is_report = bool(title and _title_like(fold(title))) or any(
        p.search(head) for p in cues["report_cues"])
    if not is_report:
        if any(p.search(head) for p in cues["article_cues"]) or _byline_first(head):
            return "article"
        if any(p.search(head) for p in cues["news_cues"]):
            return "news"
    if subject_level in ("township", "village"):
        return "township-report"
    if publisher_in_title and publisher_kind is not None and \
            publisher_kind not in cues["government_kinds"]:
        return "department-report"
    return "report"


def _byline_first(head: str) -> bool:
    """The text opens with an agency's name alone on its line, then prose: a byline
    (山东省司法厅 / 山东一直是…), not a title set over two lines."""
    lines = _head_lines(head, 3)
    return (len(lines) >= 2 and bool(AGENCY_LINE.match(lines[0])) and len(lines[1]) > 60
            and not _title_like(lines[1]))


YEAR_HEADING = re.compile(
    r"(?:^|\n)\s*[一二三四五六七八九十]+\s*[、.]\s*(20\d{2})\s*年度?[^\n]{0,30}?"
    r"(?:举措|成效|情况|工作|做法)"
)
NEWS_YEAR = re.compile(r"(?<!\d)(20\d{2})\s*年(?:以来|来|初以来|上半年|前三季度|全年)")


def find_year(
    doc: Document, title: str | None, issued: str | None, kind: DocumentKind = "report"
) -> int | None:
    """The year the document covers.

    A report: the title's year, a 现将…2021年…报告 phrase, a heading such as
    一、2022年…主要举措, the year that opens the text, else the year before publication.
    A news item: the year it was published (its sentences may name others: 2024年以来),
    else the year it reports on.
    An article covers no year (None): its facts take the years their sentences give.
    """
    if kind == "article":
        return None
    if kind == "news" and issued:
        return int(issued[:4])
    if title:
        years = [int(y) for y in YEAR_IN_TITLE.findall(fold(title))]
        if years:
            return years[0]
    folded = fold(doc.text)
    if kind == "news":
        m = NEWS_YEAR.search(folded[:3000])
        return int(m.group(1)) if m else None
    m = YEAR_REPORTED.search(folded[:3000])
    if m:
        return int(m.group(1))
    leads = Counter(int(y) for y in YEAR_LEAD.findall(folded[:4000]))
    if leads:
        return leads.most_common(1)[0][0]
    m = YEAR_HEADING.search(folded[:4000])
    if m and not PLAN_HEADING.search(folded[m.start():m.end() + 12]):
        return int(m.group(1))
    if issued:
        return int(issued[:4]) - 1
    return None


PLAN_HEADING = re.compile(r"计划|打算|思路|安排|设想|目标")
