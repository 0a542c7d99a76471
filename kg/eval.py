"""Score a built graph against the gold annotations (``kg eval``).

Implements the "Scoring" section of the gold ``ANNOTATION.md``: per document,
set-based, micro-averaged over documents.

- A gold item matches a node of the right class that the report ``fz:mentions``
  when one of the node's labels (rdfs:label, skos:prefLabel, skos:altLabel,
  dcterms:title) equals one of the item's names after :func:`normalise`.
  Agencies also match when a label ends with the gold name; programmes also
  match on the aliases of the shared thesaurus.
- Required items never matched are false negatives (misses); nodes matching no
  gold item at all are false positives; a node matching only an optional item,
  and an optional item matched, count neither way.
- A gold document with no report in the graph contributes all its required
  items as false negatives and is listed in ``EvalResult.missing_docs``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import rdflib
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS
from rdflib.term import Node

from kg.namespaces import FZ

__all__ = [
    "ASPECTS",
    "EvalResult",
    "FalsePositive",
    "Miss",
    "Score",
    "evaluate",
    "format_table",
    "normalise",
    "thresholds",
]

ASPECTS = (
    "regions", "region_codes", "agencies", "programmes", "documents", "report", "implementations",
)
thresholds: dict[str, float] = {  # issue 13's targets on the 49 development documents
    "regions": 0.95,
    "region_codes": 0.95,
    "documents": 0.97,
    "agencies": 0.90,
    "programmes": 0.88,
    "report": 0.95,
    "implementations": 0.85,
}
THESAURUS_FILE = "programmes.thesaurus.json"
REPORT_FIELDS = ("title", "subject_region", "publisher", "year_covered", "published")
LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, DCTERMS.title)

_DROP = str.maketrans("", "", "“”‘’\"'《》、「」『』")
_DASHES = re.compile("[—–\\-－‐‑‒―]+")


def normalise(text: str) -> str:
    """The comparison form of a name: NFKC, no spaces, quotes, 《》 or 、, one dash style.

    >>> normalise("《法治政府建设实施纲要（2015——2020年）》")
    '法治政府建设实施纲要(2015-2020年)'
    >>> normalise("“双随机、一公开”") == normalise("双随机一公开")
    True
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(text.split()).translate(_DROP)
    return _DASHES.sub("-", text).casefold()


# ---------------------------------------------------------------------------
# Result records
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Score:
    """Counts for one aspect; precision/recall/F1 derived from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        """TP / (TP + FP); 1.0 when nothing was expected nor stated, 0.0 when nothing stated."""
        if self.tp + self.fp == 0:
            return 1.0 if self.fn == 0 else 0.0
        return self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float:
        """TP / (TP + FN); 1.0 when no required item exists."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class Miss:
    """A required gold item the graph lacks."""

    doc: str
    aspect: str
    name: str
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class FalsePositive:
    """A stated node or value that matches no gold item."""

    doc: str
    aspect: str
    label: str


@dataclass
class EvalResult:
    """Micro-averaged scores per aspect plus the per-document breakdown."""

    scores: dict[str, Score]
    per_doc: dict[str, dict[str, Score]]
    misses: list[Miss] = field(default_factory=list)
    false_positives: list[FalsePositive] = field(default_factory=list)
    missing_docs: list[str] = field(default_factory=list)

    def failures(self) -> list[str]:
        """Aspects whose F1 is below its threshold in :data:`thresholds`."""
        return [a for a, t in thresholds.items() if self.scores.get(a, Score()).f1 < t]

    def passed(self) -> bool:
        """True when every aspect's F1 reaches its threshold."""
        return not self.failures()


# ---------------------------------------------------------------------------
# Gold items and graph nodes
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Item:
    name: str  # display form
    names: frozenset[str]  # normalised names and aliases
    required: bool
    evidence: str = ""
    suffix: str | None = None  # normalised name a label may end with (agencies)
    year: str | None = None  # implementations only


@dataclass(frozen=True, slots=True)
class _Node:
    label: str  # display form
    labels: frozenset[str]  # normalised labels
    year: str | None = None


def _names(*groups: Iterable[str | None]) -> frozenset[str]:
    return frozenset(normalise(n) for group in groups for n in group if n)


def _merge(items: Iterable[_Item]) -> list[_Item]:
    """Set semantics: gold items with the same display name and year are one item."""
    merged: dict[tuple[str, str | None], _Item] = {}
    for item in items:
        key = (normalise(item.name), item.year)
        old = merged.get(key)
        if old is None:
            merged[key] = item
        else:
            merged[key] = _Item(
                old.name, old.names | item.names, old.required or item.required,
                old.evidence if old.required or not item.required else item.evidence,
                old.suffix or item.suffix, old.year,
            )
    return list(merged.values())


def _labels(graph: rdflib.Graph, node: Node) -> list[str]:
    return [str(o) for p in LABEL_PROPERTIES for o in graph.objects(node, p)]


def _node(graph: rdflib.Graph, node: Node, year: str | None = None) -> _Node:
    labels = _labels(graph, node)
    return _Node(labels[0] if labels else str(node), _names(labels), year)


def _mentioned(graph: rdflib.Graph, report: Node, cls: rdflib.URIRef) -> list[Node]:
    return sorted(
        {n for n in graph.objects(report, FZ.mentions) if (n, RDF.type, cls) in graph}, key=str
    )


class _Thesaurus:
    """Canonical programme names and their aliases, looked up both ways."""

    def __init__(self, entries: dict[str, Any]) -> None:
        self._groups: list[frozenset[str]] = []
        self._index: dict[str, list[int]] = {}
        for canonical, entry in entries.items():
            group = _names([canonical], entry.get("aliases", ()))
            for name in group:
                self._index.setdefault(name, []).append(len(self._groups))
            self._groups.append(group)

    def expand(self, names: frozenset[str]) -> frozenset[str]:
        out = set(names)
        for name in names:
            for i in self._index.get(name, ()):
                out |= self._groups[i]
        return frozenset(out)


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------


@dataclass
class _Tally:
    scores: dict[str, Score] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)
    fps: list[FalsePositive] = field(default_factory=list)

    def add(self, aspect: str, score: Score) -> None:
        self.scores[aspect] = self.scores.get(aspect, Score()) + score


def _default_match(item: _Item, node: _Node) -> bool:
    if item.year is not None and item.year != node.year:
        return False
    if item.names & node.labels:
        return True
    return item.suffix is not None and any(label.endswith(item.suffix) for label in node.labels)


def _score(
    tally: _Tally,
    doc: str,
    aspect: str,
    items: Sequence[_Item],
    nodes: Sequence[_Node] | None,
    match: Callable[[_Item, _Node], bool] = _default_match,
) -> None:
    """Set-based scoring of one aspect of one document; ``nodes=None`` means no report."""
    matched_items: set[int] = set()
    fp = 0
    for node in nodes or ():
        hits = [i for i, item in enumerate(items) if match(item, node)]
        matched_items.update(hits)
        if not hits:
            fp += 1
            tally.fps.append(FalsePositive(doc, aspect, node.label))
    tp = fn = 0
    for i, item in enumerate(items):
        if not item.required:
            continue
        if i in matched_items:
            tp += 1
        else:
            fn += 1
            tally.misses.append(Miss(doc, aspect, item.name, item.evidence))
    tally.add(aspect, Score(tp, fp, fn))


def _dedupe(nodes: Iterable[_Node]) -> list[_Node]:
    seen: dict[tuple[frozenset[str], str | None], _Node] = {}
    for node in nodes:
        seen.setdefault((node.labels, node.year), node)
    return list(seen.values())


def _find_report(graph: rdflib.Graph, doc: str) -> Node | None:
    wanted = PurePosixPath(doc.replace("\\", "/")).name
    found = sorted(
        (s for s, o in graph.subject_objects(DCTERMS.source)
         if PurePosixPath(str(o).replace("\\", "/")).name == wanted),
        key=lambda s: ((s, RDF.type, FZ.Report) not in graph, str(s)),
    )
    return found[0] if found else None


def _load_gold(gold_dir: Path) -> dict[str, dict[str, Any]]:
    """Gold files grouped by their ``doc`` field: {doc: {"entities": ..., "measures": ...}}."""
    gold: dict[str, dict[str, Any]] = {}
    for aspect in ("entities", "measures"):
        for path in sorted(gold_dir.glob(f"*.{aspect}.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            doc = data.get("doc") or path.name[: -len(f".{aspect}.json")] + ".txt"
            gold.setdefault(doc, {})[aspect] = data
    return gold


def _required(item: dict[str, Any]) -> bool:
    return bool(item.get("required", not item.get("planned", False)))


def _score_entities(
    tally: _Tally, doc: str, gold: dict[str, Any], graph: rdflib.Graph, report: Node | None
) -> None:
    regions = [
        _Item(r["name"], _names([r["name"]], r.get("aliases", ())), _required(r),
              r.get("evidence", ""))
        for r in gold.get("regions", ())
    ]
    codes = [
        _Item(r["adcode"], frozenset([r["adcode"]]), _required(r), f"{r['name']}: "
              + r.get("evidence", ""))
        for r in gold.get("regions", ()) if r.get("adcode")
    ]
    agencies = [
        _Item(a["name"], _names([a["name"]], a.get("aliases", ())), _required(a),
              a.get("evidence", ""), suffix=normalise(a["name"]))
        for a in gold.get("agencies", ())
    ]
    region_nodes = agency_nodes = code_nodes = None
    if report is not None:
        region_iris = _mentioned(graph, report, FZ.Region)
        region_nodes = _dedupe(_node(graph, n) for n in region_iris)
        code_nodes = _dedupe(
            _Node(str(c), frozenset([str(c)])) for n in region_iris
            for c in graph.objects(n, FZ.adminCode)
        )
        agency_nodes = _dedupe(_node(graph, n) for n in _mentioned(graph, report, FZ.Agency))
    _score(tally, doc, "regions", _merge(regions), region_nodes)
    _score(tally, doc, "region_codes", _merge(codes), code_nodes)
    _score(tally, doc, "agencies", _merge(agencies), agency_nodes)
    _score_report(tally, doc, gold.get("report") or {}, graph, report)


def _score_report(
    tally: _Tally, doc: str, gold: dict[str, Any], graph: rdflib.Graph, report: Node | None
) -> None:
    """Each non-null gold field is one required item; a differing stated value is an FP."""
    stated: dict[str, list[str]] = {f: [] for f in REPORT_FIELDS}
    if report is not None:
        stated["title"] = [str(t) for t in graph.objects(report, DCTERMS.title)]
        stated["subject_region"] = [
            lab for r in graph.objects(report, FZ.aboutRegion) for lab in _labels(graph, r)
        ]
        stated["publisher"] = [
            lab for a in graph.objects(report, DCTERMS.publisher) for lab in _labels(graph, a)
        ]
        stated["year_covered"] = [str(y) for y in graph.objects(report, FZ.yearCovered)]
        stated["published"] = [str(d) for d in graph.objects(report, DCTERMS.issued)]
    score = Score()
    for name in REPORT_FIELDS:
        value = gold.get(name)
        if value is None or value == "":
            continue
        want = normalise(str(value))
        values = [normalise(v) for v in stated[name]]
        ok = want in values or (name == "publisher" and any(v.endswith(want) for v in values))
        if ok:
            score += Score(tp=1)
            continue
        tally.misses.append(Miss(doc, "report", f"{name}={value}"))
        score += Score(fn=1)
        if values:
            score += Score(fp=1)
            tally.fps.append(FalsePositive(doc, "report", f"{name}={stated[name][0]}"))
    tally.add("report", score)


def _score_measures(
    tally: _Tally,
    doc: str,
    gold: dict[str, Any],
    graph: rdflib.Graph,
    report: Node | None,
    thesaurus: _Thesaurus,
) -> None:
    # names of each canonical programme in this document: gold aliases + thesaurus
    doc_names: dict[str, frozenset[str]] = {}
    for p in gold.get("programmes", ()):
        key = normalise(p["name"])
        doc_names[key] = doc_names.get(key, frozenset()) | _names([p["name"]], p.get("aliases", ()))
    doc_names = {k: thesaurus.expand(v) for k, v in doc_names.items()}

    def programme_names(name: str) -> frozenset[str]:
        return doc_names.get(normalise(name)) or thesaurus.expand(_names([name]))

    programmes = [
        _Item(p["name"], programme_names(p["name"]), _required(p), p.get("evidence", ""))
        for p in gold.get("programmes", ())
    ]
    documents = [
        _Item(d["title"], _names([d["title"]]), _required(d), d.get("evidence", ""))
        for d in gold.get("documents", ())
    ]
    implementations = [
        _Item(f"{i['programme']} ({i['year']})", programme_names(i["programme"]), _required(i),
              i.get("evidence", ""), year=None if i.get("year") is None else str(i["year"]))
        for i in gold.get("implementations", ())
    ]
    programme_nodes = document_nodes = impl_nodes = None
    if report is not None:
        programme_nodes = _dedupe(
            _node(graph, n) for n in _mentioned(graph, report, FZ.Programme)
        )
        document_nodes = _dedupe(
            _node(graph, n) for n in _mentioned(graph, report, FZ.PolicyDocument)
        )
        impl_nodes = []
        for impl in graph.subjects(PROV.wasDerivedFrom, report):
            if (impl, RDF.type, FZ.Implementation) not in graph:
                continue
            years = [str(y) for y in graph.objects(impl, FZ.year)] or [None]
            for programme in graph.objects(impl, FZ.programme):
                base = _node(graph, programme)
                for year in years:
                    impl_nodes.append(_Node(f"{base.label} ({year})", base.labels, year))
        impl_nodes = _dedupe(impl_nodes)
    _score(tally, doc, "programmes", _merge(programmes), programme_nodes)
    _score(tally, doc, "documents", _merge(documents), document_nodes)
    _score(tally, doc, "implementations", _merge(implementations), impl_nodes)


def evaluate(
    gold_dir: Path | Sequence[Path], graph: rdflib.Graph, *, thesaurus_path: Path | None = None
) -> EvalResult:
    """Score ``graph`` against the gold files in ``gold_dir`` (one folder or several).

    Args:
        gold_dir: folder of ``<stem>.entities.json`` / ``<stem>.measures.json`` files, or a
            sequence of such folders scored together (one micro-averaged table).
        graph: a graph in the fazhi-kg vocabulary (as built by ``kg build``).
        thesaurus_path: the programme thesaurus; defaults to each folder's own
            ``programmes.thesaurus.json`` when that file exists.

    Returns:
        The micro-averaged scores, the per-document breakdown, misses and false positives.
        With several folders, a document name found in more than one is keyed
        ``folder/name`` in ``per_doc``.

    Raises:
        ValueError: a gold folder holds no gold file.
    """
    folders = [Path(gold_dir)] if isinstance(gold_dir, (str, Path)) else [Path(g) for g in gold_dir]
    golds = [(folder, _load_gold(folder)) for folder in folders]
    for folder, gold in golds:
        if not gold:
            raise ValueError(f"{folder}: 没有标注文件 / no *.entities.json or *.measures.json here")
    names = [doc for _, gold in golds for doc in gold]
    shared = {doc for doc in names if names.count(doc) > 1}

    per_doc: dict[str, dict[str, Score]] = {}
    misses: list[Miss] = []
    fps: list[FalsePositive] = []
    missing: list[str] = []
    for folder, gold_docs in golds:
        path = thesaurus_path
        if path is None and (folder / THESAURUS_FILE).is_file():
            path = folder / THESAURUS_FILE
        thesaurus = _Thesaurus(json.loads(path.read_text(encoding="utf-8")) if path else {})
        for doc, gold in sorted(gold_docs.items()):
            key = f"{folder.name}/{doc}" if doc in shared else doc
            report = _find_report(graph, doc)
            if report is None:
                missing.append(key)
            tally = _Tally()
            if "entities" in gold:
                _score_entities(tally, key, gold["entities"], graph, report)
            if "measures" in gold:
                _score_measures(tally, key, gold["measures"], graph, report, thesaurus)
            per_doc[key] = {a: tally.scores[a] for a in ASPECTS if a in tally.scores}
            misses += tally.misses
            fps += tally.fps
    totals = {a: Score() for a in ASPECTS}
    for scores in per_doc.values():
        for aspect, score in scores.items():
            totals[aspect] += score
    return EvalResult(totals, per_doc, misses, fps, missing)


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
        .rstrip()
        for r in rows
    ]


def format_table(result: EvalResult, *, max_items: int = 10) -> str:
    """An aligned plain-text table of the scores, then misses and false positives.

    Args:
        result: what :func:`evaluate` returned.
        max_items: how many misses (and false positives) to list per aspect.
    """
    rows = [["aspect", "TP", "FP", "FN", "P", "R", "F1", "min", ""]]
    for aspect in ASPECTS:
        s = result.scores.get(aspect, Score())
        limit = thresholds.get(aspect, 0.0)
        rows.append([
            aspect, str(s.tp), str(s.fp), str(s.fn), f"{s.precision:.3f}", f"{s.recall:.3f}",
            f"{s.f1:.3f}", f"{limit:.2f}", "ok" if s.f1 >= limit else "FAIL",
        ])
    lines = _table(rows)
    lines.append("")
    lines.append("PASSED" if result.passed() else f"FAILED: {', '.join(result.failures())}")
    if result.missing_docs:
        lines += ["", f"documents with no report in the graph ({len(result.missing_docs)}):"]
        lines += [f"  {doc}" for doc in result.missing_docs]
    for title, entries in (("misses", result.misses), ("false positives", result.false_positives)):
        if not entries:
            continue
        lines += ["", f"{title} (first {max_items} per aspect):"]
        for aspect in ASPECTS:
            mine = [e for e in entries if e.aspect == aspect]
            if not mine:
                continue
            lines.append(f"  [{aspect}] {len(mine)}")
            for e in mine[:max_items]:
                if isinstance(e, Miss):
                    quote = f"  「{e.evidence}」" if e.evidence else ""
                    lines.append(f"    {e.doc}  {e.name}{quote}")
                else:
                    lines.append(f"    {e.doc}  {e.label}")
    return "\n".join(lines)
