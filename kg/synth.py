"""Synthetic corpora with ground truth: ``kg synth`` and the scorer behind ``kg eval --truth``.

A generated corpus imitates real 法治政府建设年度报告 (the sentence shapes are
data, in ``kg/data/synth_phrases.json``): a title, page chrome and metadata lines
that vary, headings 一、…(一)…, runs of 一是…二是…, cited documents, a problems
section, a next-year plans section and a signature block, as UTF-8 text, GB18030
text or a saved HTML page. Programmes from the curated scheme spread as real
ones do: a few origin counties, then neighbours (nearest counties) and peers in
the same prefecture, and the whole province once the province issues a document
(cited by the reports below it).

Everything is a function of the seed: the same ``(n, seed)`` gives the same
bytes. Beside the reports, ``truth.csv`` (region code, programme, first year a
report states it as done), ``reports.csv`` (file, region, year) and
``truth.json`` (parameters and counts) let :func:`score` measure how much of it
a build recovers.

With a :class:`Hazard` (``kg synth --neighbour-effect BETA``) the spread is instead the
documented discrete-time hazard an event-history model can be checked against:
among the counties that report (the population), a county that has not adopted a
programme by t − 1 adopts it in t with probability

    P = 1 / (1 + exp(−(baseline + beta · E)))

where E is the share of its boundary neighbours (``kg/data/adjacency.csv``, among the
population) that had adopted by t − 1 (0 for a county without neighbours). Each
programme starts in 1–3 origin counties in a year of 2015–2020; the hazard applies
from the next year on; no provincial documents, peers or appeal. ``truth.json``
records the parameters under ``hazard``. Without it, the corpus is byte for byte
what it was.
"""

from __future__ import annotations

import csv
import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from kg import gazetteer as gaz
from kg import thesaurus as thes
from kg.gazetteer import Division, Gazetteer
from kg.resources import data_file

__all__ = ["Hazard", "SynthResult", "generate", "score", "format_score"]

YEARS = tuple(range(2015, 2025))
PROGRAMMES = 60  # curated programmes that spread in one corpus
NEIGHBOURS = 6
EXCLUDED_PROVINCES = ("71", "81", "82")  # no county reports from Taiwan, Hong Kong, Macau


@dataclass(frozen=True)
class Hazard:
    """The logit hazard of adoption in t: ``baseline + beta · E``, E the share of boundary
    neighbours adopted by t − 1 (see the module docstring)."""

    beta: float
    baseline: float = -3.5

    def as_json(self) -> dict[str, Any]:
        return {"model": "logit", "baseline": self.baseline, "neighbour_effect": self.beta,
                "exposure": "share of boundary neighbours (kg/data/adjacency.csv) among the "
                            "reporting counties adopted by t - 1",
                "formula": "P(adopt in t | not by t - 1) = 1 / (1 + exp(-(baseline + "
                           "neighbour_effect * exposure)))"}


@dataclass
class SynthResult:
    out: Path
    reports: int
    regions: int
    truth_rows: int
    bytes: int
    programmes: list[str] = field(default_factory=list)


@cache
def _phrases() -> dict[str, Any]:
    return json.loads(data_file("synth_phrases.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


# --- which labels the extractor reads as exactly their concept ------------------------------


@cache
def _usable_labels() -> dict[str, tuple[str, ...]]:
    """Concept -> labels that, quoted in a plain sentence, are found as that concept only."""
    from kg.extract.programmes import find_programmes

    thesaurus = thes.load()
    out: dict[str, tuple[str, ...]] = {}
    for concept in thesaurus.concepts():
        good = []
        for label in concept.labels:
            if len(label) < 3 or "“" in label or "”" in label:
                continue
            hits = find_programmes(f"一是深入推进“{label}”工作。", thesaurus=thesaurus)
            if {(h.concept, h.curated) for h in hits} == {(concept.pref_label, True)}:
                good.append(label)
        if good:
            out[concept.pref_label] = tuple(good)
    return out


@cache
def _clean(kind: str) -> tuple[str, ...]:
    """Filler sentences of ``kind`` that name no programme (checked with the extractor)."""
    from kg.extract.programmes import find_programmes

    thesaurus = thes.load()
    keep = []
    for s in _phrases()[kind]:
        probe = s.format_map(_Blank())
        if not find_programmes(probe, thesaurus=thesaurus):
            keep.append(s)
    return tuple(keep)


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "12"


# --- the regions and their neighbourhoods ---------------------------------------------------


def _counties(gazetteer: Gazetteer) -> list[Division]:
    return [d for d in gazetteer if d.level == "county" and not d.code.startswith(EXCLUDED_PROVINCES)
            and d.lon is not None and d.lat is not None]


def _neighbours(counties: list[Division], k: int = NEIGHBOURS) -> list[list[int]]:
    """Indices of the ``k`` nearest counties of each county (equirectangular distance)."""
    import numpy as np

    lon = np.array([d.lon for d in counties]) * math.cos(math.radians(33))
    lat = np.array([d.lat for d in counties])
    out = []
    for i in range(len(counties)):
        d2 = (lon - lon[i]) ** 2 + (lat - lat[i]) ** 2
        d2[i] = np.inf
        nearest = np.argpartition(d2, k)[:k]
        out.append(sorted(int(j) for j in nearest[np.argsort(d2[nearest], kind="stable")]))
    return out


def _province(gazetteer: Gazetteer, d: Division) -> Division:
    return gazetteer.chain(d.code)[-1]


def _prefecture(gazetteer: Gazetteer, d: Division) -> Division:
    chain = gazetteer.chain(d.code)
    return chain[1] if len(chain) > 1 else chain[0]


# --- the spread -----------------------------------------------------------------------------


@dataclass
class _Spread:
    adopted: dict[tuple[int, str], int]  # (county index, programme) -> year
    origins: set[tuple[int, str]]
    documents: dict[tuple[str, str], tuple[int, str]]  # (province code, programme) -> (year, title)


def _simulate(counties: list[Division], gazetteer: Gazetteer, programmes: list[str],
              rng: random.Random) -> _Spread:
    import numpy as np

    nb = np.array(_neighbours(counties))
    prov_codes = [_province(gazetteer, d).code for d in counties]
    pref_codes = [_prefecture(gazetteer, d).code for d in counties]
    provs = sorted(set(prov_codes))
    prefs = sorted(set(pref_codes))
    prov = np.array([provs.index(c) for c in prov_codes])
    pref = np.array([prefs.index(c) for c in pref_codes])
    pref_size = np.bincount(pref)
    prov_name = {c: gazetteer.get(c).name for c in provs}  # type: ignore[union-attr]
    shapes = _phrases()["provincial_document"]
    draws = np.random.default_rng(rng.randrange(2**32))
    adopted: dict[tuple[int, str], int] = {}
    origins: set[tuple[int, str]] = set()
    documents: dict[tuple[str, str], tuple[int, str]] = {}
    n = len(counties)
    for prog in programmes:
        start = rng.choice(YEARS[:6])
        appeal = rng.uniform(0.4, 1.6)  # some measures catch on, some do not
        year_of = np.zeros(n, dtype=np.int32)  # 0: not (yet) adopted
        for i in rng.sample(range(n), rng.randint(1, 3)):
            year_of[i] = start
            origins.add((i, prog))
        issued = np.zeros(len(provs), dtype=np.int32)  # year of the provincial document, 0: none
        for year in range(start + 1, YEARS[-1] + 1):
            done = year_of > 0
            # a province whose counties took it up issues a document the year after
            per_prov = np.bincount(prov, weights=done, minlength=len(provs))
            for p in np.flatnonzero((per_prov >= 2) & (issued == 0)):
                if rng.random() < 0.5 * appeal:
                    issued[p] = year
                    title = rng.choice(shapes).format(prov=prov_name[provs[p]], prog=prog)
                    documents[(provs[p], prog)] = (year, title)
            near = done[nb].sum(axis=1) / NEIGHBOURS
            peer = (np.bincount(pref, weights=done, minlength=len(prefs)) / pref_size)[pref]
            hazard = 0.002 + appeal * (0.25 * near + 0.2 * peer)
            hazard += np.where((issued[prov] > 0) & (issued[prov] <= year), 0.3 * appeal, 0.0)
            take = (~done) & (draws.random(n) < np.minimum(hazard, 0.9))
            year_of[take] = year
        adopted.update({(int(i), prog): int(year_of[i]) for i in np.flatnonzero(year_of)})
    return _Spread(adopted, origins, documents)


def _boundary(population: list[int], counties: list[Division]) -> list[list[int]]:
    """Positions (in ``population``) of each member's boundary neighbours among the population."""
    from kg.export.neighbours import adjacency

    where = {counties[i].code: k for k, i in enumerate(population)}
    out: list[list[int]] = [[] for _ in population]
    adj = adjacency()
    for a, b in zip(adj["code_a"], adj["code_b"], strict=True):
        if a in where and b in where:
            out[where[a]].append(where[b])
            out[where[b]].append(where[a])
    return [sorted(x) for x in out]


def _simulate_hazard(counties: list[Division], population: list[int], programmes: list[str],
                     hazard: Hazard, rng: random.Random) -> _Spread:
    """The documented logit hazard among ``population`` (county indices): see the module."""
    import numpy as np

    nbrs = _boundary(population, counties)
    n = len(population)
    degree = np.array([len(x) for x in nbrs], dtype=np.float64)
    rows = np.repeat(np.arange(n), [len(x) for x in nbrs])
    cols = np.array([j for x in nbrs for j in x], dtype=np.int64)
    draws = np.random.default_rng(rng.randrange(2**32))
    adopted: dict[tuple[int, str], int] = {}
    origins: set[tuple[int, str]] = set()
    for prog in programmes:
        start = rng.choice(YEARS[:6])
        year_of = np.zeros(n, dtype=np.int32)
        for k in rng.sample(range(n), min(n, rng.randint(1, 3))):
            year_of[k] = start
            origins.add((population[k], prog))
        for year in range(start + 1, YEARS[-1] + 1):
            done = year_of > 0  # adopted by t − 1
            hits = np.bincount(rows, weights=done[cols], minlength=n)
            share = np.divide(hits, degree, out=np.zeros(n), where=degree > 0)
            p = 1.0 / (1.0 + np.exp(-(hazard.baseline + hazard.beta * share)))
            year_of[(~done) & (draws.random(n) < p)] = year
        adopted.update({(population[int(k)], prog): int(year_of[k]) for k in np.flatnonzero(year_of)})
    return _Spread(adopted, origins, {})


# --- rendering one report -------------------------------------------------------------------


def _self_suffix(name: str) -> str:
    return name[-1] if name[-1] in "区县市旗" else "县"


def _render(d: Division, year: int, *, gazetteer: Gazetteer, done: list[str], planned: list[str],
            docs: dict[str, str], rng: random.Random) -> tuple[str, str, str]:
    """(text, title, publisher) of the report of county ``d`` for ``year``."""
    ph = _phrases()
    labels = _usable_labels()
    pref = _prefecture(gazetteer, d)
    prov = _province(gazetteer, d)
    ambiguous = len(gazetteer.lookup(d.name)) > 1
    qualified = ambiguous or rng.random() < 0.4
    county = f"{pref.name}{d.name}" if qualified and pref.code != d.code else d.name
    pub_shape, _ = rng.choice(ph["publishers"])
    pub = pub_shape.format(county=county)
    agency = pub if rng.random() < 0.5 else f"{d.name}司法局"
    issued_month, issued_day = rng.randint(1, 3), rng.randint(1, 28)
    fields = {
        "county": d.name, "pref": pref.name, "prov": prov.name, "year": year, "next": year + 1,
        "pub": pub, "prefcounty": f"{pref.name}{d.name}" if pref.code != d.code else d.name,
        "self": _self_suffix(d.name), "agency": agency,
        "date": f"{year + 1}-{issued_month:02d}-{issued_day:02d}",
        "date_slash": f"{year + 1}/{issued_month:02d}/{issued_day:02d}",
        "index": f"{d.code}{rng.randint(1000, 9999)}/{year + 1}-{rng.randint(10000, 99999)}",
        "n2": f"{rng.randint(0, 59):02d}",
    }
    title = rng.choice(ph["titles"]).format(**fields)
    fields["title"] = title

    def fill(shape: str, **extra: object) -> str:
        values = {**fields, "n": rng.randint(12, 480), "n2": rng.randint(1000, 30000),
                  "m": rng.randint(2, 60), "m2": rng.randint(1, 9), **extra}
        return shape.format(**values)

    lines: list[str] = []
    style = rng.random()
    if style < 0.5:
        lines += [rng.choice(ph["breadcrumbs"]), "", title, "", fill(rng.choice(ph["date_lines"])), ""]
    elif style < 0.8:
        lines += [rng.choice(ph["breadcrumbs"]), fill(rng.choice(ph["meta_tables"]))]
    else:
        lines += [title, ""]
    lines.append(fill(rng.choice(ph["openings"])))
    lines.append(fill(rng.choice(ph["top_headings"])))
    fillers = _clean("filler_sentences")
    national = [t for t, a, b in ph["national_documents"] if a <= year < b]
    queue = list(done)
    rng.shuffle(queue)
    bodies = _clean("filler_bodies")
    subs = _clean("sub_headings")
    headings = rng.sample(subs, k=min(len(subs),
                                                    max(rng.randint(8, 10), len(queue) // 4 + 2)))
    numerals = "一二三四五六七八九十"
    for h, heading in enumerate(headings):
        lines.append(f"({numerals[h]}){heading}")
        parts = []
        for o in range(rng.randint(5, 6)):
            if queue and (rng.random() < 0.7 or h == len(headings) - 1):
                prog = queue.pop()
                doc = docs.get(prog) or (rng.choice(national) if national else "")
                shapes = ph["programme_sentences"] if doc else ph["programme_sentences"][:5]
                shape = rng.choice(shapes)
                if "{doc}" in shape and docs.get(prog) is None:
                    shape = rng.choice(ph["programme_sentences"][:5])
                sentence = fill(shape, prog=rng.choice(labels[prog]), doc=f"《{doc}》")
            elif rng.random() < 0.4:
                sentence = fill(rng.choice(fillers))
            else:
                sentence = fill(rng.choice(ph["filler_leads"]) + rng.choice(bodies) + ","
                                + rng.choice(ph["filler_results"]))
            parts.append(f"{ph['ordinals'][o]}{sentence}。")
        lines.append("".join(parts))
    while queue:  # any left: one more paragraph under the last heading
        prog = queue.pop()
        lines.append(f"此外,{fill(rng.choice(ph['programme_sentences'][:5]), prog=rng.choice(labels[prog]))}。")
    lines.append(rng.choice(ph["problem_heading"]))
    lines.append("".join(f"{ph['ordinals'][i]}{s}。" for i, s in
                         enumerate(rng.sample(_clean("problem_sentences"), 3))))
    lines.append(fill(rng.choice(ph["plan_headings"])))
    plan_parts = [fill(rng.choice(ph["plan_sentences"]), prog=rng.choice(labels[p])) for p in planned]
    plan_parts += rng.sample(_clean("plan_fillers"), 2)
    rng.shuffle(plan_parts)
    lines.append("".join(f"{ph['ordinals'][i]}{s}。" for i, s in enumerate(plan_parts)))
    lines += [pub, f"{year + 1}年{issued_month}月{issued_day}日"]
    return "\n".join(lines) + "\n", title, pub


def _as_html(text: str, title: str, pub: str, date: str) -> str:
    import html

    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    return (
        f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
        "<script>var nav = 1;</script></head><body>"
        "<div class=\"nav\"><a href=\"/\">首页</a> &gt; <a href=\"/zwgk\">政务公开</a></div>"
        f"<table class=\"meta\"><tr><td>发文机关:</td><td>{html.escape(pub)}</td>"
        f"<td>发文时间:</td><td>{date}</td></tr></table>"
        f"<div class=\"content\"><h1>{html.escape(title)}</h1>\n{body}</div>"
        "<div class=\"footer\">主办单位:政府办公室 版权所有</div></body></html>\n"
    )


# --- the corpus -----------------------------------------------------------------------------


def _plan(n_reports: int, counties: list[Division], rng: random.Random,
          within: tuple[str, ...] = ()) -> list[tuple[int, int]]:
    """(county index, year) of each report: whole runs of years for as many counties as needed
    (only counties whose code starts with one of ``within``, when given)."""
    order = list(range(len(counties)))
    rng.shuffle(order)
    if within:  # after the shuffle: the same draws, so the same spread, whatever ``within``
        order = [i for i in order if counties[i].code.startswith(within)]
        if not order:
            raise ValueError(f"no county code starts with {', '.join(within)}")
    out: list[tuple[int, int]] = []
    for i in order:
        for year in YEARS:
            if len(out) == n_reports:
                return out
            out.append((i, year))
    extra = 0
    while len(out) < n_reports:  # more reports than county-years: second copies (departments)
        i, year = out[extra]
        out.append((i, year))
        extra += 1
    return out


def _reports(n_reports: int, seed: int, within: tuple[str, ...] = (),
             hazard: Hazard | None = None) -> Iterator[dict[str, Any]]:
    gazetteer = gaz.load()
    rng = random.Random(f"fazhi-synth:{seed}")
    counties = _counties(gazetteer)
    pool = sorted(_usable_labels())
    programmes = sorted(rng.sample(pool, min(PROGRAMMES, len(pool))))
    if hazard is None:
        spread = _simulate(counties, gazetteer, programmes, rng)
        plan = _plan(n_reports, counties, rng, within)
    else:  # the population is the reporting counties, so it is drawn first
        plan = _plan(n_reports, counties, rng, within)
        population = sorted({i for i, _ in plan})
        spread = _simulate_hazard(counties, population, programmes, hazard, rng)
    by_county: dict[int, dict[str, int]] = {}
    for (i, prog), year in spread.adopted.items():
        by_county.setdefault(i, {})[prog] = year
    seen: dict[tuple[int, int], int] = {}
    for i, year in plan:
        copy = seen.get((i, year), 0)
        seen[(i, year)] = copy + 1
        d = counties[i]
        r = random.Random(f"fazhi-synth:{seed}:{d.code}:{year}:{copy}")
        mine = by_county.get(i, {})
        now = [p for p, y in sorted(mine.items()) if y == year]
        before = [p for p, y in sorted(mine.items()) if y < year and r.random() < 0.5]
        done = now + before[: max(0, 22 - len(now))]
        later = [p for p in programmes if mine.get(p, 9999) > year]
        planned = sorted(r.sample(later, min(len(later), r.randint(0, 2))))
        prov = _province(gazetteer, d).code
        docs = {p: spread.documents[(prov, p)][1] for p in done
                if (prov, p) in spread.documents and spread.documents[(prov, p)][0] <= year}
        text, title, pub = _render(d, year, gazetteer=gazetteer, done=done, planned=planned,
                                   docs=docs, rng=r)
        kind = r.random()
        suffix = f"-{copy}" if copy else ""
        stem = f"{d.code[:2]}/{d.code}_{year}{suffix}"
        if kind < 0.1:
            date = f"{year + 1}-{r.randint(1, 3):02d}-{r.randint(1, 28):02d}"
            name, data = f"{stem}.html", _as_html(text, title, pub, date).encode("utf-8")
        elif kind < 0.15:
            name, data = f"{stem}.txt", text.encode("gb18030")
        else:
            name, data = f"{stem}.txt", text.encode("utf-8")
        yield {"file": name, "data": data, "code": d.code, "name": d.name, "year": year,
               "done": done, "planned": planned, "copy": copy,
               "origin": [p for p in now if (i, p) in spread.origins],
               "adopted": {p: mine[p] for p in done}, "programmes": programmes}


def generate(n_reports: int, out: Path, *, seed: int = 0,
             within: tuple[str, ...] = (), hazard: Hazard | None = None) -> SynthResult:
    """Write ``n_reports`` report files and their ground truth into ``out``.

    Args:
        n_reports: how many reports (county-years: whole runs of years per county).
        out: the folder; reports go to ``out/reports/PP/CODE_YEAR.txt``, truth beside.
        seed: the same seed gives the same corpus, byte for byte.
        within: code prefixes (``("3306", "3307")``: two prefectures) the reporting counties
            are drawn from, so that they border each other; the spread itself is simulated
            over every county, the same as without ``within``.
        hazard: simulate the documented logit hazard among the reporting counties instead
            (module docstring); its parameters go to ``truth.json``.
    """
    reports_dir = out / "reports"
    reports_dir.mkdir(parents=True, exist_ok=True)
    first: dict[tuple[str, str], tuple[int, str, int, bool]] = {}
    rows = []
    total = 0
    programmes: list[str] = []
    for rep in _reports(n_reports, seed, within, hazard):
        path = reports_dir / rep["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rep["data"])
        total += len(rep["data"])
        programmes = rep["programmes"]
        rows.append((rep["file"], rep["code"], rep["name"], rep["year"], len(rep["done"]),
                     "|".join(rep["planned"]), rep["copy"]))
        for prog in rep["done"]:
            key = (rep["code"], prog)
            if key not in first or rep["year"] < first[key][0]:
                first[key] = (rep["year"], rep["file"], rep["adopted"][prog], prog in rep["origin"])
    with (out / "reports.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "region_code", "region", "year", "programmes_done", "planned", "copy"])
        w.writerows(rows)
    truth = sorted((code, prog, *v) for (code, prog), v in first.items())
    with (out / "truth.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["region_code", "programme", "first_year", "first_report", "adopted_year", "origin"])
        w.writerows(truth)
    summary = {
        "generator": "kg synth", "seed": seed, "reports": len(rows), "bytes": total,
        "regions": len({r[1] for r in rows}), "years": [YEARS[0], YEARS[-1]],
        "programmes": programmes, "truth_rows": len(truth), **({"within": list(within)} if within else {}),
        **({"hazard": hazard.as_json()} if hazard else {}),
        "files": {"reports": "reports/", "truth": "truth.csv", "report_list": "reports.csv"},
    }
    (out / "truth.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n",
                                    encoding="utf-8")
    return SynthResult(out=out, reports=len(rows), regions=summary["regions"],  # type: ignore[arg-type]
                       truth_rows=len(truth), bytes=total, programmes=programmes)


# --- scoring a build against the truth ------------------------------------------------------

FIRST_YEARS = """
PREFIX fz: <https://w3id.org/fazhi-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?code ?label (MIN(?year) AS ?first) WHERE {
  ?i a fz:Implementation ; fz:region/fz:adminCode ?code ; fz:programme ?p ; fz:year ?year ;
     fz:planned false .
  ?p skos:prefLabel ?label .
  FILTER NOT EXISTS { ?p fz:curated false }
} GROUP BY ?code ?label
"""
REPORTS = """
PREFIX fz: <https://w3id.org/fazhi-kg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?source ?code ?year WHERE {
  ?r a fz:Report ; dcterms:source ?source .
  OPTIONAL { ?r fz:aboutRegion/fz:adminCode ?code }
  OPTIONAL { ?r fz:yearCovered ?year }
}
"""


def _prf(gold: set[Any], found: set[Any]) -> dict[str, float | int]:
    tp = len(gold & found)
    p = tp / len(found) if found else 0.0
    r = tp / len(gold) if gold else 0.0
    return {"tp": tp, "fp": len(found - gold), "fn": len(gold - found), "precision": p, "recall": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0}


def score(truth_dir: Path, store: Any) -> dict[str, Any]:
    """Precision and recall of a build (an open pyoxigraph Store) against a synth truth.

    Aspects: ``first_years`` (region, programme, first year done), ``adoptions``
    (region, programme), ``reports`` (file → region code and year covered).
    Only regions that have reports in the corpus count.
    """
    with (truth_dir / "truth.csv").open(encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    with (truth_dir / "reports.csv").open(encoding="utf-8") as f:
        reports = list(csv.DictReader(f))
    gold_first = {(t["region_code"], t["programme"], int(t["first_year"])) for t in truth}
    found_first = {(s["code"].value, s["label"].value, int(s["first"].value[:4]))
                   for s in store.query(FIRST_YEARS)}
    gold_meta = {(f"reports/{r['file']}", r["region_code"], int(r["year"])) for r in reports}
    found_meta = set()
    for s in store.query(REPORTS):
        source = s["source"].value
        source = source if source.startswith("reports/") else f"reports/{source}"
        found_meta.add((source, s["code"].value if s["code"] else None,
                        int(s["year"].value[:4]) if s["year"] else None))
    return {
        "first_years": _prf(gold_first, found_first),
        "adoptions": _prf({t[:2] for t in gold_first}, {t[:2] for t in found_first}),
        "reports": _prf(gold_meta, found_meta),
        "misses": sorted(gold_first - found_first)[:10],
        "false_hits": sorted(found_first - gold_first)[:10],
    }


def format_score(result: dict[str, Any]) -> str:
    """A small table, one aspect a line."""
    lines = [f"{'aspect':<12} {'TP':>7} {'FP':>6} {'FN':>6} {'P':>6} {'R':>6} {'F1':>6}"]
    for aspect in ("first_years", "adoptions", "reports"):
        s = result[aspect]
        lines.append(f"{aspect:<12} {s['tp']:>7} {s['fp']:>6} {s['fn']:>6} "
                     f"{s['precision']:>6.3f} {s['recall']:>6.3f} {s['f1']:>6.3f}")
    for title, key in (("missed (first 10)", "misses"), ("false hits (first 10)", "false_hits")):
        if result[key]:
            lines.append(f"{title}:")
            lines += [f"  {code} {prog} {year}" for code, prog, year in result[key]]
    return "\n".join(lines)
