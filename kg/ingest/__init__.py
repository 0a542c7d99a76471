"""Ingestion: files → :class:`~kg.types.Document` records.

``discover`` lists the files to read, ``skipped_in`` the ones it leaves out,
``read`` decodes and parses one file. Every failure is an ``IngestError`` whose
reason is bilingual (中文 / English), e.g. ``空文件 / empty file``.

Modules: ``decode`` (bytes → text), ``html`` (page → text without chrome),
``meta`` (索引号/发文机关/… fields), ``hanzi`` (frequent characters for the
mojibake test).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from kg.errors import IngestError
from kg.ingest.decode import decode
from kg.ingest.html import has_markup, looks_like_html, parse_html
from kg.ingest.meta import fields_from_text
from kg.types import Document

__all__ = ["MAX_BYTES", "SUFFIXES", "discover", "read", "skipped_in"]

SUFFIXES = frozenset({".txt", ".text", ".html", ".htm"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
MAX_BYTES = 50 * 1024 * 1024


def discover(inputs: Sequence[Path]) -> list[tuple[Path, str]]:
    """Files to read, as ``(path, source)`` sorted by source.

    Each input is a file (kept whatever its extension; ``source`` is its name)
    or a folder, walked recursively: hidden files and folders are skipped and
    only ``.txt .text .html .htm`` files (any case) are kept, with ``source``
    their POSIX path relative to the folder. A file reached twice is listed once;
    if two different files would share a source (``a/x.txt`` and ``b/x.txt``
    given as folders ``a`` and ``b``), the colliding sources are prefixed with
    their folder's name, so sources stay unique.

    Raises:
        IngestError: an input does not exist.
    """
    return _listing([(path, src, prefix) for path, src, prefix, ok in _walk(inputs) if ok])


def skipped_in(inputs: Sequence[Path]) -> list[tuple[Path, str]]:
    """Files in the input folders that ``discover`` leaves out for their extension.

    Hidden files are not listed (they are skipped silently). Same shape and
    order as ``discover``, so a build can report "skipped: report.pdf".

    Raises:
        IngestError: an input does not exist.
    """
    return _listing([(path, src, prefix) for path, src, prefix, ok in _walk(inputs) if not ok])


def read(path: Path, source: str) -> Document:
    """Decode and parse one file into a Document.

    The format follows the content as well as the extension: a ``.txt`` that
    starts like an HTML document is parsed as HTML, an ``.html`` without a
    single tag is read as text. For text, ``meta`` comes from ``key: value``
    lines in the first 40 lines and ``title`` is the 标题 field (or "").

    Raises:
        IngestError: unreadable, too large, empty, binary, undecodable, or no
            text left after removing the page chrome.
    """
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            limit = f"{size / 2**20:.1f} MB > {MAX_BYTES // 2**20} MB"
            raise IngestError(source, f"文件过大 / file too large ({limit})")
        data = path.read_bytes()
    except OSError as e:
        raise IngestError(source, f"无法读取文件 / cannot read file ({e.strerror or e})") from e
    if not data:
        raise IngestError(source, "空文件 / empty file")
    text, encoding = decode(data, source=source)
    if not text.strip():
        raise IngestError(source, "空文件(只有空白) / empty file (whitespace only)")
    fmt = _format(path, text)
    if fmt == "html":
        page = parse_html(text)
        if not page.text.strip():
            raise IngestError(source, "没有可用正文 / no text content after removing page chrome")
        return Document(source=source, text=page.text, fmt="html", encoding=encoding,
                        title=page.title, meta=page.meta)
    meta = fields_from_text(text)
    return Document(source=source, text=text, fmt="txt", encoding=encoding,
                    title=dict(meta).get("标题", ""), meta=meta)


def _format(path: Path, text: str) -> Literal["txt", "html"]:
    if path.suffix.lower() in HTML_SUFFIXES:
        return "html" if has_markup(text[:65536]) else "txt"
    return "html" if looks_like_html(text) else "txt"


def _listing(entries: list[tuple[Path, str, str]]) -> list[tuple[Path, str]]:
    """Deduplicate by real path, make sources unique, sort by source."""
    by_file: dict[Path, tuple[Path, str, str]] = {}
    for entry in entries:
        by_file.setdefault(entry[0].resolve(), entry)
    counts: dict[str, int] = {}
    for _, source, _ in by_file.values():
        counts[source] = counts.get(source, 0) + 1
    listing = [(path, f"{prefix}/{source}" if counts[source] > 1 and prefix else source)
               for path, source, prefix in by_file.values()]
    return sorted(listing, key=lambda item: (item[1], str(item[0])))


def _walk(inputs: Sequence[Path]) -> list[tuple[Path, str, str, bool]]:
    """(path, source, folder name, supported) for every non-hidden file under the inputs.

    Symbolic links to folders are not followed (no loops).
    """
    out: list[tuple[Path, str, str, bool]] = []
    for given in map(Path, inputs):
        if given.is_file():
            out.append((given, given.name, given.resolve().parent.name, True))
            continue
        if not given.is_dir():
            raise IngestError(str(given), "找不到输入 / input not found (no such file or folder)")
        prefix = given.resolve().name
        for folder, dirs, files in os.walk(given):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                path = Path(folder, name)
                if name.startswith(".") or not path.is_file():
                    continue
                source = path.relative_to(given).as_posix()
                out.append((path, source, prefix, path.suffix.lower() in SUFFIXES))
    return out
