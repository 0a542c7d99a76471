"""DOCX → text: paragraphs and tables of the main document part, with zip-bomb guards.

A ``.docx`` is a zip of XML parts. We read it with :mod:`zipfile` and lxml rather
than python-docx, for control over what gets unpacked: before anything is
decompressed every entry's *declared* size, the total and the compression ratio
are checked; then only the parts we need (``_rels/.rels``, the main document,
``docProps/core.xml``) are decompressed, in chunks, stopping as soon as the
*actual* output passes the limit. The XML parser resolves no entities, loads no
DTD and touches no network.

Text: one line per paragraph (``w:p``); ``w:tab`` → tab, ``w:br``/``w:cr`` →
line break; one line per table row, cells joined by `` | `` (as for HTML);
deleted revisions (``w:delText``), field codes and the ``mc:Fallback`` copies
of drawings are left out; text boxes come after their paragraph.
"""

from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from kg.errors import IngestError
from kg.ingest.decode import clean_text

__all__ = ["MAX_PART_BYTES", "MAX_RATIO", "read_docx"]

MAX_ENTRIES = 5000  # a long report with many images has a few hundred parts
MAX_DECLARED_TOTAL = 1024 * 2**20  # all entries together, as declared
MAX_PART_BYTES = 64 * 2**20  # one XML part we read, declared or actual
MAX_RATIO = 100  # uncompressed : compressed, for entries above RATIO_FLOOR (XML: 5–20)
RATIO_FLOOR = 2**20
CHUNK = 2**20

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
MAIN_PART = "word/document.xml"
_OFFICE_DOCUMENT = re.compile(r"/officeDocument$")
_SKIP = {W + "delText", W + "instrText", W + "delInstrText", MC_FALLBACK, W + "rPr", W + "pPr"}


def read_docx(data: bytes, *, source: str) -> tuple[str, str]:
    """The text of a Word ``.docx`` and its declared title.

    Args:
        data: the file's bytes (a zip archive).
        source: the name used in error messages.

    Returns:
        ``(text, title)``: paragraphs and table rows one per line; dc:title or "".

    Raises:
        IngestError: not a zip, a zip without a Word document, encrypted
            entries, a suspected zip bomb, a part too large, or broken XML.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception as e:  # untrusted bytes: zipfile raises many kinds on a mangled archive
        raise IngestError(source, "DOCX 文件已损坏(不是有效的 zip)/ "
                                  f"corrupted DOCX (not a valid zip: {e})") from e
    _check_bomb(infos, source)
    names = {info.filename: info for info in infos}
    main = _main_part(archive, names, source)
    if main not in names:
        raise IngestError(source, "zip 压缩包,不是 Word 文档 / zip archive, not a Word .docx "
                                  f"(no {main})")
    root = _parse(_read_part(archive, names[main], source), main, source)
    body = root.find(W + "body")
    text = clean_text("\n".join(_lines(body if body is not None else root))).strip("\n")
    title = ""
    if "docProps/core.xml" in names:
        try:
            core = _parse(_read_part(archive, names["docProps/core.xml"], source), "core", source)
            title = clean_text(core.findtext(DC_TITLE) or "").strip()[:300]
        except IngestError:
            title = ""  # broken document properties only lose the title
    return text, title


def _check_bomb(infos: list[zipfile.ZipInfo], source: str) -> None:
    """Refuse before decompressing anything: too many entries, sizes or ratios."""
    bomb = "疑似 zip 炸弹,拒绝解压 / suspected zip bomb, not unpacked"
    if len(infos) > MAX_ENTRIES:
        raise IngestError(source, f"{bomb} ({len(infos)} entries > {MAX_ENTRIES})")
    total = sum(info.file_size for info in infos)
    if total > MAX_DECLARED_TOTAL:
        raise IngestError(source, f"{bomb} (declared {_mb(total)} in all > "
                                  f"{_mb(MAX_DECLARED_TOTAL)})")
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise IngestError(source, f"{bomb} ({info.filename}: {_mb(info.file_size)} from "
                                      f"{_mb(info.compress_size)}, ratio {ratio:,.0f}:1 > "
                                      f"{MAX_RATIO}:1)")
        if info.flag_bits & 0x1:
            raise IngestError(source, "DOCX 已加密 / encrypted DOCX (encrypted zip entries)")


def _mb(size: int) -> str:
    return f"{size / 2**20:,.1f} MB"


def _main_part(archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], source: str) -> str:
    """The main document part named by ``_rels/.rels`` (usually word/document.xml)."""
    rels = names.get("_rels/.rels")
    if rels is None:
        return MAIN_PART
    try:
        root = _parse(_read_part(archive, rels, source), "_rels/.rels", source)
    except IngestError:
        return MAIN_PART
    for rel in root:
        if _OFFICE_DOCUMENT.search(rel.get("Type") or ""):
            target = (rel.get("Target") or "").lstrip("/")
            return target or MAIN_PART
    return MAIN_PART


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> bytes:
    """Decompress one entry in chunks, stopping once the actual size passes the limit."""
    if info.file_size > MAX_PART_BYTES:
        raise IngestError(source, f"DOCX 内容过大 / DOCX part too large ({info.filename}: "
                                  f"{_mb(info.file_size)} > {_mb(MAX_PART_BYTES)})")
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > MAX_PART_BYTES:
                    raise IngestError(source, f"DOCX 内容过大 / DOCX part too large ({info.filename}: "
                                              f"more than {_mb(MAX_PART_BYTES)} unpacked)")
                chunks.append(chunk)
    except IngestError:
        raise
    except RuntimeError as e:  # zipfile: "File ... is encrypted, password required"
        raise IngestError(source, f"DOCX 已加密 / encrypted DOCX ({e})") from e
    except Exception as e:  # untrusted bytes, as above (bad CRC, zlib.error, unsupported method …)
        raise IngestError(source, f"DOCX 文件已损坏 / corrupted DOCX ({info.filename}: {e})") from e
    return b"".join(chunks)


def _parse(xml: bytes, name: str, source: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(xml, parser=parser)
    except (etree.XMLSyntaxError, ValueError) as e:
        raise IngestError(source, f"DOCX 文件已损坏 / corrupted DOCX ({name}: {e})") from e
    if root is None:
        raise IngestError(source, f"DOCX 文件已损坏 / corrupted DOCX ({name}: empty)")
    return root


def _lines(top: etree._Element) -> list[str]:
    """Paragraph and table-row lines of a body (or cell), in document order."""
    out: list[str] = []
    stack: list[etree._Element] = list(reversed(top))
    while stack:
        el = stack.pop()
        if el.tag == W + "p":
            text, boxes = _paragraph(el)
            out.append(text)
            for box in boxes:
                out.extend(_lines(box))
        elif el.tag == W + "tbl":
            out.extend(_table(el))
        elif isinstance(el.tag, str) and el.tag not in _SKIP:
            stack.extend(reversed(el))  # w:sdt, w:sdtContent, w:customXml, …
    return out


def _paragraph(p: etree._Element) -> tuple[str, list[etree._Element]]:
    """Text of one paragraph and the text boxes (``w:txbxContent``) inside it."""
    parts: list[str] = []
    boxes: list[etree._Element] = []
    stack: list[etree._Element] = list(reversed(p))
    while stack:
        el = stack.pop()
        tag = el.tag
        if tag == W + "t":
            parts.append(el.text or "")
        elif tag == W + "tab":
            parts.append("\t")
        elif tag in (W + "br", W + "cr"):
            parts.append("\n")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
        elif tag == W + "txbxContent":
            boxes.append(el)
        elif isinstance(tag, str) and tag not in _SKIP:
            stack.extend(reversed(el))
    return "".join(parts), boxes


def _table(tbl: etree._Element) -> list[str]:
    """One line per row: each cell's paragraphs joined by a space, cells by `` | ``."""
    rows = []
    for tr in tbl.iter(W + "tr"):
        if tr.getparent() is not tbl:
            continue  # rows of nested tables are read as part of their cell
        cells = [" ".join(x for x in _lines(tc) if x.strip()).strip()
                 for tc in tr if tc.tag == W + "tc"]
        if any(cells):
            rows.append(" | ".join(cells))
    return rows
