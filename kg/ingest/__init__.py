"""Ingestion: files → :class:`~kg.types.Document` records.

``discover`` lists the files to read, ``skipped_in`` the ones it leaves out,
``read`` decodes and parses one file. Every failure is an ``IngestError`` whose
reason is bilingual (中文 / English), e.g. ``空文件 / empty file``.

The format is chosen by content first: PDF and zip (DOCX) signatures win over the
extension, so ``report.txt`` that is really a PDF is read as a PDF; then HTML is
told from plain text by its markup.

Limits (a folder of 5,000 downloads must build in bounded time and memory):
files over ``MAX_BYTES`` (50 MiB) are refused unread; a document whose text
exceeds ``MAX_CHARS`` (1,000,000 characters, the extraction pipeline's limit,
some 20–50× the longest annual report) is refused after decoding; PDFs and
DOCX files have their own page, part-size and zip-ratio limits.

Modules: ``decode`` (bytes → text), ``html`` (page → text without chrome),
``pdf`` (text layer → paragraphs), ``docx`` (Word XML → paragraphs and table
rows, zip-bomb guard), ``meta`` (索引号/发文机关/… fields), ``hanzi`` (frequent
characters for the mojibake test).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from kg.errors import IngestError
from kg.ingest.decode import decode
from kg.ingest.docx import read_docx
from kg.ingest.html import has_markup, looks_like_html, parse_html
from kg.ingest.meta import fields_from_text
from kg.ingest.pdf import read_pdf
from kg.types import Document

__all__ = ["MAX_BYTES", "MAX_CHARS", "SUFFIXES", "discover", "discover_all", "read", "skipped_in"]

SUFFIXES = frozenset({".txt", ".text", ".html", ".htm", ".pdf", ".docx"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
MAX_BYTES = 50 * 1024 * 1024
MAX_CHARS = 1_000_000  # = spaCy's default Language.max_length, which extraction uses
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_REPORT_TITLE = re.compile(r"报告|情况")
_TITLE_NOISE = re.compile(r"^(Microsoft Word|WPS)\s*-\s*|\.(docx?|wps|pdf)$", re.IGNORECASE)


def discover(inputs: Sequence[Path]) -> list[tuple[Path, str]]:
    """Files to read, as ``(path, source)`` sorted by source.

    Each input is a file (kept whatever its extension; ``source`` is its name)
    or a folder, walked recursively: hidden files and folders are skipped and
    only ``.txt .text .html .htm .pdf .docx`` files (any case) are kept, with ``source``
    their POSIX path relative to the folder. A file reached twice is listed once;
    if two different files would share a source (``a/x.txt`` and ``b/x.txt``
    given as folders ``a`` and ``b``), the colliding sources are prefixed with
    their folder's name, so sources stay unique.

    Raises:
        IngestError: an input does not exist.
    """
    return discover_all(inputs)[0]


def skipped_in(inputs: Sequence[Path]) -> list[tuple[Path, str]]:
    """Files in the input folders that ``discover`` leaves out for their extension.

    Hidden files are not listed (they are skipped silently). Same shape and
    order as ``discover``, so a build can report "skipped: report.doc".

    Raises:
        IngestError: an input does not exist.
    """
    return discover_all(inputs)[1]


def discover_all(inputs: Sequence[Path]) -> tuple[list[tuple[Path, str]], list[tuple[Path, str]]]:
    """``(discover(inputs), skipped_in(inputs))`` from one walk of the folders."""
    walked = _walk(inputs)
    return (_listing([e for e in walked if e[3]]), _listing([e for e in walked if not e[3]]))


def read(path: Path, source: str, *, data: bytes | None = None) -> Document:
    """Decode and parse one file into a Document.

    The format follows the content, whatever the extension: bytes starting
    with ``%PDF-`` are read as a PDF (``fmt="pdf"``), a zip holding a Word
    document as DOCX (``fmt="docx"``); text that starts like an HTML document is
    parsed as HTML, an ``.html`` without a single tag is read as text. For
    text, PDF and DOCX, ``meta`` comes from ``key: value`` lines in the first 40
    lines and ``title`` is the 标题 field, else a PDF/DOCX's own declared title
    when it looks like a report title (or "").

    ``data``: the file's bytes, when the caller has read them already (the file
    is then not read again).

    Raises:
        IngestError: unreadable, too large, empty, binary, undecodable, no
            text left after removing the page chrome, text too long; for PDF
            and DOCX also encrypted, corrupted, no text layer (a scan), or a
            suspected zip bomb.
    """
    try:
        size = path.stat().st_size if data is None else len(data)
        if size > MAX_BYTES:
            limit = f"{size / 2**20:.1f} MB > {MAX_BYTES // 2**20} MB"
            raise IngestError(source, f"文件过大 / file too large ({limit})")
        if data is None:
            data = path.read_bytes()
    except OSError as e:
        raise IngestError(source, f"无法读取文件 / cannot read file ({e.strerror or e})") from e
    if not data:
        raise IngestError(source, "空文件 / empty file")
    container = _container(data, source)
    if container is not None:
        return _packaged(data, source, container)
    text, encoding = decode(data, source=source)
    if not text.strip():
        raise IngestError(source, "空文件(只有空白) / empty file (whitespace only)")
    fmt = _format(path, text)
    if fmt == "html":
        page = parse_html(text)
        if not page.text.strip():
            raise IngestError(source, "没有可用正文 / no text content after removing page chrome")
        _check_length(page.text, source)
        return Document(source=source, text=page.text, fmt="html", encoding=encoding,
                        title=page.title, meta=page.meta)
    _check_length(text, source)
    meta = fields_from_text(text)
    return Document(source=source, text=text, fmt="txt", encoding=encoding,
                    title=dict(meta).get("标题", ""), meta=meta)


def _container(data: bytes, source: str) -> Literal["pdf", "docx"] | None:
    """``pdf`` or ``docx`` if the bytes are one; None for text; refuse other Office formats."""
    start = data.find(b"%PDF-", 0, 1024)
    if start == 0 or (start > 0 and b"%%EOF" in data[-2048:]):  # readers allow junk before it
        return "pdf"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "docx"
    if data.startswith(_OLE):
        if _ENCRYPTED_PACKAGE in data[:1 << 20] or _ENCRYPTED_PACKAGE in data[-(1 << 20):]:
            raise IngestError(source, "Office 文档已加密,需要密码 / encrypted Office document "
                                      "(password-protected DOCX)")
        raise IngestError(source, "旧版 Word/WPS 二进制格式(.doc),请另存为 .docx / "
                                  "legacy binary Word/WPS (.doc) format: save it as .docx")
    return None


def _packaged(data: bytes, source: str, fmt: Literal["pdf", "docx"]) -> Document:
    """A Document from a PDF or DOCX file."""
    if fmt == "pdf":
        text, declared = read_pdf(data, source=source, max_chars=MAX_CHARS)
        encoding = "unicode"  # the text layer maps glyphs to Unicode; no byte encoding
    else:
        text, declared = read_docx(data, source=source)
        encoding = "utf-8"
    if not text.strip():
        raise IngestError(source, "空文件(没有文字) / empty document (no text)")
    _check_length(text, source)
    meta = fields_from_text(text)
    title = dict(meta).get("标题") or _declared_title(declared)
    return Document(source=source, text=text, fmt=fmt, encoding=encoding, title=title, meta=meta)


def _declared_title(title: str) -> str:
    """A PDF/DOCX's own title property, if it reads like a report title.

    >>> _declared_title("Microsoft Word - 2022年法治政府建设年度报告.docx")
    '2022年法治政府建设年度报告'
    >>> _declared_title("Normal.dotm")
    ''
    """
    title = _TITLE_NOISE.sub("", title.strip()).strip()
    return title if _REPORT_TITLE.search(title) else ""


def _check_length(text: str, source: str) -> None:
    if len(text) > MAX_CHARS:
        raise IngestError(source, f"正文过长 / text too long ({len(text):,} characters > "
                                  f"{MAX_CHARS:,}): not a single report?")


def _format(path: Path, text: str) -> Literal["txt", "html"]:
    if path.suffix.lower() in HTML_SUFFIXES:
        return "html" if has_markup(text[:65536]) else "txt"
    return "html" if looks_like_html(text) else "txt"


def _listing(entries: list[tuple[Path, str, str, bool, str]]) -> list[tuple[Path, str]]:
    """Deduplicate by real path, make sources unique, sort by source."""
    by_file: dict[str, tuple[Path, str, str, bool, str]] = {}
    for entry in entries:
        by_file.setdefault(entry[4], entry)
    counts: dict[str, int] = {}
    for _, source, _, _, _ in by_file.values():
        counts[source] = counts.get(source, 0) + 1
    listing = [(path, f"{prefix}/{source}" if counts[source] > 1 and prefix else source)
               for path, source, prefix, _, _ in by_file.values()]
    return sorted(listing, key=lambda item: (item[1], str(item[0])))


def _walk(inputs: Sequence[Path]) -> list[tuple[Path, str, str, bool, str]]:
    """(path, source, folder name, supported, real path) for every non-hidden file under
    the inputs.

    Symbolic links to folders are not followed (no loops). A folder's real path is
    resolved once, a file's only when it is a symbolic link itself (a corpus of
    30,000 files is listed in a fraction of a second).
    """
    out: list[tuple[Path, str, str, bool, str]] = []
    for given in map(Path, inputs):
        if given.is_file():
            out.append((given, given.name, given.resolve().parent.name, True, os.path.realpath(given)))
            continue
        if not given.is_dir():
            raise IngestError(str(given), "找不到输入 / input not found (no such file or folder)")
        prefix = given.resolve().name
        stack = [(str(given), "")]  # (folder, its POSIX path relative to ``given``)
        while stack:
            folder, rel = stack.pop()
            try:
                with os.scandir(folder) as it:
                    found = sorted(it, key=lambda e: e.name)
            except OSError:  # unreadable folder: skipped, as os.walk does
                continue
            real_folder = os.path.realpath(folder)
            subfolders = []
            for entry in found:
                name = entry.name
                if name.startswith("."):
                    continue
                try:
                    if entry.is_dir():
                        if not entry.is_symlink():
                            subfolders.append((entry.path, f"{rel}{name}/"))
                        continue
                    if not entry.is_file():
                        continue
                    symlink = entry.is_symlink()
                except OSError:
                    continue
                real = os.path.realpath(entry.path) if symlink else os.path.join(real_folder, name)
                out.append((Path(entry.path), rel + name, prefix,
                            os.path.splitext(name)[1].lower() in SUFFIXES, real))
            stack.extend(reversed(subfolders))
    return out
