"""Files → Documents (kg.ingest): discovery, decoding, format sniffing, errors, txt metadata."""

from __future__ import annotations

import os
import random
import zlib
from pathlib import Path

import pytest

from kg.errors import IngestError
from kg.ingest import MAX_BYTES, discover, read, skipped_in
from kg.ingest.decode import decode, is_mojibake
from kg.resources import SAMPLE_CORPUS

REPORT = (
    "长治市潞州区司法局关于2022年度法治政府建设情况的报告\n"
    "2022年,在区委、区政府的坚强领导和市司法局的指导下,我局坚持以习近平新时代中国特色社会主义思想为指导,"
    "持续深入学习宣传贯彻习近平法治思想,全面推进依法行政,法治政府建设取得新成效。\n"
    "一、履行推进法治建设第一责任人职责情况\n"
    "(一)扛牢法治职责,高标准严要求学习贯彻习近平法治思想。\n"
)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read_bytes(tmp_path: Path, data: bytes, name: str = "report.txt"):
    return read(write(tmp_path / name, data), name)


# --- encodings -----------------------------------------------------------------------------

def test_utf8_plain(tmp_path):
    doc = read_bytes(tmp_path, REPORT.encode("utf-8"))
    assert (doc.text, doc.encoding, doc.fmt, doc.source) == (REPORT, "utf-8", "txt", "report.txt")


def test_utf8_bom_is_stripped(tmp_path):
    doc = read_bytes(tmp_path, b"\xef\xbb\xbf" + REPORT.encode("utf-8"))
    assert doc.encoding == "utf-8-sig"
    assert doc.text == REPORT and not doc.text.startswith("\ufeff")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path, codec):
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    doc = read_bytes(tmp_path, bom + REPORT.replace("\n", "\r\n").encode(codec))
    assert doc.encoding == "utf-16"
    assert doc.text == REPORT  # CRLF normalised too


def test_gbk_without_declaration(tmp_path):
    doc = read_bytes(tmp_path, REPORT.replace("\n", "\r\n").encode("gbk"))
    assert doc.encoding == "gb18030"
    assert doc.text == REPORT


def test_short_gbk_text(tmp_path):
    doc = read_bytes(tmp_path, "法治政府建设年度报告".encode("gbk"))
    assert doc.text == "法治政府建设年度报告"


def test_gb18030_only_characters(tmp_path):
    text = REPORT + "㐀䶵 𠀀 €\n"  # outside GBK: CJK Ext-A/B and the euro sign need GB18030
    doc = read_bytes(tmp_path, text.encode("gb18030"))
    assert (doc.text, doc.encoding) == (text, "gb18030")


def test_gb2312_html_page_with_meta_charset(tmp_path):
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "<title>潞州区2022年度法治政府建设情况的报告_潞州区人民政府</title></head>"
        f"<body><div class='nav'>首页 | 政务公开</div><p>{REPORT.splitlines()[1]}</p>"
        "<p>用到GB18030才有的字:䶵。</p></body></html>"
    )
    doc = read_bytes(tmp_path, page.encode("gb18030"), "page.htm")
    assert doc.encoding == "gb18030" and doc.fmt == "html"
    assert REPORT.splitlines()[1] in doc.text.split("\n")
    assert "䶵" in doc.text and "政务公开" not in doc.text
    assert doc.title == "潞州区2022年度法治政府建设情况的报告"


def test_wrong_declaration_falls_back_to_content(tmp_path):
    page = f'<html><head><meta charset="utf-8"></head><body><p>{REPORT}</p></body></html>'
    doc = read_bytes(tmp_path, page.encode("gbk"), "page.html")
    assert doc.encoding == "gb18030" and "依法行政" in doc.text


def test_control_characters_dropped_newlines_kept(tmp_path):
    doc = read_bytes(tmp_path, "一是\x07加强。\r二是\x0b推进。\r\n\t三是\u00a0落实。\x1b".encode())
    assert doc.text == "一是加强。\n二是推进。\n\t三是\u00a0落实。"


def test_characters_are_not_normalised(tmp_path):
    text = "《法治政府建设实施纲要(2021—2025年)》ABC123,“三项制度”。\n"
    assert read_bytes(tmp_path, text.encode("utf-8")).text == text


def test_a_few_broken_bytes_are_tolerated(tmp_path):
    data = REPORT.encode("utf-8") * 5 + "长".encode()[:2]  # cut inside the last character
    doc = read_bytes(tmp_path, data)
    assert doc.encoding == "utf-8" and doc.text.count("\ufffd") == 1


# --- rejects -------------------------------------------------------------------------------

def reason(tmp_path, data: bytes, name: str = "x.txt") -> str:
    with pytest.raises(IngestError) as info:
        read_bytes(tmp_path, data, name)
    assert info.value.path == name
    return info.value.reason


def test_empty_file(tmp_path):
    assert reason(tmp_path, b"") == "空文件 / empty file"


def test_whitespace_only(tmp_path):
    assert "empty file" in reason(tmp_path, " \r\n\t\u3000\n".encode())
    assert "empty file" in reason(tmp_path, b"\xef\xbb\xbf  \n")


def test_random_bytes_with_nuls(tmp_path):
    data = random.Random(7).randbytes(4096)
    assert b"\x00" in data
    assert "binary file" in reason(tmp_path, data)


def test_random_bytes_without_nuls(tmp_path):
    rng = random.Random(11)
    # high bytes only: GB18030 "decodes" them, into nonsense
    data = bytes(rng.randrange(0x80, 0x100) for _ in range(4096))
    assert "undecodable" in reason(tmp_path, data)


def test_repeated_byte_is_not_text(tmp_path):
    assert "undecodable" in reason(tmp_path, b"\xa5" * 4096)  # ゥゥゥ… in GB18030: no Han at all


def test_png_named_txt(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + zlib.compress(b"\x00" * 64)
    assert reason(tmp_path, png) == "二进制文件,不是文本 / binary file, not text (PNG)"


def test_control_heavy_bytes(tmp_path):
    assert "binary file" in reason(tmp_path, bytes(range(1, 32)) * 20 + "法治".encode())


def test_mojibake_is_rejected(tmp_path):
    # UTF-8 text mis-decoded as GBK and saved again as UTF-8: valid UTF-8, unreadable.
    garbled = (REPORT * 3).encode("utf-8").decode("gbk", errors="replace").encode("utf-8")
    assert "undecodable" in reason(tmp_path, garbled)
    assert is_mojibake(garbled.decode("utf-8"))
    assert not is_mojibake(REPORT)


def test_latin1_bytes_are_undecodable(tmp_path):
    data = "".join(chr(c) for c in range(0xC0, 0x100)).encode("latin-1") * 4
    data = bytes(b for b in data)
    with pytest.raises(IngestError):
        read_bytes(tmp_path, data)


def test_html_with_only_chrome(tmp_path):
    page = "<!DOCTYPE html><html><head><script>var a=1;</script></head><body><nav>首页</nav>".encode()
    assert reason(tmp_path, page, "x.html") == "没有可用正文 / no text content after removing page chrome"


def test_too_large(tmp_path):
    path = tmp_path / "big.txt"
    with path.open("wb") as fh:  # sparse: no 50 MB written
        fh.truncate(MAX_BYTES + 1024 * 1024)
    with pytest.raises(IngestError) as info:
        read(path, "big.txt")
    assert info.value.reason == "文件过大 / file too large (51.0 MB > 50 MB)"


def test_build_step_refuses_a_too_large_file_unread(tmp_path, monkeypatch):
    """The build's per-file step keys a file too large by streaming it, and never holds it."""
    import hashlib
    from pathlib import Path

    import kg.ingest
    from kg.build.cache import code_version
    from kg.build.worker import work

    monkeypatch.setattr(kg.ingest, "MAX_BYTES", 1000)
    path = tmp_path / "big.txt"
    content = "镜湖区司法局2022年度法治政府建设情况报告\n".encode() * 200  # 12 KB
    path.write_bytes(content)
    whole_reads: list[Path] = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes",
                        lambda self: (self.parent == tmp_path and whole_reads.append(self)) or real(self))
    done = work((path, "big.txt", False))
    assert not done.ok and done.reason.startswith("文件过大 / file too large")
    assert whole_reads == [] and done.nbytes == len(content)
    expected = hashlib.sha256(code_version().encode() + b"big.txt\x00" + content).hexdigest()
    assert done.file_key == expected
    small = tmp_path / "small.txt"
    small.write_bytes(content[:600])
    assert work((small, "small.txt", False)).reason != done.reason
    assert whole_reads == [small]  # read once, for the key and the text alike


def test_unreadable_path(tmp_path):
    with pytest.raises(IngestError, match="cannot read file"):
        read(tmp_path / "gone.txt", "gone.txt")


def test_decode_error_names_source():
    with pytest.raises(IngestError, match=r"^a/b\.txt: "):
        decode(b"\x00\x01\x02", source="a/b.txt")


# --- format sniffing -----------------------------------------------------------------------

def test_txt_that_is_html(tmp_path):
    page = ("<!DOCTYPE html>\n<html><body><div class='breadcrumb'>首页 > 报告</div>"
            f"<p>{REPORT}</p></body></html>")
    doc = read_bytes(tmp_path, page.encode(), "saved.txt")
    assert doc.fmt == "html" and "<p>" not in doc.text and "首页" not in doc.text


def test_html_without_tags_is_text(tmp_path):
    doc = read_bytes(tmp_path, REPORT.encode(), "report.HTML")
    assert doc.fmt == "txt" and doc.text == REPORT


def test_txt_with_stray_angle_brackets_stays_text(tmp_path):
    text = "规范性文件<p>标签样的文字</p>保留原样。\n"
    doc = read_bytes(tmp_path, text.encode(), "a.txt")
    assert doc.fmt == "txt" and doc.text == text


# --- txt metadata --------------------------------------------------------------------------

def corpus_doc(stem: str):
    (path,) = SAMPLE_CORPUS.glob(f"{stem}_*.txt")
    return read(path, path.name)


def test_corpus_003_metadata_table():
    doc = corpus_doc("003")
    meta = dict(doc.meta)
    assert meta["发文机关"] == "潞州区司法局"
    assert meta["发文时间"] == "2023-02-01"
    assert meta["发布日期"] == "2023-02-01"
    assert meta["索引号"] == "000014349/2023-05828"
    assert meta["发文字号"] == "潞州司发〔2023〕1号"
    assert meta["主题词"] == "2022年度 法治政府建设 报告"
    assert meta["主题分类"] == "其它"
    assert meta["当前位置"].endswith(">长治市潞州区司法局>公开目录>依法行政")
    assert doc.title == meta["标题"] == "长治市潞州区司法局关于2022年度法治政府建设情况的报告"
    assert "字体大小" not in meta
    assert doc.meta_value("成文日期", "发文时间") == "2023-02-01"


def test_corpus_000_date_source_author_line():
    doc = corpus_doc("000")
    assert doc.meta == (
        ("当前位置", "首页 > 专题专栏 > 法治政府建设 > 报告公示"),
        ("日期", "2022/03/30 11:13"),
        ("来源", "镜湖区司法局"),
        ("作者", "刘金兰"),
    )  # 阅读次数 is empty and so left out
    assert doc.title == ""


@pytest.mark.parametrize("stem", ["001", "002", "004"])
def test_corpus_without_metadata(stem):
    doc = corpus_doc(stem)
    assert doc.meta == () and doc.title == ""


def test_corpus_text_is_exact():
    for path in sorted(SAMPLE_CORPUS.glob("*.txt")):
        doc = read(path, path.name)
        assert doc.text == path.read_text(encoding="utf-8")
        assert (doc.fmt, doc.encoding) == ("txt", "utf-8")


def test_txt_metadata_variants(tmp_path):
    text = ("索 引 号:11140000/2022-00123\n发布机构:某某县人民政府办公室  成文日期:2022年03月01日\n"
            "文  号:某政办发〔2022〕5号\n名称:某某县2021年法治政府建设年度报告\n"
            + REPORT + "来源:不是元数据,正文里的句子\n")
    doc = read_bytes(tmp_path, text.encode())
    assert doc.meta == (
        ("索引号", "11140000/2022-00123"),
        ("发文机关", "某某县人民政府办公室"),
        ("成文日期", "2022年03月01日"),
        ("发文字号", "某政办发〔2022〕5号"),
        ("标题", "某某县2021年法治政府建设年度报告"),
        ("来源", "不是元数据,正文里的句子"),  # within the first 40 lines, so it counts
    )
    assert doc.title == "某某县2021年法治政府建设年度报告"


def test_metadata_only_in_head_lines(tmp_path):
    text = "正文第一行。\n" * 45 + "发文机关:太靠后\n"
    assert read_bytes(tmp_path, text.encode()).meta == ()


def test_first_occurrence_wins(tmp_path):
    doc = read_bytes(tmp_path, "| 发文机关: 甲局 | 发布机构: 乙局 |\n正文。\n".encode())
    assert doc.meta == (("发文机关", "甲局"),)


# --- discovery -----------------------------------------------------------------------------

@pytest.fixture()
def tree(tmp_path):
    root = tmp_path / "报告 2023"
    for rel in ["潞州区/司法局 年报.txt", "潞州区/附件/b.HTML", "a.txt", "z 区/page.htm", "c.TEXT",
                "潞州区/scan.tif", "notes.doc", ".hidden.txt", ".cache/x.txt", "潞州区/.git/y.txt"]:
        write(root / rel, REPORT.encode())
    return root


def test_discover_nested_chinese_names_and_spaces(tree):
    found = discover([tree])
    assert [source for _, source in found] == [
        "a.txt", "c.TEXT", "z 区/page.htm", "潞州区/司法局 年报.txt", "潞州区/附件/b.HTML"]
    assert all(path.is_file() and path.is_relative_to(tree) for path, _ in found)
    assert found[3][0] == tree / "潞州区" / "司法局 年报.txt"


def test_skipped_in_lists_unsupported_not_hidden(tree):
    assert [source for _, source in skipped_in([tree])] == ["notes.doc", "潞州区/scan.tif"]


def test_discover_file_inputs_and_dedup(tree):
    file = tree / "潞州区" / "司法局 年报.txt"
    found = discover([file, tree, tree])
    assert len(found) == 5
    assert discover([file]) == [(file, "司法局 年报.txt")]


def test_discover_colliding_sources_get_folder_prefix(tmp_path):
    write(tmp_path / "甲" / "r.txt", b"a")
    write(tmp_path / "乙" / "r.txt", b"b")
    write(tmp_path / "乙" / "only.txt", b"c")
    found = discover([tmp_path / "甲", tmp_path / "乙"])
    assert [s for _, s in found] == ["only.txt", "乙/r.txt", "甲/r.txt"]
    found = discover([tmp_path / "甲" / "r.txt", tmp_path / "乙" / "r.txt"])
    assert [s for _, s in found] == ["乙/r.txt", "甲/r.txt"]


def test_discover_missing_input(tmp_path):
    with pytest.raises(IngestError) as info:
        discover([tmp_path / "不存在的 文件夹"])
    assert info.value.path.endswith("不存在的 文件夹")
    assert "input not found" in info.value.reason


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_discover_does_not_loop_on_symlinks(tmp_path):
    write(tmp_path / "d" / "r.txt", b"x")
    os.symlink(tmp_path / "d", tmp_path / "d" / "loop")
    assert [s for _, s in discover([tmp_path / "d"])] == ["r.txt"]


def test_read_everything_discovered(tree):
    docs = [read(path, source) for path, source in discover([tree])]
    assert all(doc.text.startswith("长治市潞州区司法局") for doc in docs)
    assert [doc.fmt for doc in docs] == ["txt"] * 5  # .htm/.HTML without tags too
