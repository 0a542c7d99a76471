"""The ontology (fazhi.ttl) and its SHACL shapes (shapes.ttl), via kg.validate."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from kg.namespaces import FZ, GEO, mint

# datatype IRIs as plain constants: pytest probes module globals, and the closed XSD
# namespace object warns on the unknown attributes it looks up
GYEAR = URIRef("http://www.w3.org/2001/XMLSchema#gYear")
DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
from kg.resources import ontology_dir
from kg.types import DOCUMENT_KINDS
from kg.validate import validate

ONTOLOGY_IRI = URIRef("https://w3id.org/fazhi-kg/ontology")

# the vocabulary the graph builder emits (see the brief / ontology/README.md)
CLASSES = {"Report", "Region", "Agency", "Programme", "Theme", "PolicyDocument", "Implementation",
           "Adoption", "ProvinceYearSummary", "RegionYearCoverage",  # derived facts (kg/derive.py)
           "DocumentKind",
           "RegionResolution"}  # how a name several regions share was resolved
# The values of fz:documentKind (named individuals, one per kg.types.DOCUMENT_KINDS entry)
INDIVIDUALS = {"GovernmentReport", "DepartmentReport", "TownshipReport", "NewsItem", "Article"}
OBJECT_PROPERTIES = {
    "aboutRegion", "mentions", "partOf", "jurisdiction", "region", "programme", "agency",
    # derived facts (kg/derive.py)
    "adopter", "adoptedProgramme", "carriedOut", "summaryProvince", "summaryProgramme",
    "summaryRegion", "summaryReport", "reportedProgramme", "coverageRegion", "coverageKind",
    "coverageReport",
    "documentKind", "learnedFrom",
    "resolvedIn", "resolvedRegion", "candidateRegion",  # region resolution
}
DATATYPE_PROPERTIES = {
    "yearCovered", "format", "encoding", "contentHash", "flag", "adminCode", "level",
    "approximateLocation", "agencyKind", "curated", "year", "evidence", "planned",
    # derived facts (kg/derive.py)
    "adoptionYear", "summaryYear", "implementationCount", "coverageYear",
    "surfaceForm", "resolutionReason",  # region resolution
}


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ontology_dir() / "fazhi.ttl", format="turtle")


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")


def fz_terms(g: rdflib.Graph) -> set[URIRef]:
    return {
        t for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(str(FZ))
    }


# --------------------------------------------------------------------------- ontology


def test_header(ontology: rdflib.Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert str(ontology.value(ONTOLOGY_IRI, OWL.versionInfo)) == "0.3.0"  # 0.2: derived facts; 0.3: document kinds, learnedFrom
    titles = {t.language for t in ontology.objects(ONTOLOGY_IRI, DCTERMS.title)}
    assert {"zh", "en"} <= titles
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.license) is not None


def test_declares_the_builder_vocabulary(ontology: rdflib.Graph) -> None:
    for name in CLASSES:
        assert (FZ[name], RDF.type, OWL.Class) in ontology, name
    for name in OBJECT_PROPERTIES:
        assert (FZ[name], RDF.type, OWL.ObjectProperty) in ontology, name
    for name in DATATYPE_PROPERTIES:
        assert (FZ[name], RDF.type, OWL.DatatypeProperty) in ontology, name
    for name in INDIVIDUALS:
        assert (FZ[name], RDF.type, FZ.DocumentKind) in ontology, name
    assert INDIVIDUALS == set(DOCUMENT_KINDS.values())
    declared = {t for t in fz_terms(ontology) if (t, RDF.type, None) in ontology}
    assert declared == {FZ[n] for n in CLASSES | OBJECT_PROPERTIES | DATATYPE_PROPERTIES | INDIVIDUALS}


def test_every_term_has_zh_en_labels_and_a_comment(ontology: rdflib.Graph) -> None:
    for term in fz_terms(ontology):
        langs = {lab.language for lab in ontology.objects(term, RDFS.label)}
        assert {"zh", "en"} <= langs, term
        assert ontology.value(term, RDFS.comment) is not None, term


@pytest.mark.parametrize(
    ("cls", "parent"),
    [
        ("Report", PROV.Entity),
        ("Region", GEO.Feature),
        ("Agency", URIRef("http://www.w3.org/ns/org#Organization")),
        ("Programme", SKOS.Concept),
        ("Theme", SKOS.Concept),
        ("PolicyDocument", DCTERMS.BibliographicResource),
        ("Implementation", PROV.Entity),
    ],
)
def test_classes_reuse_standard_vocabularies(
    ontology: rdflib.Graph, cls: str, parent: URIRef
) -> None:
    assert (FZ[cls], RDFS.subClassOf, parent) in ontology


def test_level_has_no_domain_because_regions_and_documents_share_it(ontology: rdflib.Graph) -> None:
    assert ontology.value(FZ.level, RDFS.domain) is None


def test_every_fz_term_used_in_shapes_is_declared(
    ontology: rdflib.Graph, shapes: rdflib.Graph
) -> None:
    declared = {t for t in fz_terms(ontology) if (t, RDF.type, None) in ontology}
    assert fz_terms(shapes) - declared == set()


def test_one_node_shape_per_class(shapes: rdflib.Graph) -> None:
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    targets = set(shapes.objects(None, sh.targetClass))
    # fz:DocumentKind's members are the ontology's own individuals, not data: no shape
    assert {FZ[c] for c in CLASSES - {"DocumentKind"}} <= targets


# --------------------------------------------------------------------------- shapes

REPORT = URIRef(mint("report", "000"))
COUNTY = URIRef(mint("region", "340202"))
CITY = URIRef(mint("region", "340200"))
VILLAGE = URIRef(mint("region", "340202", "马厂村"))
AGENCY = URIRef(mint("agency", "镜湖区司法局"))
PROGRAMME = URIRef(mint("programme", "枫桥经验"))
THEME = URIRef(mint("theme", "dispute-resolution"))
DOCUMENT = URIRef(mint("document", "法律援助法"))
IMPL = URIRef(mint("implementation", "000", "1"))


def zh(text: str) -> Literal:
    return Literal(text, lang="zh")


def good_graph() -> rdflib.Graph:
    """A small graph exactly as the builder should emit it."""
    g = rdflib.Graph()
    add = g.add
    add((REPORT, RDF.type, FZ.Report))
    add((REPORT, DCTERMS.source, Literal("000_d64034255a0dea92.txt")))
    add((REPORT, DCTERMS.title, zh("镜湖区司法局2021年法治政府建设情况年度报告")))
    add((REPORT, FZ.aboutRegion, COUNTY))
    add((REPORT, DCTERMS.publisher, AGENCY))
    add((REPORT, FZ.yearCovered, Literal("2021", datatype=GYEAR)))
    add((REPORT, FZ.documentKind, FZ.DepartmentReport))
    add((REPORT, DCTERMS.issued, Literal("2022-03-30", datatype=DATE)))
    add((REPORT, FZ["format"], Literal("txt")))
    add((REPORT, FZ.encoding, Literal("utf-8")))
    add((REPORT, FZ.contentHash, Literal("ab" * 32)))
    for node in (COUNTY, CITY, VILLAGE, AGENCY, PROGRAMME, DOCUMENT):
        add((REPORT, FZ.mentions, node))
    for iri, name, level, code, lonlat in (
        (COUNTY, "镜湖区", "county", "340202", "118.385 31.340"),
        (CITY, "芜湖市", "prefecture", "340200", "118.433 31.352"),
    ):
        geom = URIRef(f"{iri}/geometry")
        add((iri, RDF.type, FZ.Region))
        add((iri, RDFS.label, zh(name)))
        add((iri, FZ.level, Literal(level)))
        add((iri, FZ.adminCode, Literal(code)))
        add((iri, GEO.hasGeometry, geom))
        add((geom, RDF.type, GEO.Geometry))
        add((geom, GEO.asWKT, Literal(f"POINT({lonlat})", datatype=GEO.wktLiteral)))
    add((COUNTY, SKOS.altLabel, zh("镜湖")))
    add((COUNTY, FZ.partOf, CITY))
    add((COUNTY, FZ.approximateLocation, Literal(False)))
    add((VILLAGE, RDF.type, FZ.Region))
    add((VILLAGE, RDFS.label, zh("马厂村")))
    add((VILLAGE, FZ.level, Literal("village")))
    add((VILLAGE, FZ.partOf, COUNTY))
    add((AGENCY, RDF.type, FZ.Agency))
    add((AGENCY, RDFS.label, zh("镜湖区司法局")))
    add((AGENCY, SKOS.altLabel, zh("区司法局")))
    add((AGENCY, FZ.jurisdiction, COUNTY))
    add((AGENCY, FZ.agencyKind, Literal("justice-bureau")))
    add((THEME, RDF.type, FZ.Theme))
    add((THEME, SKOS.prefLabel, zh("矛盾纠纷化解")))
    add((THEME, SKOS.prefLabel, Literal("dispute resolution", lang="en")))
    add((PROGRAMME, RDF.type, FZ.Programme))
    add((PROGRAMME, SKOS.prefLabel, zh("枫桥经验")))
    add((PROGRAMME, SKOS.prefLabel, Literal("Fengqiao experience", lang="en")))
    add((PROGRAMME, SKOS.altLabel, zh("新时代“枫桥经验”")))
    add((PROGRAMME, SKOS.broader, THEME))
    add((PROGRAMME, FZ.curated, Literal(True)))
    add((DOCUMENT, RDF.type, FZ.PolicyDocument))
    add((DOCUMENT, DCTERMS.title, zh("法律援助法")))
    add((DOCUMENT, FZ.level, Literal("national")))
    add((IMPL, RDF.type, FZ.Implementation))
    add((IMPL, FZ.region, COUNTY))
    add((IMPL, FZ.programme, PROGRAMME))
    add((IMPL, FZ.year, Literal("2021", datatype=GYEAR)))
    add((IMPL, FZ.agency, AGENCY))
    add((IMPL, PROV.wasDerivedFrom, REPORT))
    add((IMPL, FZ.evidence, Literal("坚持和发展新时代“枫桥经验”")))
    add((IMPL, FZ.planned, Literal(False)))
    return g


def test_correct_graph_conforms() -> None:
    assert validate(good_graph()) == []


def test_warnings_are_opt_in() -> None:
    g = good_graph()
    g.set((AGENCY, FZ.agencyKind, Literal("law-firm")))
    assert validate(g) == []
    assert any("agencyKind" in line for line in validate(g, include_warnings=True))


def _drop(s: URIRef, p: URIRef) -> Callable[[rdflib.Graph], None]:
    return lambda g: g.remove((s, p, None))


def _set(s: URIRef, p: URIRef, o: rdflib.term.Node) -> Callable[[rdflib.Graph], None]:
    return lambda g: g.set((s, p, o))


def _add(s: URIRef, p: URIRef, o: rdflib.term.Node) -> Callable[[rdflib.Graph], None]:
    return lambda g: g.add((s, p, o))


BROKEN = {
    "region without label": (_drop(COUNTY, RDFS.label), "rdfs:label"),
    "region with two labels": (_add(COUNTY, RDFS.label, zh("镜湖县")), "rdfs:label"),
    "bad adminCode": (_set(CITY, FZ.adminCode, Literal("34020")), "fz:adminCode"),
    "adminCode on a village": (_set(VILLAGE, FZ.adminCode, Literal("340202001")), "fzid:region"),
    "unknown region level": (_set(CITY, FZ.level, Literal("city")), "fz:level"),
    "county without geometry": (_drop(COUNTY, GEO.hasGeometry), "geo:hasGeometry"),
    "bad WKT": (
        _set(URIRef(f"{CITY}/geometry"), GEO.asWKT, Literal("31.3,118.4", datatype=GEO.wktLiteral)),
        "geo:asWKT",
    ),
    "parent is not a region": (_set(COUNTY, FZ.partOf, AGENCY), "fz:partOf"),
    "report without source": (_drop(REPORT, DCTERMS.source), "dcterms:source"),
    "report with two years": (
        _add(REPORT, FZ.yearCovered, Literal("2022", datatype=GYEAR)), "fz:yearCovered"
    ),
    "issued is not a date": (
        _set(REPORT, DCTERMS.issued, Literal("2022年3月30日")), "dcterms:issued"
    ),
    "bad format": (_set(REPORT, FZ["format"], Literal("exe")), "fz:format"),
    "mentions an implementation": (_add(REPORT, FZ.mentions, IMPL), "fz:mentions"),
    "agency with two jurisdictions": (_add(AGENCY, FZ.jurisdiction, CITY), "fz:jurisdiction"),
    "agency without label": (_drop(AGENCY, RDFS.label), "rdfs:label"),
    "programme without zh prefLabel": (
        _set(PROGRAMME, SKOS.prefLabel, Literal("Fengqiao", lang="en")), "skos:prefLabel"
    ),
    "programme with two zh prefLabels": (
        _add(PROGRAMME, SKOS.prefLabel, zh("枫桥")), "skos:prefLabel"
    ),
    "programme without curated": (_drop(PROGRAMME, FZ.curated), "fz:curated"),
    "document title in brackets": (
        _set(DOCUMENT, DCTERMS.title, zh("《法律援助法》")), "dcterms:title"
    ),
    "document level unknown word": (_set(DOCUMENT, FZ.level, Literal("county-level")), "fz:level"),
    "implementation without evidence": (_drop(IMPL, FZ.evidence), "fz:evidence"),
    "implementation year is a plain string": (_set(IMPL, FZ.year, Literal("2021")), "fz:year"),
    "implementation year is an integer": (_set(IMPL, FZ.year, Literal(2021)), "fz:year"),
    "implementation without programme": (_drop(IMPL, FZ.programme), "fz:programme"),
    "implementation with two regions": (_add(IMPL, FZ.region, CITY), "fz:region"),
    "implementation planned not boolean": (_set(IMPL, FZ.planned, Literal("no")), "fz:planned"),
    "implementation from a non-report": (
        _set(IMPL, PROV.wasDerivedFrom, DOCUMENT), "prov:wasDerivedFrom"
    ),
    "blank-node region": (
        lambda g: [g.add((b := BNode(), RDF.type, FZ.Region)), g.add((b, RDFS.label, zh("x"))),
                   g.add((b, FZ.level, Literal("village")))],
        "[]",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_graph_yields_a_violation(case: str) -> None:
    mutate, expected = BROKEN[case]
    g = good_graph()
    mutate(g)
    lines = validate(g)
    assert lines, f"{case}: no violation"
    assert any(expected in line for line in lines), lines
    assert all(": " in line for line in lines)


def test_violation_lines_name_focus_path_and_message() -> None:
    g = good_graph()
    g.set((CITY, FZ.adminCode, Literal("34020")))
    (line,) = validate(g)
    assert line.startswith("fzid:region/340200 fz:adminCode: ")
    assert "34020" in line
