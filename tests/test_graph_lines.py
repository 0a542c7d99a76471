"""The N-Triples lines a build writes equal the lines of the graph's definition.

``kg.graph.report_lines`` and ``division_lines`` write N-Triples text directly (the build's
hot path); ``kg.graph.triples`` and ``division_triples`` build rdflib terms and define the
graph. Here the direct lines are compared with ``nt_line`` of the defined triples: on the
sample corpus, on report-like text changed at random, and on records holding the strings
that need escaping, literals rdflib may normalise and every kind of hit.
"""

from __future__ import annotations

import hashlib
import random

import pytest

from kg import gazetteer as gaz
from kg import graph, ingest
from kg import thesaurus as thes
from kg.extract import extract
from kg.namespaces import digest
from kg.resources import SAMPLE_CORPUS
from kg.types import (
    AgencyHit,
    Document,
    DocumentHit,
    Extraction,
    ImplementationHit,
    ProgrammeHit,
    RegionHit,
    ReportMeta,
)

RNG_SEED = 20240601
ODD = ['"', "\\", "\n", "\r", "\t", "<", ">", " ", "{", "}", "|", "^", "`", "\u2028", "\ufffd",
       "𠀀", "A\u030a", "İ", "“", "”", "《", "》", "@", "^^", "'"]


@pytest.fixture(scope="module")
def world():
    return gaz.load(), thes.load()


def _by_definition(ext: Extraction, gazetteer, thesaurus) -> tuple[list[str], set[str]]:
    shared: set[str] = set()
    lines = sorted({graph.nt_line(t) for t in graph.triples(ext, gazetteer=gazetteer,
                                                            thesaurus=thesaurus, shared=shared)})
    return lines, shared


def _direct(ext: Extraction, gazetteer, thesaurus) -> tuple[list[str], set[str]]:
    shared: set[str] = set()
    return graph.report_lines(ext, gazetteer=gazetteer, thesaurus=thesaurus, shared=shared), shared


def _sample_texts() -> list[tuple[str, str]]:
    return [(p.name, ingest.read(p, p.name).text) for p in sorted(SAMPLE_CORPUS.glob("*.txt"))]


def _mutated(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randrange(1, 40)):
        i = rng.randrange(len(chars) + 1)
        op = rng.randrange(3)
        if op == 0:
            del chars[i:i + rng.randrange(1, 30)]
        elif op == 1:
            chars[i:i] = rng.choice(ODD)
        else:
            k = rng.randrange(len(chars) + 1)
            chars[i:i] = chars[k:k + rng.randrange(1, 40)]
    return "".join(chars)


def test_report_lines_equal_the_lines_of_the_defined_triples(world):
    gazetteer, thesaurus = world
    rng = random.Random(RNG_SEED)
    texts = _sample_texts()
    texts += [(f"{name}~{i}", _mutated(text, rng)) for name, text in texts for i in range(6)]
    for name, text in texts:
        ext = extract(Document(source=name, text=text))
        assert _direct(ext, gazetteer, thesaurus) == _by_definition(ext, gazetteer, thesaurus), name


def _odd(rng: random.Random, base: str) -> str:
    return base + "".join(rng.choice(ODD) for _ in range(rng.randrange(4)))


def _records(gazetteer, rng: random.Random) -> list[Extraction]:
    codes = [d.code for d in gazetteer][::97]
    out = []
    for i in range(60):
        code = rng.choice(codes)
        text = _odd(rng, f"报告{i}" * rng.randrange(1, 200))  # short and long (the digest memo)
        doc = Document(source=_odd(rng, f"dir/报告 {i}.txt"), text=text,
                       fmt=rng.choice(["txt", "html", "pdf", "docx"]),
                       encoding=rng.choice(["utf-8", "gb18030", "unicode"]))
        year = rng.choice([None, 2021, 1999])
        meta = ReportMeta(
            title=rng.choice([None, "", _odd(rng, "法治政府建设报告")]),
            region_code=rng.choice([None, code, "999999"]),
            publisher=rng.choice([None, "某区司法局", "不存在的机关"]), year=year,
            issued=rng.choice([None, "2022-03-01", "2022-02-30", "2022-3-1", "not a date", "0001-01-01"]),
        )
        regions = (
            RegionHit(0, 2, "某区", gazetteer.get(code).name, "county", code, None),
            RegionHit(2, 5, "某某镇", _odd(rng, "某某镇"), "township", None, rng.choice([None, code])),
            RegionHit(5, 7, "村", "村", "village", None, "999999"),
            RegionHit(7, 9, "x", "x", "county", "999999", None),
        )
        agencies = (
            AgencyHit(0, 5, _odd(rng, "区司法局"), "某区司法局", rng.choice([None, code]), "justice-bureau"),
            AgencyHit(6, 9, "司法部", "司法部", None, "department"),
            AgencyHit(9, 12, "某区司法局", "某区司法局", code, "other"),
            AgencyHit(0, 0, "", _odd(rng, "空"), "999999", "other"),
        )
        programmes = (
            ProgrammeHit(0, 4, "“枫桥经验”", "枫桥经验", True, None),
            ProgrammeHit(4, 8, _odd(rng, "“新做法”"), _odd(rng, "新做法"), False, "x"),
            ProgrammeHit(8, 9, "", "空", rng.random() < 0.5, None),
        )
        documents = (DocumentHit(0, 6, "《纲要》", _odd(rng, "纲要"), rng.choice(["national", "unknown"])),)
        implementations = tuple(
            ImplementationHit(programme=rng.choice(["枫桥经验", _odd(rng, "新做法")]),
                              year=rng.choice([2021, 2022]), evidence=_odd(rng, "推行。"),
                              start=0, region_code=rng.choice([None, code, "999999"]),
                              agency=rng.choice([None, "某区司法局", "司法部", "无"]),
                              planned=rng.random() < 0.3)
            for _ in range(rng.randrange(6))
        )
        out.append(Extraction(doc=doc, report=meta, regions=regions, agencies=agencies,
                              programmes=programmes, documents=documents,
                              implementations=implementations,
                              warnings=tuple(_odd(rng, "no-region") for _ in range(rng.randrange(3)))))
    return out


def test_report_lines_equal_the_defined_lines_on_awkward_records(world):
    gazetteer, thesaurus = world
    for ext in _records(gazetteer, random.Random(RNG_SEED)):
        direct, by_definition = _direct(ext, gazetteer, thesaurus), _by_definition(ext, gazetteer, thesaurus)
        assert direct == by_definition, ext.doc.source


def test_report_lines_follow_a_replaced_triples(world, monkeypatch):
    """A test that wraps ``triples`` (adding a fact) sees the fact in the build's lines."""
    from rdflib import Literal, URIRef

    gazetteer, thesaurus = world
    ext = extract(Document(source="a.txt", text="镜湖区司法局推进“枫桥经验”。"))
    real = graph.triples
    extra = (URIRef("https://example.org/x"), URIRef("https://example.org/p"), Literal("y"))

    def wrapped(ext, **kw):
        yield from real(ext, **kw)
        yield extra

    monkeypatch.setattr(graph, "triples", wrapped)
    lines = graph.report_lines(ext, gazetteer=gazetteer, thesaurus=thesaurus, shared=set())
    assert graph.nt_line(extra) in lines


def test_division_lines_equal_the_lines_of_division_triples(world):
    gazetteer, _ = world
    codes = [d.code for d in gazetteer]
    expected = {graph.nt_line(t) for d in gazetteer for t in graph.division_triples(d, gazetteer)}
    assert graph.division_lines(codes, gazetteer) == expected
    assert graph.division_lines(["999999"], gazetteer) == set()


def test_digest_of_a_long_text_is_remembered_only_for_that_text():
    long = "法治" * 500
    same = "".join(["法治"] * 500)  # equal, another object
    full = hashlib.sha256(long.encode("utf-8")).hexdigest()
    assert same is not long
    for text in (long, long, same, long + "x", long):
        expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
        assert digest(text) == expected[:16]
        assert digest(text, length=64) == expected
    assert digest(long, "b") == hashlib.sha256(f"{long}\x1fb".encode()).hexdigest()[:16]
    assert digest(long, length=8) == full[:8]
