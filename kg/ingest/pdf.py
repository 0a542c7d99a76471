"""PDF → text: the text layer, rebuilt into paragraphs, with pdfminer.six.

pdfminer.six (pure Python, maintained, ships the Adobe CJK CMaps so PDFs that use
predefined Chinese encodings such as ``UniGB-UCS2-H`` / STSong-Light decode)
yields positioned text lines. We rebuild paragraphs ourselves, because a PDF
only has lines: a line is joined to the previous one when the previous line
runs to the right margin and this one is not indented (a Chinese paragraph
starts with a two-character indent). When in doubt we join: a wrongly joined
line only merges two paragraphs, while a wrongly split one would cut an evidence
sentence in two. Lines that share a baseline (table cells) are written as one
row, cells joined by `` | `` as for HTML and DOCX tables. Page numbers alone on
the first or last line of a page are dropped.

Layout spaces that pdfminer infers between two CJK characters (justified text)
are dropped; characters are never rewritten. Unmapped glyphs (``(cid:123)``)
are dropped and counted: a PDF made mostly of them has no usable text.

Refused, each with an :class:`~kg.errors.IngestError`: a password-protected or
unsupported-encryption PDF, a corrupted one, more than ``MAX_PAGES`` pages, more
than ``max_chars`` characters, and a PDF without a text layer (a scan).
Owner-password restrictions ("no copying") that need no password to open are
ignored, as every PDF reader does.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
import zlib
from dataclasses import dataclass
from typing import Any

from kg.errors import IngestError
from kg.ingest.decode import clean_text, is_mojibake

__all__ = ["MAX_PAGES", "read_pdf"]

MAX_PAGES = 2000  # annual reports have 5–100 pages
MAX_STREAM_BYTES = 32 * 2**20  # one decoded stream (a page's content, a whole embedded CJK font)
MAX_DECODED_BYTES = 256 * 2**20  # all decoded streams of one PDF together
MAX_UNMAPPED_SHARE = 0.3  # glyphs without a Unicode mapping among all glyphs
RIGHT_SLACK = 2.0  # a line ending this many characters short of the margin ends a paragraph
INDENT = 0.8  # a line starting this many characters right of the margin is indented
MIN_COLUMN = 0.55  # of the page width (GB/T 9704 official documents: 156 of 210 mm)
SHORT_LINE = 0.6  # a line shorter than this share of the column ends its paragraph
SENTENCE_END = frozenset("。!?;:!?;:")
MIN_LINES_FOR_MARGINS = 5  # pages with fewer lines use the document's typical margins

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u2010-\u2027]")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
_PAGE_NUMBER = re.compile(
    r"^[-—–－\s]*\d{1,4}[-—–－\s]*$|^第\s*\d{1,4}\s*页(\s*[,,/]?\s*共\s*\d{1,4}\s*页)?$"
    r"|^\d{1,4}\s*/\s*\d{1,4}$")
_CID = re.compile(r"^\(cid:\d+\)$")


@dataclass(frozen=True, slots=True)
class _Line:
    page: int
    x0: float
    x1: float
    y0: float
    y1: float
    size: float
    text: str
    indented: bool  # starts with blank characters (an indent typed as U+3000)
    page_width: float
    row: bool = False  # several cells sharing a baseline


class _Bomb(Exception):
    """A stream or the whole document decodes to more than the limits allow."""


class _BoundedZlib:
    """What pdfminer's ``pdftypes`` module calls ``zlib``: the same functions, but
    ``decompress`` stops at :data:`MAX_STREAM_BYTES` for one stream and at
    :data:`MAX_DECODED_BYTES` for the document being read (a Flate bomb of 4 MB
    otherwise inflates to 8 GB). Nested filters are bounded at every step."""

    error = zlib.error

    def __init__(self) -> None:
        self.left = -1  # bytes the current document may still decode; -1: not reading a PDF

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)

    def decompress(self, data: bytes, *args: Any) -> bytes:
        limit = MAX_STREAM_BYTES if self.left < 0 else min(MAX_STREAM_BYTES, self.left)
        d = zlib.decompressobj()
        out = d.decompress(data, limit + 1)
        if len(out) > limit:
            raise _Bomb(len(out))
        if not d.eof:
            out += d.flush()
            if len(out) > limit:  # pragma: no cover - flush only returns what max_length held back
                raise _Bomb(len(out))
            if not d.eof:
                raise zlib.error("incomplete or truncated stream")
        if self.left >= 0:
            self.left -= len(out)
        return out


    def take(self, n: int) -> None:
        """Count ``n`` more decoded bytes against the stream and document limits."""
        if n > MAX_STREAM_BYTES or (self.left >= 0 and n > self.left):
            raise _Bomb(n)


_ZLIB = _BoundedZlib()


def _corrupted(data: bytes) -> bytes:
    """pdfminer's ``decompress_corrupted`` (a Flate stream with a bad checksum: keep what
    decodes), bounded like :class:`_BoundedZlib` and linear (the original adds one
    input byte at a time to a growing ``bytes``: quadratic in the output)."""
    d = zlib.decompressobj()
    out = bytearray()
    step = 4096
    for at in range(0, len(data), step):
        try:
            out += d.decompress(data[at:at + step])
        except zlib.error:
            if at + step < len(data) - 3:
                raise
            break
        _ZLIB.take(len(out))
        if d.eof:
            break
    if _ZLIB.left >= 0:
        _ZLIB.left -= len(out)
    return bytes(out)


def _lzw(data: bytes) -> bytes:
    """pdfminer's ``lzwdecode``, bounded (an LZW stream expands about 1,000-fold too)."""
    from pdfminer.lzw import LZWDecoder

    out = bytearray()
    for piece in LZWDecoder(io.BytesIO(data)).run():
        out += piece
        _ZLIB.take(len(out))
    if _ZLIB.left >= 0:
        _ZLIB.left -= len(out)
    return bytes(out)


def _runlength(data: bytes) -> bytes:
    """pdfminer's ``rldecode`` (PDF 1.4 §3.3.4), bounded, on bytes instead of a list of ints
    (two input bytes give 128 output bytes: 50 MB would make 3.2 GB, as 26 GB of ints)."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        length = data[i]
        if length == 128:
            break
        if length < 128:
            out += data[i + 1:i + 2 + length]
            i += 2 + length
        else:
            out += data[i + 1:i + 2] * (257 - length)
            i += 2
        if len(out) > MAX_STREAM_BYTES:
            _ZLIB.take(len(out))
    _ZLIB.take(len(out))
    if _ZLIB.left >= 0:
        _ZLIB.left -= len(out)
    return bytes(out)


def _bound_pdfminer() -> None:
    """Route every expanding filter of pdfminer through the bounds (once per process)."""
    from pdfminer import pdftypes

    if pdftypes.zlib is not _ZLIB:
        pdftypes.zlib = _ZLIB  # type: ignore[assignment]
        pdftypes.decompress_corrupted = _corrupted  # type: ignore[assignment]
        pdftypes.lzwdecode = _lzw  # type: ignore[assignment]
        pdftypes.rldecode = _runlength  # type: ignore[assignment]


def read_pdf(data: bytes, *, source: str, max_chars: int) -> tuple[str, str]:
    """The text of a PDF's text layer and its declared title.

    Args:
        data: the file's bytes (a PDF header at or near the start).
        source: the name used in error messages.
        max_chars: refuse a PDF whose text grows beyond this many characters.

    Returns:
        ``(text, title)``: paragraphs one per line; the Info dictionary's title or "".

    Raises:
        IngestError: encrypted, corrupted, too many pages, too long, no text layer.
    """
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # it warns once per odd object
    _bound_pdfminer()
    _ZLIB.left = MAX_DECODED_BYTES
    try:
        return _read(data, source, max_chars)
    except _Bomb as e:
        raise IngestError(source, "PDF 解压后过大(疑似压缩炸弹)/ PDF streams decompress to too much "
                                  f"(> {MAX_STREAM_BYTES // 2**20} MiB in one stream or "
                                  f"> {MAX_DECODED_BYTES // 2**20} MiB in all): suspected "
                                  "decompression bomb") from e
    finally:
        _ZLIB.left = -1


def _read(data: bytes, source: str, max_chars: int) -> tuple[str, str]:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)), password="")
    except PDFPasswordIncorrect as e:
        raise IngestError(source, "PDF 已加密,需要密码 / encrypted PDF (password required)") from e
    except PDFEncryptionError as e:
        raise IngestError(source, f"PDF 加密方式不支持 / encrypted PDF (unsupported: {e})") from e
    except _Bomb:
        raise
    except Exception as e:  # untrusted bytes: any parser failure means "corrupted"
        raise IngestError(source, f"PDF 文件已损坏 / corrupted PDF ({_brief(e)})") from e
    manager = PDFResourceManager(caching=True)
    device = PDFPageAggregator(manager, laparams=LAParams(all_texts=True))
    interpreter = PDFPageInterpreter(manager, device)
    lines: list[_Line] = []
    glyphs = unmapped = chars = 0
    number = 0
    try:
        for number, page in enumerate(PDFPage.create_pages(document), 1):
            if number > MAX_PAGES:
                raise IngestError(source, f"PDF 页数过多 / too many pages (> {MAX_PAGES})")
            interpreter.process_page(page)
            page_lines, page_glyphs, page_unmapped = _page_lines(device.get_result(), number)
            lines += page_lines
            glyphs, unmapped = glyphs + page_glyphs, unmapped + page_unmapped
            chars += sum(len(line.text) for line in page_lines)
            if chars > max_chars:
                raise IngestError(source, f"正文过长 / text too long (> {max_chars:,} characters "
                                          f"by page {number}): not a single report?")
    except (IngestError, _Bomb):
        raise
    except Exception as e:  # untrusted bytes, as above (pdfminer raises anything on fuzzed input)
        where = f"at page {number}: " if number else ""
        raise IngestError(source, f"PDF 文件已损坏 / corrupted PDF ({where}{_brief(e)})") from e
    if number == 0:
        raise IngestError(source, "PDF 没有页面 / PDF has no pages")
    if glyphs and unmapped / glyphs > MAX_UNMAPPED_SHARE:
        raise IngestError(source, "PDF 字体缺少 Unicode 映射,无法提取文字 / "
                                  f"PDF fonts have no Unicode mapping ({unmapped} of {glyphs} "
                                  "glyphs)")
    text = clean_text(_paragraphs(lines))
    if not text.strip():
        raise IngestError(source, "没有文本层(可能是扫描件)/ no text layer (scanned PDF?)")
    if is_mojibake(text[:200_000]):
        raise IngestError(source, "PDF 文字无法识别(字体编码错误)/ PDF text is garbled (bad font encoding)")
    return text, _info_title(document)


def _brief(e: BaseException) -> str:
    message = str(e).strip().splitlines()[0][:120] if str(e).strip() else ""
    return f"{type(e).__name__}: {message}" if message else type(e).__name__


def _info_title(document: Any) -> str:
    """The Info dictionary's /Title, decoded, or ""."""
    try:
        from pdfminer.pdftypes import resolve1
        from pdfminer.utils import decode_text

        for info in document.info:
            raw = resolve1(info.get("Title"))
            if isinstance(raw, bytes):
                return clean_text(decode_text(raw)).strip()[:300]
            if isinstance(raw, str):
                return clean_text(raw).strip()[:300]
    except Exception:  # noqa: BLE001 - a broken Info dictionary only loses the title
        return ""
    return ""


def _page_lines(layout: Any, page: int) -> tuple[list[_Line], int, int]:
    """Text lines of one page in reading order, rows merged, furniture dropped."""
    from pdfminer.layout import LTChar, LTTextLineHorizontal

    found: list[_Line] = []
    glyphs = unmapped = 0
    stack = [layout]
    while stack:  # iterative: figures nest
        obj = stack.pop()
        if isinstance(obj, LTTextLineHorizontal):
            text, n, bad = _line_text(obj)
            glyphs, unmapped = glyphs + n, unmapped + bad
            if text.strip():
                found.append(_Line(page, obj.x0, obj.x1, obj.y0, obj.y1, max(obj.height, 1.0),
                                   text.strip(), indented=text[:1].isspace(),
                                   page_width=max(layout.width, 1.0)))
        elif isinstance(obj, LTChar):
            glyphs += 1  # a stray character outside any line (vertical text is rare in reports)
        elif hasattr(obj, "__iter__"):
            stack.extend(reversed(list(obj)))
    return _drop_furniture(_rows(found)), glyphs, unmapped


def _line_text(line: Any) -> tuple[str, int, int]:
    """Text of one line; inferred spaces between CJK characters dropped; (cid:N) dropped."""
    from pdfminer.layout import LTAnno, LTChar

    parts: list[str | None] = []  # None: a space pdfminer inferred from a gap
    glyphs = unmapped = 0
    for item in line:
        text = item.get_text()
        if isinstance(item, LTChar):
            glyphs += 1
            if _CID.match(text):
                unmapped += 1
            else:
                parts.append(text)
        elif isinstance(item, LTAnno) and text == " ":
            parts.append(None)
    out: list[str] = []
    for i, part in enumerate(parts):
        if part is not None:
            out.append(part)
            continue
        after = next((p for p in parts[i + 1: i + 3] if p is not None), "")
        if not (_CJK.match(out[-1][-1:] if out else "") or _CJK.match(after[:1])):
            out.append(" ")
    return "".join(out).replace("\n", " "), glyphs, unmapped


def _rows(lines: list[_Line]) -> list[_Line]:
    """Merge lines that share a baseline into one row (table cells), top to bottom."""
    ordered = sorted(lines, key=lambda ln: (-ln.y1, ln.x0))
    out: list[list[_Line]] = []
    for line in ordered:
        last = out[-1][-1] if out else None
        if last is not None and _same_row(last, line):
            out[-1].append(line)
        else:
            out.append([line])
    merged = []
    for cells in out:
        if len(cells) == 1:
            merged.append(cells[0])
            continue
        cells.sort(key=lambda ln: ln.x0)
        first = cells[0]
        merged.append(_Line(first.page, first.x0, max(c.x1 for c in cells),
                            min(c.y0 for c in cells), max(c.y1 for c in cells),
                            max(c.size for c in cells),
                            " | ".join(c.text for c in cells), first.indented, first.page_width,
                            row=True))
    return merged


def _same_row(a: _Line, b: _Line) -> bool:
    overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
    return overlap > 0.5 * min(a.y1 - a.y0, b.y1 - b.y0) and (b.x0 >= a.x1 or a.x0 >= b.x1)


def _drop_furniture(lines: list[_Line]) -> list[_Line]:
    """Drop page numbers standing alone as the first or last line of a page."""
    keep = list(lines)
    for index in (-1, 0):
        if keep and _PAGE_NUMBER.match(keep[index].text):
            keep.pop(index)
    return keep


def _paragraphs(lines: list[_Line]) -> str:
    """Join wrapped lines into paragraphs, one per output line."""
    if not lines:
        return ""
    size = statistics.median(line.size for line in lines)
    margins = _margins(lines)
    out: list[str] = []
    previous: _Line | None = None
    for line in lines:
        if previous is not None and _continues(previous, line, size, margins):
            out[-1] = _join(out[-1], line.text)
        else:
            out.append(line.text)
        previous = line
    return "\n".join(out)


def _margins(lines: list[_Line]) -> dict[int, tuple[float, float]]:
    """(left, right) text margins per page; thin pages borrow the typical page's."""
    pages: dict[int, list[_Line]] = {}
    for line in lines:
        if not line.row:
            pages.setdefault(line.page, []).append(line)
    # right margin: the upper quartile of line ends (ragged right: digits and Latin
    # letters are narrower than Han characters; one overlong line must not move it)
    full = {}
    for p, ls in pages.items():
        left = min(ln.x0 for ln in ls)
        # a page of short lines only (one-line paragraphs) says nothing about the margin:
        # a text column is at least MIN_COLUMN of the page wide
        right = max(_upper_quartile([ln.x1 for ln in ls]), left + MIN_COLUMN * ls[0].page_width)
        full[p] = (left, right)
    typical = ([m for p, m in full.items() if len(pages[p]) >= MIN_LINES_FOR_MARGINS]
               or list(full.values()))
    default = ((statistics.median(m[0] for m in typical), statistics.median(m[1] for m in typical))
               if typical else (0.0, 0.0))
    thin = {p for p in full if len(pages[p]) < MIN_LINES_FOR_MARGINS}
    return {p: (min(m[0], default[0]), default[1]) if p in thin else m for p, m in full.items()}


def _upper_quartile(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[(3 * (len(ordered) - 1)) // 4]


def _continues(previous: _Line, line: _Line, size: float,
               margins: dict[int, tuple[float, float]]) -> bool:
    """True if ``line`` carries on the paragraph that ``previous`` belongs to."""
    if previous.row or line.row or line.indented:
        return False
    left, _ = margins.get(line.page, (line.x0, line.x1))
    prev_left, right = margins.get(previous.page, (previous.x0, previous.x1))
    if line.x0 > left + INDENT * size:
        return False
    if previous.page == line.page and previous.y0 - line.y1 > 1.2 * size:
        return False  # a blank line's worth of space
    if previous.x1 >= right - RIGHT_SLACK * size:
        return True
    # ended short: a number or Latin word that did not fit moved to the next line
    long_enough = previous.x1 - prev_left >= SHORT_LINE * (right - prev_left)
    return long_enough and previous.text[-1:] not in SENTENCE_END


def _join(head: str, tail: str) -> str:
    """Join a wrapped line: no space between CJK, one between two Latin words."""
    if _ASCII_WORD.match(head[-1:]) and _ASCII_WORD.match(tail[:1]):
        return f"{head} {tail}"
    return head + tail
