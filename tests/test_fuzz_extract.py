"""Property-based tests of extraction and graph minting on random report-like text.

Texts are built from real region, agency and programme names, quotes, 《titles》, brackets,
years, markup-like junk and random characters. For every text: ``extract`` raises nothing;
every span and evidence string is the source text at its offsets; every IRI minted is valid
(pyoxigraph accepts it, no spaces or controls); the same text gives the same triples.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef

from kg import gazetteer as gaz
from kg import thesaurus as thes
from kg.extract import build_nlp, extract
from kg.graph import triples
from kg.ingest.decode import clean_text
from kg.types import Document

PROPS = settings(max_examples=60, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(max_examples=600, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
BAD_IRI = re.compile(r"[\x00-\x20<>\"{}|\\^`\x7f-\x9f]")


@pytest.fixture(scope="module")
def world():
    return build_nlp(), gaz.load(), thes.load()


def _names():
    g, t = gaz.load(), thes.load()
    regions = sorted({d.name for d in g})[::7][:400] + ["芜湖", "黔西南州", "城区", "新华区", "全区", "本县"]
    programmes = sorted({label for c in t.concepts() for label in c.labels})[::3][:300]
    return regions, programmes


REGIONS, PROGRAMMES = _names()
AGENCY_TAILS = ["司法局", "人民政府", "县政府", "区委", "市场监督管理局", "公安局", "我局", "局",
                "法院", "人民检察院", "综合行政执法局", "办公室"]
JUNK = ["<script>alert(1)</script>", "“<img src=x onerror=window.__pwned=1>”", "javascript:alert(1)",
        "\u200b", "\u3000", "\t", "&amp;", "%20", " ", "\"", "'", "\\", "\ufffd", "𠀀", "A\u030a",
        "《》", "“”", "()", "【】", "〔2023〕1号", "——", "……", "、", ",", "。", "!", "?", ";", ":"]


def pieces():
    year = st.integers(1990, 2035).map(lambda y: f"{y}年")
    region = st.sampled_from(REGIONS)
    agency = st.tuples(st.sampled_from(REGIONS + [""]), st.sampled_from(AGENCY_TAILS)).map("".join)
    programme = st.sampled_from(PROGRAMMES)
    quoted = st.one_of(programme, st.text(max_size=12)).map(lambda s: f"“{s}”")
    title = st.one_of(st.sampled_from(["中华人民共和国行政处罚法", "法治政府建设实施纲要(2021—2025年)"]),
                      st.text(max_size=15)).map(lambda s: f"《{s}》")
    bracket = st.text(max_size=8).map(lambda s: f"({s})")
    chinese = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=20)
    return st.one_of(year, region, agency, programme, quoted, title, bracket, chinese,
                     st.sampled_from(JUNK), st.just("\n"), st.just("坚持和发展新时代“枫桥经验”。"),
                     st.text(max_size=10))


TEXTS = st.lists(pieces(), min_size=1, max_size=60).map("".join)


def check_text(raw: str, world) -> None:
    nlp, gazetteer, thesaurus = world
    text = clean_text(raw)  # what kg.ingest.read hands over: newlines normalised, no controls
    doc = Document(source="fuzz 报告.txt", text=text)
    ext = extract(doc, nlp)
    agencies = ext.agencies[:-1] if ext.report.publisher and ext.agencies else ext.agencies
    for hits in (ext.regions, agencies, ext.programmes, ext.documents):
        for hit in hits:
            assert text[hit.start:hit.end] == hit.surface, hit
    if ext.report.publisher and ext.agencies:  # see test_publisher_hit_offsets_point_into_the_text
        assert ext.agencies[-1].surface in text or ext.agencies[-1].surface in ext.doc.title
    for imp in ext.implementations:
        assert text[imp.start:imp.start + len(imp.evidence)] == imp.evidence, imp
        assert imp.evidence.strip()
    first = list(triples(ext, gazetteer=gazetteer, thesaurus=thesaurus))
    for triple in first:
        for term in triple:
            if isinstance(term, URIRef):
                assert not BAD_IRI.search(str(term)), term
                ox.NamedNode(str(term))  # raises ValueError on an invalid IRI
            elif isinstance(term, Literal):
                assert "\x00" not in str(term)
    again = list(triples(extract(Document(source="fuzz 报告.txt", text=text), nlp),
                         gazetteer=gazetteer, thesaurus=thesaurus))
    assert sorted(map(str, again)) == sorted(map(str, first))


@PROPS
@given(text=TEXTS)
def test_random_report_text(world, text):
    check_text(text, world)


@PROPS
@given(region=st.sampled_from(REGIONS), programme=st.sampled_from(PROGRAMMES),
       year=st.integers(2015, 2030), noise=TEXTS)
def test_report_shaped_text(world, region, programme, year, noise):
    text = (f"{region}{year}年法治政府建设情况的报告\n{year}年,{region}司法局坚持推进“{programme}”,"
            f"{noise}。\n二、{year + 1}年工作计划\n继续深化{programme}。{noise}")
    check_text(text, world)


@pytest.mark.slow
@SLOW
@given(text=TEXTS)
def test_random_report_text_long_run(world, text):
    check_text(text, world)


def test_evidence_check_would_catch_an_offset_slip(world):
    """The property is not vacuous: the sample reports do yield implementations."""
    from kg.resources import SAMPLE_CORPUS

    text = min(SAMPLE_CORPUS.glob("000_*.txt")).read_text(encoding="utf-8")
    ext = extract(Document(source="000.txt", text=text), world[0])
    assert len(ext.implementations) > 10
    check_text(text, world)


def test_publisher_hit_offsets_point_into_the_text(world):
    text = ("丁青县2015年法治政府建设情况的报告\n2015年,丁青县司法局坚持推进“1+1中国法律援助志愿者行动”,"
            "丁青司法局。\n二、2016年工作计划\n继续深化1+1中国法律援助志愿者行动。丁青司法局")
    ext = extract(Document(source="x.txt", text=text), world[0])
    assert all(text[h.start:h.end] == h.surface for h in ext.agencies)
