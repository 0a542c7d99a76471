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

import dataclasses

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

__all__ = ["MAX_BYTES", "MAX_CHARS", "SUFFIXES", "discover", "discover_all", "discover_reasons", "read", "show",
           "skipped_in"]

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


def discover_all(inputs: Sequence[Path], *, exclude: Sequence[Path] = ()
                 ) -> tuple[list[tuple[Path, str]], list[tuple[Path, str]]]:
    """``(discover(inputs), skipped_in(inputs))`` from one walk of the folders."""
    files, skipped = discover_reasons(inputs, exclude=exclude)
    return files, [(path, source) for path, source, _ in skipped]


def discover_reasons(inputs: Sequence[Path], *, exclude: Sequence[Path] = ()
                     ) -> tuple[list[tuple[Path, str]], list[tuple[Path, str, str]]]:
    """Files to read, and ``(path, source, reason)`` for every input left out.

    Left out, each with a bilingual reason: an unsupported extension, a symbolic
    link leading out of its input folder (not followed: give its target as an
    input to read it), a dangling or looping link, a FIFO, socket or device, an
    unreadable folder, a folder that is the output of a build (``manifest.json`` beside
    ``store/`` or ``.builds/``: its ``spread.html`` is no report). Folders in ``exclude``
    (the build's own output folder when it lies inside an input) are not walked at all.
    """
    walked = _walk(inputs, exclude)
    files = _listing([e[:5] for e in walked if e[5] is None])
    reasons = {e[4]: e[5] for e in walked if e[5] is not None}
    left = _listing([e[:5] for e in walked if e[5] is not None])
    real_of = {(str(e[0])): e[4] for e in walked}
    return files, [(path, source, reasons[real_of[str(path)]]) for path, source in left]


def show(name: str) -> str:
    """A file name as text that can be written anywhere: bytes that are not UTF-8
    (kept by Python as surrogates) become ``\\xNN``.

    >>> show(os.fsdecode(b"report-\\xff.txt"))
    'report-\\\\xff.txt'
    """
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# Invisible format characters that can sit inside a name and hide it from matching
# (枫\u200b桥经验), and the bidi embeddings/overrides/isolates that can reorder what a
# view shows. Both are removed at ingest and the document is flagged.
_INVISIBLE_CHARS = "\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff"
_BIDI_CHARS = "\u202a-\u202e\u2066-\u2069"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
_BIDI = re.compile(f"[{_BIDI_CHARS}]")
_HIDDEN = re.compile(f"[{_INVISIBLE_CHARS}{_BIDI_CHARS}]")  # either kind


def _visible(document: Document) -> Document:
    """``document`` without invisible format characters and bidi controls, flagged
    ``invisible-chars:N`` / ``bidi-controls:N`` when it held any (text, title or meta)."""
    parts = [document.text, document.title, *(v for kv in document.meta for v in kv)]
    # the common case: nothing to remove, found by one scan of the parts joined (a quarter
    # of the cost of two scans of each part); nothing copied
    if _HIDDEN.search("\n".join(parts)) is None:
        return document
    flags = list(document.flags)
    for pattern, label in ((_INVISIBLE, "invisible-chars"), (_BIDI, "bidi-controls")):
        n = sum(len(pattern.findall(p)) for p in parts)
        if n:
            flags.append(f"{label}:{n}")

    def clean(value: str) -> str:
        return _BIDI.sub("", _INVISIBLE.sub("", value))

    return dataclasses.replace(
        document, text=clean(document.text), title=clean(document.title),
        meta=tuple((clean(k), clean(v)) for k, v in document.meta), flags=tuple(flags))


def read(path: Path, source: str, *, data: bytes | None = None) -> Document:
    """Decode and parse one file into a Document (see :func:`_read`); invisible format
    characters (zero-width space/joiners, word joiner, soft hyphen, BOM) and bidi
    controls are removed from its text, title and meta, and the document is flagged
    (``invisible-chars:N``, ``bidi-controls:N``)."""
    return _visible(_read(path, source, data=data))


def _read(path: Path, source: str, *, data: bytes | None = None) -> Document:
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


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _walk(inputs: Sequence[Path], exclude: Sequence[Path] = ()
          ) -> list[tuple[Path, str, str, bool, str, str | None]]:
    """(path, source, folder name, supported, real path, reason left out or None) for
    every non-hidden entry under the inputs.

    Symbolic links to folders are not followed (no loops); links to files are
    followed only when they stay inside their input folder. A folder's real path
    is resolved once, a file's only when it is a symbolic link itself (a corpus of
    30,000 files is listed in a fraction of a second). Sources are shown with
    :func:`show` (a name that is not UTF-8 never stops a build).
    """
    out: list[tuple[Path, str, str, bool, str, str | None]] = []
    excluded = {os.path.realpath(p) for p in exclude}
    for given in map(Path, inputs):
        if given.is_file():
            out.append((given, show(given.name), show(given.resolve().parent.name), True,
                        os.path.realpath(given), None))
            continue
        if not given.is_dir():
            if os.path.lexists(given):
                kind = _odd_kind(str(given))
                out.append((given, show(given.name), "", False, f"odd:{given}",
                            f"{kind} / {_ODD_EN[kind]}: not read"))
                continue
            raise IngestError(show(str(given)), "找不到输入 / input not found (no such file or folder)")
        prefix = show(given.resolve().name)
        root_real = os.path.realpath(given)
        stack = [(str(given), "")]  # (folder, its POSIX path relative to ``given``)
        while stack:
            folder, rel = stack.pop()
            try:
                with os.scandir(folder) as it:
                    found = sorted(it, key=lambda e: e.name)
            except OSError as e:  # unreadable folder: recorded, the rest is built
                if rel:
                    out.append((Path(folder), show(rel.rstrip("/")), prefix, False, f"odd:{folder}",
                                f"文件夹无法读取 / folder cannot be read ({e.strerror or e})"))
                continue
            real_folder = os.path.realpath(folder)
            if real_folder in excluded:
                continue  # the build's own output folder inside an input: never read back
            if _is_build({entry.name for entry in found}):  # another build's output folder
                out.append((Path(folder), show(rel.rstrip("/") or given.name), prefix, False,
                            f"build:{real_folder}", _BUILD_REASON))
                continue
            subfolders = []
            for entry in found:
                name = entry.name
                if name.startswith("."):
                    continue
                source = show(rel + name)
                reason: str | None = None
                try:
                    symlink = entry.is_symlink()
                    if entry.is_dir():
                        if not symlink:
                            subfolders.append((entry.path, f"{rel}{name}/"))
                        continue
                    regular = entry.is_file()
                except OSError:
                    regular, symlink = False, True
                real = os.path.realpath(entry.path) if symlink else os.path.join(real_folder, name)
                supported = os.path.splitext(name)[1].lower() in SUFFIXES
                if not regular:
                    kind = _odd_kind(entry.path)
                    reason = f"{kind} / {_ODD_EN[kind]}: not read"
                    real = f"odd:{entry.path}"
                elif symlink and not _inside(real, root_real):
                    reason = (f"符号链接指向输入文件夹之外 / symbolic link leads outside the input "
                              f"folder (to {show(real)}): not followed; give the target as an input "
                              "to read it")
                    real = f"out:{entry.path}"
                elif not supported:
                    suffix = os.path.splitext(name)[1]
                    reason = f"不支持的文件类型 / unsupported file type ({show(suffix) or 'no extension'})"
                out.append((Path(entry.path), source, prefix, supported, real, reason))
            stack.extend(reversed(subfolders))
    return out


_BUILD_REASON = ("构建输出目录(含 manifest.json),不作为输入读取 / a kg build output folder "
                 "(it holds manifest.json): not read as input")


def _is_build(names: set[str]) -> bool:
    """True for the names of a ``kg build`` output folder (its spread.html is no report)."""
    return "manifest.json" in names and not names.isdisjoint({".current", ".builds", "store"})


_ODD_EN = {"断开或循环的符号链接": "dangling or looping symbolic link",
           "不是普通文件(FIFO、套接字或设备)": "not a regular file (FIFO, socket or device)"}


def _odd_kind(path: str) -> str:
    if os.path.islink(path) and not os.path.exists(path):
        return "断开或循环的符号链接"
    return "不是普通文件(FIFO、套接字或设备)"
