"""Property-based tests of ingestion: whatever the bytes, ``read`` returns a Document or raises
IngestError, nothing else; what it returns is bounded and clean; decoding round-trips.

Example counts are modest (the default profile); ``pytest -m slow`` runs a longer pass.
"""

from __future__ import annotations

import io
import random
import re
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_robust_corpus import corpus_text, docx_bytes, paragraphs_of, pdf_bytes

from kg.errors import IngestError
from kg.ingest import MAX_CHARS, read
from kg.ingest.html import parse_html

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SUFFIXES = [".txt", ".html", ".pdf", ".docx", ".htm", ""]
CONTROL = {chr(c) for c in range(32) if c not in (9, 10)} | {"\r", "\x7f", "\ufeff"}
SENTENCES = [s for s in paragraphs_of(corpus_text("000")) if 20 < len(s) < 200 and "。" in s][:12]


def read_or_refuse(data: bytes, suffix: str):
    """read() on a temporary file: the Document, or None if refused with an IngestError."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"in{suffix}"
        path.write_bytes(data)
        try:
            doc = read(path, path.name)
        except IngestError as e:
            assert e.path == path.name  # names the file
            chinese, english = e.reason.split("/ ", 1)  # bilingual: 中文 / English
            assert re.search(r"[\u4e00-\u9fff]", chinese) and re.search(r"[a-z]{4}", english)
            return None
    assert doc.text.strip() and len(doc.text) <= MAX_CHARS
    assert not CONTROL & set(doc.text), "control characters leaked"
    assert doc.fmt in ("txt", "html", "pdf", "docx")
    return doc


def check_random_bytes(data: bytes, suffix: str) -> None:
    read_or_refuse(data, suffix)


@FAST
@given(st.binary(max_size=4096), st.sampled_from(SUFFIXES))
def test_random_bytes(data, suffix):
    check_random_bytes(data, suffix)


@pytest.mark.slow
@SLOW
@given(st.binary(max_size=65536), st.sampled_from(SUFFIXES))
def test_random_bytes_long(data, suffix):
    check_random_bytes(data, suffix)


MAGICS = [b"%PDF-1.4\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf",
          b"\xff\xfe", b"\xfe\xff", b"<!DOCTYPE html>", b"<html><body>", b"\x00\x00\xfe\xff"]


@FAST
@given(st.sampled_from(MAGICS), st.binary(max_size=2048), st.sampled_from(SUFFIXES))
def test_random_bytes_behind_a_magic_number(magic, data, suffix):
    check_random_bytes(magic + data, suffix)


@pytest.fixture(scope="module")
def real_pdf() -> bytes:
    return pdf_bytes(paragraphs_of(corpus_text("002"))[:12])


@pytest.fixture(scope="module")
def real_docx() -> bytes:
    return docx_bytes(paragraphs_of(corpus_text("002"))[:12], table=[["发文机关", "坪山区司法局"]])


def mutate(data: bytes, seed: int, flips: int) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(flips):
        kind = rng.random()
        at = rng.randrange(len(out))
        if kind < 0.6:
            out[at] = rng.randrange(256)
        elif kind < 0.8:
            del out[at: at + rng.randrange(1, 64)]
        else:
            out[at:at] = rng.randbytes(rng.randrange(1, 64))
    return bytes(out)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32), st.integers(1, 40))
def test_mutated_pdf(real_pdf, seed, flips):
    read_or_refuse(mutate(real_pdf, seed, flips), ".pdf")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32), st.integers(1, 40))
def test_mutated_docx(real_docx, seed, flips):
    read_or_refuse(mutate(real_docx, seed, flips), ".docx")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
                        max_size=60), max_size=8),
       st.sampled_from(["word/document.xml", "_rels/.rels", "docProps/core.xml", "x.xml"]))
def test_random_xml_parts_in_a_zip(texts, name):
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = "".join(f"<w:p><w:r><w:t>{t}</w:t></w:r></w:p>" for t in texts)  # unescaped on purpose
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        zf.writestr(name, f"<w:document {w}><w:body>{body}</w:body></w:document>")
    read_or_refuse(data.getvalue(), ".docx")


# --- random HTML trees ---------------------------------------------------------------------

TAGS = ["div", "p", "span", "table", "tr", "td", "ul", "li", "b", "a", "br", "section", "font",
        "script", "style", "nav", "h1", "pre", "center", "iframe", "header", "footer", "form"]
ATTRS = st.sampled_from(['', ' class="content"', ' id="x"', ' class="nav"', ' style="color:red"',
                         ' onclick="alert(1)"', ' href="javascript:alert(1)"', " title='<b>'"])
TEXTS = st.one_of(st.sampled_from(SENTENCES), st.text(max_size=30),
                  st.sampled_from(["&amp;", "&lt;script&gt;", "&#0;", "&#x110000;", "<", ">", "]]>",
                                   "<!--", "-->", "<![CDATA[", "\x00", "\r\n", "分享到"]))


def html_trees():
    leaf = TEXTS
    return st.recursive(
        leaf,
        lambda kids: st.tuples(st.sampled_from(TAGS), ATTRS, st.lists(kids, max_size=5),
                               st.booleans()).map(
            lambda t: f"<{t[0]}{t[1]}>{''.join(t[2])}" + (f"</{t[0]}>" if t[3] else "")),
        max_leaves=40)


@FAST
@given(html_trees(), st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_random_html_trees(body, codec):
    # ">" first: a bogus comment left open by the noise ("<?", "<![CDATA[") would swallow the
    # <script> start tag, in a browser as in lxml, and its code would then be text
    page = (f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}>"
            "<script>var MARKJS = 1;</script><style>.MARKCSS {}</style></body></html>")
    doc = read_or_refuse(page.encode(codec, errors="replace"), ".html")
    if doc is not None:  # scripts and styles are never text, however broken the page before them
        assert "MARKJS" not in doc.text and "MARKCSS" not in doc.text


@FAST
@given(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6), html_trees())
def test_sentences_in_plain_paragraphs_survive_any_neighbour(sentences, noise):
    page = ("<html><body><div class='article'>" + "".join(f"<p>{s}</p>" for s in sentences)
            + "</div><div>" + noise + "</div></body></html>")
    text = parse_html(page).text
    for sentence in sentences:
        assert sentence in text.split("\n")


@FAST
@given(st.integers(1, 3000))
def test_any_nesting_depth(depth):
    page = "<div>" * depth + "<p>" + SENTENCES[0] + "</p>" + "</div>" * (depth // 2)
    assert SENTENCES[0] in parse_html(page).text


# --- random encodings ----------------------------------------------------------------------

REPORTISH = st.lists(st.sampled_from(SENTENCES + ["\n", "2022年", " ", "“枫桥经验”", "《宪法》"]),
                     min_size=1, max_size=20).map("".join).filter(lambda s: s.strip())


@FAST
@given(REPORTISH, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030", "gbk"]),
       st.sampled_from([".txt", ".text", ".html"]))
def test_encodings_round_trip(text, codec, suffix):
    data = text.encode(codec)
    doc = read_or_refuse(data, suffix)
    assert doc is not None
    assert doc.text == text  # characters never rewritten, whatever the encoding


@FAST
@given(REPORTISH, st.sampled_from(["utf-8", "gb18030"]), st.integers(1, 3))
def test_truncated_multibyte_text_is_read_or_refused(text, codec, cut):
    data = (text * 3).encode(codec)
    doc = read_or_refuse(data[:-cut], ".txt")
    if doc is not None:
        assert (text * 3).startswith(doc.text.rstrip("\ufffd"))  # at most the cut character lost
