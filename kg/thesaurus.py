"""The programme concept scheme: SKOS concepts of named governance measures.

``ontology/programmes.ttl`` is what the code loads. It is compiled from the
hand-edited table ``kg/data/programme_concepts.tsv`` by :func:`render_turtle`
(``python -m kg.thesaurus`` rewrites it; a test checks the two agree).

Labels are compared after :func:`normalise`, the same normalisation the
evaluation uses (NFKC; spaces, quotes, 《》 and 、 dropped; dashes unified).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from kg.errors import OntologyError
from kg.namespaces import FZ, ID, mint
from kg.resources import data_file, ontology_dir

__all__ = [
    "SCHEME_IRI",
    "THEMES",
    "Concept",
    "ConceptRow",
    "Thesaurus",
    "load",
    "normalise",
    "read_tsv",
    "render_turtle",
    "surface_label",
]

SCHEME_IRI = f"{ID}scheme/programmes"

# slug -> (zh label, en label); the twelve themes of the annotation guide, in banner order.
THEMES: dict[str, tuple[str, str]] = {
    "dispute-resolution": ("矛盾纠纷化解", "Dispute resolution"),
    "public-legal-services": ("公共法律服务", "Public legal services"),
    "legal-education": ("法治宣传教育", "Legal education and publicity"),
    "law-enforcement": ("行政执法", "Administrative law enforcement"),
    "administrative-decision": ("依法行政决策", "Lawful administrative decision-making"),
    "admin-reconsideration": ("行政复议与应诉", "Administrative reconsideration and litigation"),
    "community-corrections": ("社区矫正与安置帮教", "Community corrections and resettlement"),
    "digital-government": ("数字政府与政务服务", "Digital government and online services"),
    "business-environment": ("法治化营商环境", "Business environment"),
    "public-security": ("平安建设与社会治安", "Public security"),
    "party-leadership": ("党的领导与法治建设责任", "Party leadership and rule-of-law duties"),
    "other": ("其他", "Other"),
}

_DROP = re.compile(r"[\s“”‘’\"'《》、]")
_DASHES = re.compile(r"[‐‑‒–—―−－]")


def normalise(label: str) -> str:
    """The evaluation normal form of a label.

    >>> normalise("“双随机、一公开”")
    '双随机一公开'
    >>> normalise("“453” 村级依法治理模式")
    '453村级依法治理模式'
    >>> normalise("2021—2025")
    '2021-2025'
    """
    text = unicodedata.normalize("NFKC", label)
    return _DASHES.sub("-", _DROP.sub("", text))


_PAIRS = {"“": "”", "‘": "’", "《": "》", "「": "」", "『": "』"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}
_STRAIGHT = "\"'"


def _unpaired(text: str) -> set[int]:
    """Positions of quote marks in ``text`` that have no partner (a closer with no opener
    before it, an opener never closed, an odd straight quote)."""
    stack: list[int] = []
    bad: set[int] = set()
    for i, ch in enumerate(text):
        if ch in _PAIRS:
            stack.append(i)
        elif ch in _CLOSERS:
            if stack and text[stack[-1]] == _CLOSERS[ch]:
                stack.pop()
            else:
                bad.add(i)
    bad.update(stack)
    for q in _STRAIGHT:
        at = [i for i, ch in enumerate(text) if ch == q]
        if len(at) % 2:
            bad.update(at)
    return bad


def surface_label(surface: str) -> str:
    """The alternative label a surface form gives: no quote mark without its partner (a
    span that cut through a quotation, ``首违不罚”清单``, loses the stray mark), and one
    pair of quotes around the whole label removed.

    >>> surface_label("“首违不罚”")
    '首违不罚'
    >>> surface_label("首违不罚”清单")
    '首违不罚清单'
    >>> surface_label("“三官一律”进社区")
    '“三官一律”进社区'
    >>> surface_label("坚持和发展新时代“枫桥经验")
    '坚持和发展新时代枫桥经验'
    """
    text = surface.strip()
    bad = _unpaired(text)
    text = "".join(ch for i, ch in enumerate(text) if i not in bad).strip()
    if len(text) > 2 and _PAIRS.get(text[0]) == text[-1] and not _unpaired(text[1:-1]) \
            and not any(ch in _PAIRS or ch in _CLOSERS for ch in text[1:-1]):
        text = text[1:-1].strip()
    elif len(text) > 2 and text[0] == text[-1] and text[0] in _STRAIGHT and text[0] not in text[1:-1]:
        text = text[1:-1].strip()
    return text


@dataclass(frozen=True, slots=True)
class Concept:
    """One programme concept; ``theme`` is a theme slug such as ``legal-education``."""

    iri: str
    pref_label: str
    alt_labels: tuple[str, ...]
    theme: str | None
    curated: bool = True

    @property
    def labels(self) -> tuple[str, ...]:
        """The prefLabel followed by the altLabels."""
        return (self.pref_label, *self.alt_labels)


class Thesaurus:
    """A read-only index of programme concepts by normalised label."""

    def __init__(self, concepts: Iterable[Concept], themes: dict[str, str]) -> None:
        self._concepts = tuple(sorted(concepts, key=lambda c: c.pref_label))
        self._themes = dict(themes)
        index: dict[str, Concept] = {}
        for concept in self._concepts:  # prefLabels win over altLabels of other concepts
            index.setdefault(normalise(concept.pref_label), concept)
        for concept in self._concepts:
            for label in concept.alt_labels:
                index.setdefault(normalise(label), concept)
        self._index = index

    def __len__(self) -> int:
        return len(self._concepts)

    def concepts(self) -> tuple[Concept, ...]:
        """Every concept, sorted by prefLabel."""
        return self._concepts

    def by_label(self, label: str) -> Concept | None:
        """The concept with this pref or alt label (compared normalised), or None."""
        return self._index.get(normalise(label))

    def themes(self) -> dict[str, str]:
        """Theme slug -> theme IRI."""
        return dict(self._themes)

    def labels(self) -> dict[str, Concept]:
        """Normalised label -> concept (a copy)."""
        return dict(self._index)


def _slug(theme_iri: str) -> str:
    return theme_iri.rsplit("/", 1)[-1]


_RDF_TYPE = str(RDF.type)
_PROGRAMME, _THEME, _CURATED = str(FZ.Programme), str(FZ.Theme), str(FZ.curated)
_PREF, _ALT, _BROADER = str(SKOS.prefLabel), str(SKOS.altLabel), str(SKOS.broader)


def _from_triples(triples: Iterable[tuple[Any, str, Any]]) -> Thesaurus:
    """The thesaurus of a graph given as (subject, predicate IRI, object) with pyoxigraph
    terms (an IRI's, a blank node's or a literal's ``value`` is its text, as ``str()`` of
    rdflib's terms)."""
    about: dict[Any, dict[str, list[Any]]] = {}
    for s, p, o in triples:
        about.setdefault(s, {}).setdefault(p, []).append(o)
    typed = [(s, {o.value for o in props.get(_RDF_TYPE, ())}) for s, props in about.items()]
    themes = {_slug(s.value): s.value for s, types in typed
              if _THEME in types and isinstance(s, ox.NamedNode)}
    theme_slugs = {iri: slug for slug, iri in themes.items()}
    concepts = []
    for s, types in typed:
        if _PROGRAMME not in types:
            continue
        props = about[s]
        prefs = [o.value for o in props.get(_PREF, ()) if isinstance(o, ox.Literal) and o.language == "zh"]
        if len(prefs) != 1:
            raise OntologyError(f"programme {s.value} needs exactly one skos:prefLabel@zh, got {prefs}")
        alts = sorted({o.value for o in props.get(_ALT, ())} - {prefs[0]})
        broader = sorted(theme_slugs[o.value] for o in props.get(_BROADER, ()) if o.value in theme_slugs)
        curated = props.get(_CURATED, [None])[0]
        concepts.append(
            Concept(
                iri=s.value,
                pref_label=prefs[0],
                alt_labels=tuple(alts),
                theme=broader[0] if broader else None,
                curated=_truth(curated) if isinstance(curated, ox.Literal) else True,
            )
        )
    return Thesaurus(concepts, themes)


def _truth(literal: ox.Literal) -> bool:
    """``fz:curated``'s value as rdflib reads it (``bool(Literal(...).toPython())``)."""
    if literal.datatype.value == str(XSD.boolean) and literal.value in ("true", "false", "1", "0"):
        return literal.value in ("true", "1")
    return bool(Literal(literal.value, lang=literal.language,
                        datatype=None if literal.language else URIRef(literal.datatype.value)).toPython())


@lru_cache(maxsize=8)
def _load_cached(path: Path) -> Thesaurus:
    if not path.is_file():
        raise OntologyError(f"programme scheme not found (方案文件缺失): {path}")
    # parsed by Oxigraph (~0.01 s; rdflib's Turtle parser took ~0.1 s of every build
    # process that extracts)
    try:
        quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    except (SyntaxError, ValueError, OSError) as e:
        raise OntologyError(f"{path}: not valid Turtle ({e})") from e
    return _from_triples((q.subject, q.predicate.value, q.object) for q in quads)


def load(path: Path | None = None) -> Thesaurus:
    """Load (once per path) the programme scheme; default ``ontology/programmes.ttl``."""
    if path is None:
        return _load_default()  # the stages ask for it per document: skip the path look-up
    return _load_cached(path.resolve())


@lru_cache(maxsize=1)
def _load_default() -> Thesaurus:
    return _load_cached((ontology_dir() / "programmes.ttl").resolve())


# --- the TSV source and its Turtle rendering ---------------------------------------------


@dataclass(frozen=True, slots=True)
class ConceptRow:
    """One line of ``programme_concepts.tsv``."""

    pref_label: str
    theme: str
    alt_labels: tuple[str, ...]
    note: str = ""


def read_tsv(path: Path | None = None) -> list[ConceptRow]:
    """Rows of the concept table (``#`` lines are comments)."""
    path = path or data_file("programme_concepts.tsv")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != 4 or cells[1] not in THEMES:
            raise OntologyError(f"{path}:{n}: expected pref<TAB>theme<TAB>alts<TAB>note, got {line!r}")
        alts = tuple(a for a in cells[2].split("|") if a and a != cells[0])
        rows.append(ConceptRow(cells[0], cells[1], alts, cells[3]))
    return rows


def _lit(text: str, lang: str = "zh") -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}'


def _render_rows(rows: list[ConceptRow]) -> Iterator[str]:
    for slug, (zh, en) in THEMES.items():
        yield ""
        yield f"# {'=' * 70}"
        yield f"# {slug}: {zh}"
        yield f"# {'=' * 70}"
        yield ""
        yield f"<{mint('theme', slug)}> a skos:Concept, fz:Theme ;"
        yield f"    skos:inScheme <{SCHEME_IRI}> ;"
        yield f"    skos:topConceptOf <{SCHEME_IRI}> ;"
        yield f"    skos:prefLabel {_lit(zh)}, {_lit(en, 'en')} ."
        for row in sorted((r for r in rows if r.theme == slug), key=lambda r: r.pref_label):
            yield ""
            yield f"<{mint('programme', row.pref_label)}> a fz:Programme, skos:Concept ;"
            yield f"    skos:inScheme <{SCHEME_IRI}> ;"
            yield f"    skos:prefLabel {_lit(row.pref_label)} ;"
            for alt in sorted(set(row.alt_labels)):
                yield f"    skos:altLabel {_lit(alt)} ;"
            if row.note:
                yield f"    skos:scopeNote {_lit(row.note)} ;"
            yield f"    skos:broader <{mint('theme', slug)}> ;"
            yield "    fz:curated true ."


def render_turtle(rows: list[ConceptRow]) -> str:
    """The Turtle text of the scheme (deterministic: themes in order, concepts sorted)."""
    head = [
        "# Programme concept scheme of fazhi-kg: named governance measures (法治政府建设 measures).",
        "# GENERATED from kg/data/programme_concepts.tsv by `python -m kg.thesaurus`; edit the TSV.",
        "",
        "@prefix fz: <https://w3id.org/fazhi-kg/ontology#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "",
        f"<{SCHEME_IRI}> a skos:ConceptScheme ;",
        f"    dcterms:title {_lit('法治政府建设举措概念体系')}, {_lit('Rule-of-law government programmes', 'en')} ;",
        "    skos:hasTopConcept "
        + ", ".join(f"<{mint('theme', slug)}>" for slug in THEMES)
        + " .",
    ]
    return "\n".join([*head, *_render_rows(rows)]) + "\n"


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "ontology" / "programmes.ttl"
    target.write_text(render_turtle(read_tsv()), encoding="utf-8")
