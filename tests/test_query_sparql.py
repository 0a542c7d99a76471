"""Binding parameters as RDF terms: the lexer, the VALUES block, hostile values."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import QueryError
from kg.query import engine, sparql
from kg.query.sparql import QueryRefused

HOSTILE = [
    '" } ; DROP ALL #',
    "\" } ; DROP ALL #\n<script>alert(1)</script>",
    "'''\"\"\" }}} ) ( # \\",
    "line1\nline2\r\n\ttab",
    "> <http://evil/> . } INSERT DATA { <a> <b> <c> } #",
    "\\u0022 } #",
]


def _store() -> ox.Store:
    s = ox.Store()
    ex = "http://example.org/"
    s.add(ox.Quad(ox.NamedNode(ex + "a"), ox.NamedNode(ex + "label"), ox.Literal("枫桥经验", language="zh")))
    for i, text in enumerate(HOSTILE):
        s.add(ox.Quad(ox.NamedNode(f"{ex}h{i}"), ox.NamedNode(ex + "label"), ox.Literal(text)))
    return s


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_stay_inside_the_literal(value):
    store = _store()
    before = len(store)
    q = "SELECT ?s WHERE { ?s <http://example.org/label> ?l . FILTER(STR(?l) = ?name) }"
    prepared = engine.prepare(q, {"name": value})
    rows = list(engine.execute(store, prepared))
    # exactly the one subject whose label is that text: the value was compared, not parsed
    assert [r["s"].value for r in rows] == [f"http://example.org/h{HOSTILE.index(value)}"]
    assert len(store) == before


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=0, max_size=40))
def test_any_text_round_trips_through_values(text):
    prepared = engine.prepare("SELECT ?x WHERE { BIND(1 AS ?one) }", {"x": text})
    [row] = list(engine.execute(ox.Store(), prepared))
    assert row["x"] == ox.Literal(text)


def test_update_inside_a_value_is_not_an_update():
    prepared = engine.prepare("ASK { FILTER(?v = ?v) }", {"v": "DROP ALL ; INSERT DATA { <a> <b> <c> }"})
    assert prepared.form == "ASK"


@pytest.mark.parametrize("text, form", [
    ("SELECT * {}", "SELECT"),
    ("# CONSTRUCT\nPREFIX a: <http://x/ASK#> ask {}", "ASK"),
    ("BASE <http://x/> CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("DESCRIBE <http://example.org/>", "DESCRIBE"),
    ('SELECT ("INSERT" AS ?x) {}', "SELECT"),
])
def test_query_form(text, form):
    assert sparql.query_form(text) == form


@pytest.mark.parametrize("text", [
    "INSERT DATA { <a> <b> <c> }", "DROP ALL", "LOAD <http://example.org/data.ttl>",
    "CLEAR DEFAULT", "PREFIX : <http://x/> DELETE WHERE { ?s ?p ?o }",
    "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o OPTIONAL { service silent <http://127.0.0.1:1/> { ?s ?p ?x } } }",
])
def test_updates_and_service_are_refused(text):
    with pytest.raises(QueryRefused):
        sparql.query_form(text)


def test_service_in_a_string_or_iri_is_refused_too():
    """Fail closed (issue 18): the engine's parser has no lexer, so the guard does not
    trust one either; only the inside of a longer name passes."""
    for text in ('SELECT * { ?s <http://x/SERVICE> ?o }', 'SELECT * { ?s ?p "SERVICE <http://e/>" }'):
        with pytest.raises(sparql.QueryRefused, match="SERVICE"):
            sparql.query_form(text)
    assert sparql.query_form('SELECT * { ?s <http://x/selfservice> "PublicService" }') == "SELECT"


def test_values_go_into_every_where_group():
    text = ("SELECT ?a WHERE { { SELECT ?a (COUNT(*) AS ?n) WHERE { ?a ?p ?x FILTER(?x = ?v) } "
            "GROUP BY ?a } FILTER(?v = ?v) }")
    out = sparql.bind(text, {"v": ox.Literal("x")})
    assert out.count('VALUES ( ?v ) { ( "x" ) }') == 2
    engine.check_syntax(out)


def test_construct_template_is_skipped_and_short_form_refused():
    out = sparql.bind("CONSTRUCT { ?s <p> ?v } WHERE { ?s ?p ?o }", {"v": ox.Literal("x")})
    assert out.startswith("CONSTRUCT { ?s <p> ?v } WHERE { VALUES")
    with pytest.raises(QueryError, match="CONSTRUCT WHERE"):
        sparql.bind("CONSTRUCT WHERE { ?s ?p ?v }", {"v": ox.Literal("x")})


def test_bound_values_filter_optional_and_bound_as_a_join_would():
    store = _store()
    q = ("SELECT ?s WHERE { ?s <http://example.org/label> ?l . "
         "FILTER(!BOUND(?name) || STR(?l) = ?name) }")
    everything = list(engine.execute(store, engine.prepare(q)))
    narrowed = list(engine.execute(store, engine.prepare(q, {"name": "枫桥经验"})))
    assert len(everything) == len(HOSTILE) + 1
    assert [r["s"].value for r in narrowed] == ["http://example.org/a"]


def test_bad_parameter_names_and_values():
    with pytest.raises(QueryError, match="invalid parameter name"):
        engine.prepare("SELECT * {}", {"x) } DROP": "1"})
    with pytest.raises(QueryError, match="not a valid IRI"):
        engine.prepare("SELECT * {}", {"x": "<not an iri>"})
    iri = engine.prepare("SELECT * { ?s ?p ?x }", {"x": "<http://example.org/a>"})
    assert "<http://example.org/a>" in iri.text


def test_syntax_error_is_one_line_with_position():
    text = 'SELECT * WHERE {\n  ?s ?p "枫桥经验" .\n  FILTER(?s = ) }'
    with pytest.raises(QueryError) as err:
        engine.prepare(text)
    message = str(err.value)
    assert "\n" not in message
    assert "line 3, column 3" in message and "FILTER" in message


def test_syntax_error_position_refers_to_the_users_text_not_the_bound_one():
    with pytest.raises(QueryError) as err:
        engine.prepare("SELECT * WHERE { ?s ?p ?name . ?s ?p }", {"name": "a long value " * 5})
    assert "line 1, column" in str(err.value)
    assert "a long value" not in str(err.value)
