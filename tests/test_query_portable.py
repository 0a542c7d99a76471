"""kg/queries/portable/: standard SPARQL 1.1 forms of the research queries that use
Oxigraph's LATERAL extension. Each gives the same answers as its fast form (on the sample build
and a generated corpus), and rdflib (a second, independent SPARQL parser) accepts it."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest
from rdflib.plugins.sparql import prepareQuery

from kg import build
from kg.namespaces import PREFIXES
from kg.query import engine, library, sparql
from kg.store import open_store
from kg.synth import generate

PORTABLE = Path(library.__file__).resolve().parents[1] / "queries" / "portable"
NAMES = sorted(p.stem for p in PORTABLE.glob("*.rq"))


def _bindings_sets(nq: library.NamedQuery, corpus: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The header's example (its programme and region replaced by ones of ``corpus``), and
    no parameters when all are optional."""
    example = dict(re.findall(r"-p\s+(\w+)=(\S+)", nq.example))
    if corpus:
        example = {k: corpus.get(k, v) for k, v in example.items()}
    sets = [example]
    if all(p.optional for p in nq.params):
        sets.append({})
    return sets


def _rows(store, query, bindings) -> list[tuple[str, ...]]:
    prepared = engine.prepare(query, bindings)
    return [tuple(str(v) if v is not None else "" for v in row)
            for row in engine.execute(store, prepared)]


@pytest.fixture(scope="module")
def store(sample_build):
    out, _ = sample_build
    return open_store(out)


@pytest.fixture(scope="module")
def synth_store(tmp_path_factory):
    """A generated corpus of 150 reports: programmes spread over years and regions."""
    root = tmp_path_factory.mktemp("portable")
    generate(150, root / "corpus", seed=41)
    build.run([root / "corpus" / "reports"], root / "out", validate="none", spread=False)
    with (root / "corpus" / "truth.csv").open(encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    with (root / "corpus" / "reports.csv").open(encoding="utf-8") as f:
        names = {r["region_code"]: r["region"] for r in csv.DictReader(f)}
    region = Counter(t["region_code"] for t in truth).most_common(1)[0][0]
    corpus = {"programme": Counter(t["programme"] for t in truth).most_common(1)[0][0],
              "region": names[region]}
    return open_store(root / "out"), corpus


def _uses_lateral(text: str) -> bool:
    return any(t.kind == "word" and t.text.upper() == "LATERAL" for t in sparql.tokens(text))


def test_every_lateral_query_has_a_portable_form():
    fast = {n for n, q in library.library().items() if _uses_lateral(q.text)}
    assert fast == set(NAMES)
    for name in NAMES:
        assert not _uses_lateral((PORTABLE / f"{name}.rq").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", NAMES)
def test_portable_form_gives_the_same_answers(store, synth_store, name):
    nq = library.get(name)
    portable = library.load(PORTABLE / f"{name}.rq", name=name)
    assert [p.name for p in portable.params] == [p.name for p in nq.params]
    answered = 0
    for graph, corpus in [(store, None), synth_store]:
        for bindings in _bindings_sets(nq, corpus):
            expected = _rows(graph, name, bindings)
            assert _rows(graph, PORTABLE / f"{name}.rq", bindings) == expected, bindings
            answered += len(expected)
    assert answered > 0  # compared on real answers, not on two empty results


@pytest.mark.parametrize("name", NAMES)
def test_rdflib_parses_the_portable_form(name):
    """rdflib, an independent SPARQL 1.1 parser, accepts the portable form and refuses the fast
    one (answering is not asserted: rdflib takes minutes on some of these even for 5 reports)."""
    declared = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())
    bindings = _bindings_sets(library.get(name))[0]
    prepareQuery(declared + engine.prepare(PORTABLE / f"{name}.rq", bindings).text)
    with pytest.raises(Exception):  # noqa: B017 - pyparsing's ParseException
        prepareQuery(declared + engine.prepare(name, bindings).text)
