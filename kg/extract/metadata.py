"""Report metadata: title, publishing agency, year covered and publication date.

Sources, best first: the page metadata (标题, 发文机关, 发文时间 …, parsed at
ingestion), the title line, the signature block at the end (agency, then a
date), and the text itself (现将2021年法治政府建设情况报告如下; a first year).
The subject region is decided by :func:`kg.extract.regions.subject_region`.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from kg.extract.text import fold
from kg.types import Document

__all__ = ["find_issued", "find_publisher_surface", "find_title", "find_year"]

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


def find_title(doc: Document) -> str | None:
    """The report title: the declared one, else a title-like line near the top."""
    if doc.title:
        return doc.title.strip()
    declared = doc.meta_value("标题", "题名", "文件名称")
    if declared:
        return declared.strip()
    for line in _head_lines(fold(doc.text)):
        if any(mark in line for mark in BREADCRUMB):
            continue
        if len(line) <= 60 and not line.endswith(("。", ",", ";")) and TITLE_LINE.match(line):
            return line
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


def find_issued(doc: Document) -> str | None:
    """Publication date: page metadata, else a date line in the signature block."""
    for key in META_DATE_KEYS:
        value = doc.meta_value(key)
        if value and (iso := parse_date(value)):
            return iso
    for line in reversed(_signature(doc.text)):
        if DATE.fullmatch(line.rstrip("。 ")) or (DATE.match(line) and len(line) <= 14):
            return parse_date(line)
    return None


def find_publisher_surface(doc: Document, title: str | None) -> str | None:
    """The publisher as written: 发文机关/来源, the agency a title begins with, or the
    signature line. Resolution to a canonical name happens in the agency stage."""
    for key in META_AGENCY_KEYS:
        value = doc.meta_value(key)
        if value and value.strip().endswith(AGENCY_ENDINGS) and len(value.strip()) <= 30:
            return value.strip()
    if title:
        m = TITLE_AGENCY.match(fold(title))
        if m:
            return m.group(1)
    for line in _signature(doc.text):
        if line.endswith(AGENCY_ENDINGS) and not DATE.search(line) and len(line) <= 24:
            return line
    return None


def find_year(doc: Document, title: str | None, issued: str | None) -> int | None:
    """The year the report covers: the title's year, a 现将…2021年…报告 phrase, the
    year that opens the text, else the year before publication."""
    if title:
        years = [int(y) for y in YEAR_IN_TITLE.findall(fold(title))]
        if years:
            return years[0]
    folded = fold(doc.text)
    m = YEAR_REPORTED.search(folded[:3000])
    if m:
        return int(m.group(1))
    leads = Counter(int(y) for y in YEAR_LEAD.findall(folded[:4000]))
    if leads:
        return leads.most_common(1)[0][0]
    if issued:
        return int(issued[:4]) - 1
    return None
