"""Generators of real and hostile input files (no binaries in git), and tests of the generators.

Real PDFs come from reportlab with the Adobe ``STSong-Light`` CID font (predefined
``UniGB-UCS2-H`` encoding, not embedded), as many Chinese government PDFs do;
real DOCX files from python-docx. Bad files are made from them: encrypted,
truncated, without a text layer, zip bombs. Other test modules import these
functions (``from test_robust_corpus import pdf_bytes``); the benchmark too.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from kg.resources import SAMPLE_CORPUS

MiB = 2**20


def corpus_text(stem: str) -> str:
    (path,) = SAMPLE_CORPUS.glob(f"{stem}_*.txt")
    return path.read_text(encoding="utf-8")


def paragraphs_of(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def pdf_bytes(paragraphs: Sequence[str], *, user_password: str | None = None,
              owner_password: str | None = None, title: str | None = None,
              font_size: int = 12, justify: bool = False) -> bytes:
    """A real PDF with a text layer: one indented paragraph per item, wrapped, several pages.

    STSong-Light has no glyph for a few characters (``·``, no-break space): they vanish.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=font_size,
                           leading=font_size * 1.6, firstLineIndent=2 * font_size, wordWrap="CJK",
                           alignment=4 if justify else 0)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=2.5 * cm, rightMargin=2.5 * cm,
                            title=title or "", invariant=1)
    doc.build([Paragraph(escape(p), style) for p in paragraphs])
    if user_password is None and owner_password is None:
        return out.getvalue()
    # pypdf, not reportlab, encrypts: reportlab enciphers the strings nested in CID font
    # dictionaries with the wrong key, which no reader can map back to Unicode.
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(out.getvalue())))
    writer.encrypt(user_password or "", owner_password or "owner", algorithm="AES-128",
                   permissions_flag=pypdf.constants.UserAccessPermissions.PRINT)
    encrypted = io.BytesIO()
    writer.write(encrypted)
    return encrypted.getvalue()


def scanned_pdf_bytes(pages: int = 2) -> bytes:
    """A PDF with drawings only, as a scan without OCR looks to a text extractor."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1)
    rng = random.Random(3)
    for _ in range(pages):
        for _ in range(200):  # "ink": small grey boxes where the characters would be
            canvas.setFillGray(rng.random())
            canvas.rect(rng.uniform(50, 500), rng.uniform(50, 780), 8, 10, stroke=0, fill=1)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def docx_bytes(paragraphs: Sequence[str], *, table: Sequence[Sequence[str]] = (),
               title: str = "") -> bytes:
    """A real .docx: a metadata table first (if any), then one paragraph per item."""
    import docx

    document = docx.Document()
    document.core_properties.title = title
    if table:
        grid = document.add_table(rows=len(table), cols=max(len(r) for r in table))
        for i, row in enumerate(table):
            for j, cell in enumerate(row):
                grid.cell(i, j).text = cell
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb_docx(unpacked: int = 200 * MiB) -> bytes:
    """A DOCX-shaped zip whose document.xml inflates ``unpacked`` bytes from ~1/1000 of that."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxml'
                     b'formats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>')
            chunk = b" " * MiB
            for _ in range(unpacked // MiB):
                fh.write(chunk)
            fh.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return out.getvalue()


def lying_zip_docx(actual: int = 64 * MiB, declared: int = 10_000) -> bytes:
    """A zip whose headers declare ``declared`` bytes for document.xml but which inflates ``actual``."""
    data = bytearray(zip_bomb_docx(actual))
    name = b"word/document.xml"
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = data.find(sig + b"")
        while pos != -1:
            name_len = struct.unpack_from("<H", data, pos + (26 if sig == b"PK\x03\x04" else 28))[0]
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if bytes(data[name_at:name_at + name_len]) == name:
                size = struct.unpack_from("<I", data, pos + size_at)[0]
                if size != 0xFFFFFFFF:
                    struct.pack_into("<I", data, pos + size_at, declared)
                extra_len = struct.unpack_from("<H", data, pos + (28 if sig == b"PK\x03\x04" else 30))[0]
                extra_at = name_at + name_len
                _patch_zip64(data, extra_at, extra_len, declared)
            pos = data.find(sig, pos + 4)
    return bytes(data)


def _patch_zip64(data: bytearray, at: int, length: int, declared: int) -> None:
    """Set the uncompressed size in a ZIP64 extra field (header id 1) if there is one."""
    end = at + length
    while at + 4 <= end:
        tag, size = struct.unpack_from("<HH", data, at)
        if tag == 1 and size >= 8:
            struct.pack_into("<Q", data, at + 4, declared)
        at += 4 + size


def encrypted_office_bytes() -> bytes:
    """What a password-protected .docx is: an OLE compound file with an EncryptedPackage stream."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    entry = "EncryptedPackage".encode("utf-16-le").ljust(64, b"\x00") + bytes(64)
    info = "EncryptionInfo".encode("utf-16-le").ljust(64, b"\x00") + bytes(64)
    return header + entry + info + random.Random(5).randbytes(4096)


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- the generators make what they claim -----------------------------------------------------

def test_pdf_generator_makes_a_multipage_pdf_with_a_text_layer():
    from pdfminer.high_level import extract_text

    data = pdf_bytes(paragraphs_of(corpus_text("000")))
    assert data.startswith(b"%PDF-") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 1
    assert "枫桥经验" in extract_text(io.BytesIO(data)).replace("\n", "")


def test_encrypted_pdf_generator_needs_the_password():
    from pdfminer.high_level import extract_text
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    data = pdf_bytes(["保密的报告正文。"], user_password="secret")
    with pytest.raises(PDFPasswordIncorrect):
        extract_text(io.BytesIO(data))
    assert "保密" in extract_text(io.BytesIO(data), password="secret")
    assert "保密" in extract_text(io.BytesIO(pdf_bytes(["保密的报告正文。"], owner_password="o")))


def test_zip_bomb_generator_ratio():
    data = zip_bomb_docx(64 * MiB)
    (info,) = [i for i in zipfile.ZipFile(io.BytesIO(data)).infolist() if i.filename == "word/document.xml"]
    assert info.file_size > 64 * MiB and info.file_size / info.compress_size > 500


def test_lying_zip_declares_small_sizes():
    data = lying_zip_docx(8 * MiB, declared=10_000)
    (info,) = [i for i in zipfile.ZipFile(io.BytesIO(data)).infolist() if i.filename == "word/document.xml"]
    assert info.file_size == 10_000 and info.compress_size > 5_000
