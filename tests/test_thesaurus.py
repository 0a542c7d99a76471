"""The programme concept scheme: TSV source, Turtle rendering, label lookup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from kg.namespaces import FZ, mint
from kg.resources import ontology_dir
from kg.thesaurus import SCHEME_IRI, THEMES, load, normalise, read_tsv, render_turtle

GOLD_THESAURUS = (Path(__file__).resolve().parents[1].parent / "shared" / "gold"
                  / "programmes.thesaurus.json")  # ../shared beside the repo


@pytest.fixture(scope="module")
def thesaurus():
    return load()


def test_turtle_is_compiled_from_the_tsv():
    ttl = (ontology_dir() / "programmes.ttl").read_text(encoding="utf-8")
    assert ttl == render_turtle(read_tsv()), "run `python -m kg.thesaurus` after editing the TSV"


def test_scheme_is_broad_and_well_formed(thesaurus):
    concepts = thesaurus.concepts()
    assert len(concepts) >= 250
    assert [c.pref_label for c in concepts] == sorted(c.pref_label for c in concepts)
    for c in concepts:
        assert c.iri == mint("programme", c.pref_label)
        assert c.theme in THEMES and c.curated
    assert thesaurus.themes() == {slug: mint("theme", slug) for slug in THEMES}


def test_turtle_declares_scheme_themes_and_concepts():
    g = Graph().parse(ontology_dir() / "programmes.ttl", format="turtle")
    scheme = URIRef(SCHEME_IRI)
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    tops = set(g.objects(scheme, SKOS.hasTopConcept))
    assert tops == {URIRef(mint("theme", s)) for s in THEMES}
    for theme in tops:
        assert (theme, RDF.type, FZ.Theme) in g and (theme, SKOS.topConceptOf, scheme) in g
    fengqiao = URIRef(mint("programme", "枫桥经验"))
    assert (fengqiao, RDF.type, FZ.Programme) in g
    assert (fengqiao, SKOS.broader, URIRef(mint("theme", "dispute-resolution"))) in g


def test_no_label_names_two_concepts(thesaurus):
    owners: dict[str, str] = {}
    for c in thesaurus.concepts():
        for label in c.labels:
            assert owners.setdefault(normalise(label), c.pref_label) == c.pref_label, label


@pytest.mark.parametrize(
    ("label", "concept"),
    [
        ("“八五”普法", "八五普法"),
        ("新时代“枫桥经验”", "枫桥经验"),
        ("一村(社区)一法律顾问", "一村一法律顾问"),
        ("双随机一公开", "双随机、一公开"),
        ("“谁执法谁普法”普法责任制", "谁执法谁普法"),
        ("河湖长制", "河长制"),
        ("“放管服”改革", "放管服"),
        ("行政执法“三项制度”", "行政执法三项制度"),
    ],
)
def test_by_label_normalises(thesaurus, label, concept):
    found = thesaurus.by_label(label)
    assert found is not None and found.pref_label == concept


def test_unknown_label(thesaurus):
    assert thesaurus.by_label("关键少数") is None


def test_normalise_matches_the_evaluation():
    assert normalise("“双随机、一公开”") == "双随机一公开"
    assert normalise("《法治政府建设实施纲要(2021—2025年)》") == "法治政府建设实施纲要(2021-2025年)"
    assert normalise("“保民生 护民生”") == "保民生护民生"


@pytest.mark.skipif(not GOLD_THESAURUS.is_file(), reason="shared gold not available")
def test_covers_the_gold_thesaurus(thesaurus):
    gold = json.loads(GOLD_THESAURUS.read_text(encoding="utf-8"))
    for name, entry in gold.items():
        concept = thesaurus.by_label(name)
        assert concept is not None and concept.pref_label == name
        assert concept.theme == entry["theme"], name
        for alias in entry["aliases"]:
            assert thesaurus.by_label(alias) == concept, alias


def test_every_framed_label_is_a_label_of_the_scheme(thesaurus):
    from kg.resources import data_lines

    frames = [line.split("\t")[0] for line in data_lines("programme_label_frames.tsv")]
    assert frames
    for label in frames:
        assert thesaurus.by_label(label) is not None, label


@pytest.mark.parametrize("duty", ["法治督察", "法治政府建设督察", "法治建设考核", "规范性文件备案审查", "行政执法监督联系点"])
def test_generic_duties_have_no_concept(thesaurus, duty):
    # ANNOTATION.md: generic duties with no proper name are not programmes
    assert thesaurus.by_label(duty) is None


def test_loaded_scheme_is_the_tsv():
    """The Turtle, read back (by Oxigraph), gives every row of the TSV: label, alternative
    labels, theme."""
    rows = {r.pref_label: r for r in read_tsv()}
    concepts = load().concepts()
    assert {c.pref_label for c in concepts} == set(rows)
    for c in concepts:
        row = rows[c.pref_label]
        assert c.alt_labels == tuple(sorted(set(row.alt_labels) - {row.pref_label}))
        assert c.theme == row.theme and c.iri == mint("programme", row.pref_label)


_SMALL = """@prefix fz: <https://w3id.org/fazhi-kg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://example.org/t> a fz:Theme .
<https://example.org/a> a fz:Programme ; skos:prefLabel "甲"@zh, "A"@en ;
    skos:altLabel "甲"@zh, "甲乙"@zh, "<&>" ; skos:broader <https://example.org/t> ; fz:curated false .
<https://example.org/b> a fz:Programme ; skos:prefLabel "乙"@zh ; fz:curated "1"^^xsd:boolean .
<https://example.org/c> a fz:Programme ; skos:prefLabel "丙"@zh .
"""


def test_load_reads_labels_themes_and_curation(tmp_path):
    path = tmp_path / "scheme.ttl"
    path.write_text(_SMALL, encoding="utf-8")
    t = load(path)
    a, b, c = (t.by_label(x) for x in ("甲", "乙", "丙"))
    assert (a.iri, a.alt_labels, a.theme, a.curated) == ("https://example.org/a", ("<&>", "甲乙"), "t", False)
    assert (b.theme, b.curated, c.curated) == (None, True, True)
    assert t.themes() == {"t": "https://example.org/t"}
    assert [x.pref_label for x in t.concepts()] == sorted(["甲", "乙", "丙"])


@pytest.mark.parametrize("text, message", [
    (_SMALL.replace('"乙"@zh', '"乙"@zh, "乙二"@zh'), "exactly one skos:prefLabel@zh"),
    (_SMALL.replace('"丙"@zh .', '"丙"@en .'), "exactly one skos:prefLabel@zh"),
    (_SMALL.replace(" ; fz:curated false .", " ; fz:curated false"), "not valid Turtle"),
])
def test_load_refuses_a_bad_scheme(tmp_path, text, message):
    from kg.errors import OntologyError

    path = tmp_path / "bad.ttl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OntologyError, match=message):
        load(path)
