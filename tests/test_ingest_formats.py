"""PDF and DOCX ingestion (kg.ingest.pdf, kg.ingest.docx): real files made by the tests."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from test_robust_corpus import (
    MiB,
    corpus_text,
    docx_bytes,
    encrypted_office_bytes,
    lying_zip_docx,
    paragraphs_of,
    pdf_bytes,
    scanned_pdf_bytes,
    write,
    zip_bomb_docx,
)

from kg.errors import IngestError
from kg.ingest import MAX_CHARS, discover, read, skipped_in

pytest.importorskip("reportlab")
pytest.importorskip("docx")

# STSong-Light has no glyph for these; the generator drops them, not the reader. A space
# between two Han characters is drawn as a gap, which the reader drops as layout.
UNPRINTABLE = str.maketrans("", "", "·\xa0 ")


def read_file(tmp_path: Path, name: str, data: bytes):
    return read(write(tmp_path / name, data), name)


def reason(tmp_path: Path, name: str, data: bytes) -> str:
    with pytest.raises(IngestError) as info:
        read_file(tmp_path, name, data)
    assert info.value.path == name
    return info.value.reason


# --- PDF -----------------------------------------------------------------------------------

@pytest.mark.parametrize("stem", ["000", "001", "002", "003", "004"])
@pytest.mark.parametrize("justify", [False, True], ids=["ragged", "justified"])
def test_pdf_paragraphs_come_back_whole(tmp_path, stem, justify):
    paragraphs = [p.translate(UNPRINTABLE) for p in paragraphs_of(corpus_text(stem))]
    doc = read_file(tmp_path, "r.pdf", pdf_bytes(paragraphs, justify=justify))
    assert (doc.fmt, doc.encoding) == ("pdf", "unicode")
    lines = doc.text.replace(" ", "").split("\n")
    assert [p for p in paragraphs if p not in lines] == []  # each paragraph is one whole line
    assert len(lines) == len(paragraphs)


def test_pdf_metadata_and_title(tmp_path):
    text = corpus_text("003")
    doc = read_file(tmp_path, "r.pdf", pdf_bytes(paragraphs_of(text), title="首页"))
    assert dict(doc.meta)["发文机关"] == "潞州区司法局"
    assert doc.title == "长治市潞州区司法局关于2022年度法治政府建设情况的报告"  # 标题 field wins


def test_pdf_declared_title_used_when_it_reads_like_a_report(tmp_path):
    doc = read_file(tmp_path, "r.pdf", pdf_bytes(["正文一段。"], title="Microsoft Word - 某县2022年法治政府建设年度报告.docx"))
    assert doc.title == "某县2022年法治政府建设年度报告"


def test_pdf_page_numbers_dropped_and_page_break_joined(tmp_path):
    long = "依法行政" * 300 + "。"  # runs over a page break
    doc = read_file(tmp_path, "r.pdf", pdf_bytes(["第一段。", long, "1", "末段。"]))
    assert long in doc.text.split("\n")


def test_txt_that_is_really_a_pdf(tmp_path):
    doc = read_file(tmp_path, "报告 下载.txt", pdf_bytes(["2022年,某县推进依法行政。"]))
    assert doc.fmt == "pdf" and doc.text == "2022年,某县推进依法行政。"


def test_pdf_with_junk_before_the_header(tmp_path):
    doc = read_file(tmp_path, "r.pdf", b"\r\n<!-- saved -->\r\n" + pdf_bytes(["正文。"]))
    assert doc.fmt == "pdf" and doc.text == "正文。"


def test_owner_password_only_pdf_is_read(tmp_path):
    doc = read_file(tmp_path, "r.pdf", pdf_bytes(["受限制但公开的报告。"], owner_password="o"))
    assert doc.text == "受限制但公开的报告。"


def test_encrypted_pdf(tmp_path):
    assert reason(tmp_path, "加密 报告.pdf", pdf_bytes(["秘密。"], user_password="u")) == (
        "PDF 已加密,需要密码 / encrypted PDF (password required)")


def test_scanned_pdf(tmp_path):
    assert reason(tmp_path, "scan.pdf", scanned_pdf_bytes()) == (
        "没有文本层(可能是扫描件)/ no text layer (scanned PDF?)")


@pytest.mark.parametrize("cut", [9, 2000, -100])
def test_truncated_pdf(tmp_path, cut):
    data = pdf_bytes(paragraphs_of(corpus_text("001")))
    assert "corrupted PDF" in reason(tmp_path, "r.pdf", data[:cut])


def test_pdf_header_then_garbage(tmp_path):
    assert "corrupted PDF" in reason(tmp_path, "r.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40)


def test_pdf_too_long_is_refused_while_reading(tmp_path, monkeypatch):
    from kg import ingest

    monkeypatch.setattr(ingest, "MAX_CHARS", 500)
    assert "text too long" in reason(tmp_path, "r.pdf", pdf_bytes(["依法行政。" * 60] * 5))


def test_pdf_bytes_inside_text_are_not_a_pdf(tmp_path):
    text = "报告里提到文件头 %PDF-1.4 这几个字,仍是文本。\n"
    doc = read_file(tmp_path, "r.txt", text.encode())
    assert doc.fmt == "txt" and doc.text == text


# --- DOCX ----------------------------------------------------------------------------------

def test_docx_paragraphs_and_table(tmp_path):
    paragraphs = paragraphs_of(corpus_text("001"))
    table = [["发文机关", "宣汉县司法局"], ["发文时间", "2021-01-20"]]
    doc = read_file(tmp_path, "宣汉 报告.docx", docx_bytes(paragraphs, table=table, title="Normal"))
    assert (doc.fmt, doc.encoding, doc.title) == ("docx", "utf-8", "")
    lines = doc.text.split("\n")
    assert lines[:2] == ["发文机关 | 宣汉县司法局", "发文时间 | 2021-01-20"]
    assert lines[2:] == paragraphs
    assert dict(doc.meta) == {"发文机关": "宣汉县司法局", "发文时间": "2021-01-20"}


def test_docx_declared_title(tmp_path):
    doc = read_file(tmp_path, "r.docx", docx_bytes(["正文。"], title="宣汉县2020年法治政府建设工作报告"))
    assert doc.title == "宣汉县2020年法治政府建设工作报告"


def test_docx_breaks_tabs_deletions_and_fields(tmp_path):
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = (f'<w:document {w}><w:body><w:p><w:r><w:t>一是</w:t><w:tab/><w:t>加强</w:t><w:br/>'
            '<w:t>二是推进</w:t></w:r><w:del><w:r><w:delText>删掉的</w:delText></w:r></w:del>'
            '<w:r><w:instrText>PAGE</w:instrText></w:r></w:p>'
            '<w:sdt><w:sdtContent><w:p><w:r><w:t>控件里的段落。</w:t></w:r></w:p></w:sdtContent></w:sdt>'
            '</w:body></w:document>')
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        zf.writestr("word/document.xml", body)
    doc = read_file(tmp_path, "r.docx", data.getvalue())
    assert doc.text == "一是\t加强\n二是推进\n控件里的段落。"


def test_docx_entities_are_not_expanded(tmp_path):
    laughs = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "哈哈哈哈哈哈哈哈哈哈">'
              '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
              '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
              '<w:body><w:p><w:r><w:t>正文&c;</w:t></w:r></w:p></w:body></w:document>')
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        zf.writestr("word/document.xml", laughs)
    try:
        doc = read_file(tmp_path, "r.docx", data.getvalue())
    except IngestError as e:
        assert "corrupted DOCX" in e.reason
    else:
        assert "哈" not in doc.text


def test_zip_bomb_refused_before_unpacking(tmp_path):
    data = zip_bomb_docx(200 * MiB)
    tracemalloc.start()
    message = reason(tmp_path, "bomb.docx", data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert message.startswith("疑似 zip 炸弹,拒绝解压 / suspected zip bomb, not unpacked (word/document.xml")
    assert peak < 10 * MiB  # refused from the zip directory, nothing inflated


def test_zip_with_lying_sizes_unpacks_no_more_than_declared(tmp_path):
    tracemalloc.start()
    message = reason(tmp_path, "lying.docx", lying_zip_docx(64 * MiB, declared=10_000))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "corrupted DOCX" in message and peak < 10 * MiB


def test_too_many_entries(tmp_path):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        for i in range(5001):
            zf.writestr(f"x/{i}", b"")
    assert "entries > 5000" in reason(tmp_path, "r.docx", data.getvalue())


def test_encrypted_docx(tmp_path):
    assert "encrypted Office document" in reason(tmp_path, "r.docx", encrypted_office_bytes())


def test_legacy_doc(tmp_path):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000)
    assert "legacy binary Word/WPS (.doc)" in reason(tmp_path, "r.docx", data)


@pytest.mark.parametrize("cut", [10, 1500, -30])
def test_truncated_docx(tmp_path, cut):
    data = docx_bytes(paragraphs_of(corpus_text("002")))
    assert "corrupted DOCX" in reason(tmp_path, "r.docx", data[:cut])


def test_broken_document_xml(tmp_path):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        zf.writestr("word/document.xml", "<w:document><w:body><w:p>")
    assert "corrupted DOCX (word/document.xml" in reason(tmp_path, "r.docx", data.getvalue())


def test_zip_that_is_not_word(tmp_path):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    assert reason(tmp_path, "r.txt", data.getvalue()) == (
        "zip 压缩包,不是 Word 文档 / zip archive, not a Word .docx (no word/document.xml)")


def test_empty_docx(tmp_path):
    assert "empty document" in reason(tmp_path, "r.docx", docx_bytes([]))


# --- discovery and limits ------------------------------------------------------------------

def test_discover_picks_up_pdf_and_docx(tmp_path):
    for name in ["a.PDF", "子目录/b.docx", "c.doc", "d.txt"]:
        write(tmp_path / name, b"x")
    assert [s for _, s in discover([tmp_path])] == ["a.PDF", "d.txt", "子目录/b.docx"]
    assert [s for _, s in skipped_in([tmp_path])] == ["c.doc"]


def test_text_longer_than_max_chars(tmp_path):
    text = "长治市潞州区司法局关于2022年度法治政府建设情况的报告\n" + "依" * MAX_CHARS
    message = reason(tmp_path, "long.txt", text.encode())
    assert message == f"正文过长 / text too long ({len(text):,} characters > 1,000,000): not a single report?"


def test_long_line_under_the_limit_is_read(tmp_path):
    line = "推进依法行政建设法治政府" * 50_000  # 600,000 characters, no line break
    doc = read_file(tmp_path, "line.txt", ("报告\n" + line).encode())
    assert doc.text.split("\n")[1] == line and doc.meta == ()
