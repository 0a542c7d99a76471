"""HTML page → body text, title and metadata fields, without the page chrome.

Saved government pages wrap a report in navigation, breadcrumbs, share and
font-size widgets, scripts and footers. We drop those (by tag, by id/class cue
words, by short tell-tale texts such as 分享到), then write the rest out as
lines: one line per block element or ``<br>``, one line per table row with
cells joined by `` | ``, blank-line runs collapsed. Whitespace is collapsed as a
browser would (a line break between two CJK characters vanishes); characters
are never rewritten.

lxml recovers from broken markup. libxml2 stops building the tree at depth 256,
losing what follows, so a page nested that deep is read by a flat tag-stripping
fallback instead. The tree walk itself is iterative: no recursion limits.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from typing import Any

import lxml.html
from lxml import etree

from kg.ingest.decode import clean_text
from kg.ingest.meta import HEAD_LINES, fields_from_rows, fields_from_text

__all__ = ["Page", "has_markup", "looks_like_html", "parse_html"]

DROP_TAGS = frozenset({
    "head", "script", "style", "noscript", "template", "nav", "iframe", "frame", "frameset",
    "object", "embed", "applet", "svg", "canvas", "map", "select", "option", "button", "input",
    "textarea", "dialog", "audio", "video", "link", "meta",
})
# Dropped unless inside <article>/<main> (where a <header> holds the title).
CHROME_TAGS = frozenset({"header", "footer", "aside", "menu"})
# id/class tokens (split on non-letters) that mark navigation and widgets.
CUE_PREFIXES = (
    "nav", "menu", "breadcrumb", "crumb", "bdshare", "jiathis", "share", "footer", "header",
    "topbar", "sidebar", "copyright", "friendlink", "qrcode", "toolbar", "skip", "sitemap",
    "login", "search", "advert", "banner", "fenxiang", "weixin", "wechat", "weibo",
)
CUE_WORDS = frozenset({
    "top", "head", "foot", "bottom", "side", "links", "link", "print", "position", "location",
    "dqwz", "mbx", "ad", "ads", "tools", "font", "fontsize", "pager", "prev", "next", "gotop",
    "backtop", "close", "fxd",
})
BREADCRUMB_CUES = frozenset({"breadcrumb", "crumb", "position", "location", "dqwz", "mbx"})
# Short elements whose text starts like this are widgets, not report text.
TEXT_CUES = re.compile(
    r"^[\s【\[]*(您?当前(所在)?的?位置|您现在的位置|您的位置|分享到|字体[大小]*[::]|【?\s*打印|关闭窗口"
    r"|上一篇|下一篇|扫一扫|返回顶部|【?\s*收藏|【?\s*纠错)")
BREADCRUMB_TEXT = re.compile(r"^[\s【\[]*(您?当前(所在)?的?位置|您现在的位置|您的位置)")
MAX_WIDGET_TEXT = 300
MIN_SENTENCES = 3  # an element with this many 。 holds report text, whatever its class
MAX_TINY_WIDGET = 40  # a cue-marked element this short goes even on a tiny page
PARAGRAPH_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl",
                            "blockquote", "pre", "section", "article", "main", "figure", "hr"})
BLOCK_TAGS = PARAGRAPH_TAGS | frozenset({
    "div", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "caption", "form",
    "fieldset", "address", "figcaption", "center", "body", "html", "legend", "details", "summary",
    "header", "footer", "aside", "menu"})
DEPTH_LIMIT = 250  # libxml2 truncates at 256
CMS_META = {"articletitle": "标题", "pubdate": "发布日期", "contentsource": "来源"}

_WS = re.compile(r"[ \t\n\r\f]+")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
_TOKENS = re.compile(r"[^a-z0-9]+")
_TITLE_SPLIT = re.compile(r"\s*(?:[_|｜]|(?<!\d)-(?!\d)|\s[-—–]\s|——)\s*")
_PROLOGUE = re.compile(r"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*", re.DOTALL)  # before the first tag
_TAG = re.compile(r"<\s*(!doctype|/?[a-zA-Z][a-zA-Z0-9]*)(\s[^<>]*)?/?>", re.I)


@dataclass(frozen=True, slots=True)
class Page:
    """What a page yields: body text, title (may be empty) and metadata fields."""

    text: str
    title: str
    meta: tuple[tuple[str, str], ...]


def looks_like_html(text: str) -> bool:
    """True if ``text`` starts like an HTML document.

    >>> looks_like_html("  <!DOCTYPE html><html>"), looks_like_html("法治 <b>")
    (True, False)
    """
    head = text[:4096]
    after = _PROLOGUE.match(head).end()  # type: ignore[union-attr]  # (it may match nothing)
    # the prologue is anchored at the start, so removing it is slicing; a character lowers
    # to one or more, so the first 16 decide how the lowered rest starts
    return head[after:after + 16].lower().startswith(("<!doctype html", "<html", "<head"))


def has_markup(text: str) -> bool:
    """True if ``text`` contains at least one HTML tag.

    >>> has_markup("a <p>b</p>"), has_markup("3 < 4 > 2")
    (True, False)
    """
    return _TAG.search(text) is not None


def parse_html(markup: str) -> Page:
    """Body text, title and metadata of an HTML page (never raises on bad markup)."""
    # lxml refuses control characters when a dropped element's tail is re-attached
    markup = clean_text(re.sub(r"^\s*<\?xml[^>]*>", "", markup))
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(markup, parser=parser)
    except (etree.ParserError, ValueError):
        return Page("", "", ())
    if _deeper_than_limit(root):
        return _flat_page(markup)
    head_title = _head_title(root)
    head_meta = _cms_meta(root)
    crumbs = _drop_chrome(root)
    title = _content_title(root)
    lines = _Lines()
    body = root.find("body")
    lines.walk(body if body is not None else root)
    records = lines.records()
    text = "\n".join(" | ".join(c for c in cells if c) for cells, _ in records).strip("\n")
    # table rows anywhere, other lines near the top (blank records count, hence 2×)
    head = [cells for i, (cells, is_row) in enumerate(records) if is_row or i < 2 * HEAD_LINES]
    meta = dict(fields_from_rows(head))
    for key, value in [*fields_from_text("\n".join(crumbs)), *head_meta]:
        meta.setdefault(key, value)
    return Page(text, meta.get("标题") or title or _clean_head_title(head_title), tuple(meta.items()))


# An element DEPTH_LIMIT levels down (the root is level 1), found by libxml2's XPath
_AT_DEPTH_LIMIT = etree.XPath("boolean(" + "/".join(["*"] * (DEPTH_LIMIT - 1)) + ")")


def _deeper_than_limit(root: Any) -> bool:
    """Whether a parsed page (no comments or processing instructions: only elements have
    children) nests DEPTH_LIMIT elements or more, the root counted, in compiled code."""
    return bool(_AT_DEPTH_LIMIT(root))


def _head_title(root: Any) -> str:
    el = root.find(".//title")
    return _collapse(el.text_content()) if el is not None else ""


def _clean_head_title(title: str) -> str:
    """The report part of a ``<title>``: split off the site name.

    >>> _clean_head_title("潞州区司法局2022年度法治政府建设情况的报告_长治市潞州区人民政府")
    '潞州区司法局2022年度法治政府建设情况的报告'
    >>> _clean_head_title("首页 - 某某区人民政府")
    '首页'
    """
    parts = [p for p in _TITLE_SPLIT.split(title) if p.strip()]
    for part in parts:
        if "报告" in part or "情况" in part:
            return part.strip()
    return parts[0].strip() if parts else ""


def _cms_meta(root: Any) -> list[tuple[str, str]]:
    """Fields from the ``<meta name=ArticleTitle|PubDate|ContentSource>`` tags of CMS pages."""
    found = []
    for el in root.iter("meta"):
        key = CMS_META.get((el.get("name") or "").strip().lower())
        value = _collapse(el.get("content") or "")
        if key and value:
            found.append((key, value))
    return found


def _drop_chrome(root: Any) -> list[str]:
    """Remove chrome elements in place; return breadcrumb texts seen on the way."""
    body = root.find("body")
    total = len((body if body is not None else root).text_content())
    crumbs: list[str] = []
    doomed = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("html", "body"):
            continue
        if el.tag in DROP_TAGS or (el.tag in CHROME_TAGS and not _inside(el, ("article", "main"))):
            doomed.append(el)
            continue
        cues = _cues(el)
        if cues:
            text = el.text_content()
            size = len(text)
            if size < MAX_WIDGET_TEXT and _holds_heading(el):
                continue  # e.g. <div class="article-head"> with the <h1> and 发布时间/来源
            if text.count("。") >= MIN_SENTENCES:
                continue  # prose, not a widget: the class name misled us
            if size * 2 < total or size <= MAX_TINY_WIDGET:  # never the wrapper of the whole page
                if cues & BREADCRUMB_CUES:
                    crumbs.append("当前位置:" + _collapse(el.text_content()))
                doomed.append(el)
            continue
        text = el.text_content()
        if len(text) <= MAX_WIDGET_TEXT and TEXT_CUES.match(text) and "。" not in text:
            fields = [k for k, _ in fields_from_text(_collapse(text)) if k != "当前位置"]
            if not fields:  # keep info bars that also carry 发布时间/来源
                if BREADCRUMB_TEXT.match(text):
                    crumbs.append(_collapse(text))
                doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    return crumbs


def _holds_heading(el: Any) -> bool:
    """True if ``el`` contains an ``<h1>`` or metadata fields other than a breadcrumb."""
    if next(el.iter("h1"), None) is not None:
        return True
    return any(k != "当前位置" for k, _ in fields_from_text(_collapse(el.text_content())))


def _cues(el: Any) -> set[str]:
    tokens = set(_TOKENS.split(f"{el.get('id') or ''} {el.get('class') or ''}".lower())) - {""}
    return {t for t in tokens if t in CUE_WORDS or t.startswith(CUE_PREFIXES)}


def _inside(el: Any, tags: tuple[str, ...]) -> bool:
    return any(a.tag in tags for a in el.iterancestors())


def _content_title(root: Any) -> str:
    """The first ``<h1>``, else the first element whose id/class says "title"."""
    for el in root.iter("h1"):
        text = _collapse(el.text_content())
        if 4 <= len(text) <= 200:
            return text
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag == "title":
            continue
        tokens = _TOKENS.split(f"{el.get('id') or ''} {el.get('class') or ''}".lower())
        if any(t.endswith("title") or t.startswith("title") for t in tokens if t):
            text = _collapse(el.text_content())
            if 4 <= len(text) <= 200:
                return text
    return ""


def _collapse(text: str) -> str:
    """Collapse HTML whitespace; drop a line break between two CJK characters.

    >>> _collapse(" 一是加强\\n  二是推进  a\\n b ")
    '一是加强二是推进 a b'
    """
    def repl(m: re.Match[str]) -> str:
        s, e = m.start(), m.end()
        between_cjk = 0 < s and e < len(text) and _CJK.match(text[s - 1]) and _CJK.match(text[e])
        if "\n" in m.group() and between_cjk:
            return ""
        return " "

    return _WS.sub(repl, text).strip()


_OPEN, _CLOSE, _TEXT = 0, 1, 2
Record = tuple[tuple[str, ...], bool]  # (cells, is_table_row)


class _Lines:
    """Accumulates output lines while the tree is walked (iteratively)."""

    def __init__(self) -> None:
        self.out: list[Record] = []
        self.buf: list[str] = []
        self.pre = 0

    def walk(self, top: Any) -> None:
        stack: list[tuple[int, Any]] = [(_OPEN, top)]
        while stack:
            kind, item = stack.pop()
            if kind == _TEXT:
                self.buf.append(item.replace("\n", "\x00") if self.pre else item)
                continue
            tag = item.tag if isinstance(item.tag, str) else ""
            if kind == _CLOSE:
                self.pre -= tag == "pre"
                self.block(blank=tag in PARAGRAPH_TAGS)
                continue
            if item.tail:
                stack.append((_TEXT, item.tail))
            if tag == "br":
                self.br()
                continue
            if tag == "tr" and _simple_row(item):
                self.block()
                self.row(item)
                continue
            if tag in BLOCK_TAGS:
                self.block(blank=tag in PARAGRAPH_TAGS)
                self.pre += tag == "pre"
                stack.append((_CLOSE, item))
            stack.extend((_OPEN, child) for child in reversed(item))
            if item.text and tag:
                stack.append((_TEXT, item.text))
        self.block()

    def block(self, *, blank: bool = False) -> None:
        if self.buf:
            raw = "".join(self.buf)
            self.buf = []
            for part in raw.split("\x00"):
                line = _collapse(part)
                if line:
                    self.out.append(((line,), False))
        if blank:
            self.blank()

    def br(self) -> None:
        if self.buf:
            self.block()
        else:
            self.blank()

    def blank(self) -> None:
        if self.out and self.out[-1][0]:
            self.out.append(((), False))

    def row(self, tr: Any) -> None:
        cells = tuple(_collapse(c.text_content()) for c in tr if c.tag in ("td", "th"))
        if any(cells):
            self.out.append((cells, True))

    def records(self) -> list[Record]:
        out = list(self.out)
        while out and not out[-1][0]:
            out.pop()
        return out


def _simple_row(tr: Any) -> bool:
    """A data row: cells without block content (layout tables are read as blocks)."""
    return next(tr.iterdescendants(*(BLOCK_TAGS - {"td", "th"})), None) is None


_FLAT_DROP = re.compile(
    r"<(script|style|noscript|template|head|nav)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I
)
_FLAT_BREAK = re.compile(
    r"<\s*(br|/?(p|div|li|tr|h[1-6]|table|section|article|dd|dt))\b[^>]*>", re.I
)
_FLAT_CELL = re.compile(r"<\s*/t[dh]\s*>", re.I)


def _flat_page(markup: str) -> Page:
    """Fallback for pages too deep for libxml2: strip tags with regexes."""
    title_m = re.search(r"<title[^>]*>(.*?)</title>", markup, re.S | re.I)
    body = _FLAT_DROP.sub(" ", markup)
    body = _FLAT_CELL.sub(" | ", body)
    body = _FLAT_BREAK.sub("\x00", body)
    body = re.sub(r"<[^>]*>", "", body)
    lines = [_collapse(htmllib.unescape(part)).strip(" |") for part in body.split("\x00")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    meta = fields_from_text(text)
    head_title = _clean_head_title(_collapse(htmllib.unescape(title_m.group(1)))) if title_m else ""
    return Page(text, dict(meta).get("标题") or head_title, meta)
