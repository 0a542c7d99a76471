"""Large synthetic graphs for testing and benchmarking the spread view.

Every county-level division of the gazetteer (mainland: Taiwan, Hong Kong and Macau
left out, about 2,850) with its real point and its prefecture/province chain;
``programmes`` programmes under the twelve themes of the programme scheme; and
adoptions that spread in space and time. Each programme starts at a random county
in a random year and reaches a heavy-tailed share of the counties, nearest first
(distance shrunk inside the origin's province, plus noise), over three to seven
years. About 15% of programmes are candidates and 8% of adoptions are plans.
Every adoption has an evidence sentence, a report (one per county and year) and an
agency (the county's 司法局), so the page carries a realistic amount of text.

Deterministic for a given ``seed``. The vocabulary is the build's (see
``ontology/fazhi.ttl``); nothing here claims to be real data.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator

import pyoxigraph as ox

from kg.gazetteer import Division
from kg.gazetteer import load as load_gazetteer
from kg.namespaces import mint

__all__ = ["synth_ntriples", "synth_store"]

FZ = "https://w3id.org/fazhi-kg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
GEO = "http://www.opengis.net/ont/geosparql#"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"

THEMES = (
    ("dispute-resolution", "矛盾纠纷化解", "Dispute resolution"),
    ("public-legal-services", "公共法律服务", "Public legal services"),
    ("legal-education", "法治宣传教育", "Legal education and publicity"),
    ("law-enforcement", "行政执法", "Administrative law enforcement"),
    ("administrative-decision", "依法行政决策", "Lawful administrative decision-making"),
    ("admin-reconsideration", "行政复议与应诉", "Administrative reconsideration and litigation"),
    ("community-corrections", "社区矫正与安置帮教", "Community corrections and resettlement"),
    ("digital-government", "数字政府与政务服务", "Digital government and online services"),
    ("business-environment", "法治化营商环境", "Business environment"),
    ("public-security", "平安建设与社会治安", "Public security"),
    ("party-leadership", "党的领导与法治建设责任", "Party leadership and rule-of-law duties"),
    ("other", "其他", "Other"),
)
FIRST = ("一村一", "智慧", "阳光", "网格化", "诉源", "多元", "全域", "便民", "数字", "云上", "指尖",
         "一站式", "全链条", "非诉", "首违", "综合", "最多跑一次", "互联网+", "掌上", "社区")
SECOND = ("法律顾问", "调解", "执法", "普法", "法律服务", "监督", "审查", "治理", "矫正", "复议",
          "信访", "公证", "仲裁", "听证", "备案", "援助")
THIRD = ("", "机制", "模式", "工程", "平台", "制度", "试点", "工作法", "驿站", "中心")
VERBS = ("深入推进", "全面推行", "积极探索", "持续深化", "创新开展", "扎实推进")
TAILS = (",取得明显成效。", ",覆盖全部乡镇(街道)。", ",群众满意度持续提升。", ",形成可复制经验。")


def _iri(value: str) -> str:
    return f"<{value}>"


def _lit(text: str, *, lang: str | None = None, datatype: str | None = None) -> str:
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if lang:
        return f'"{body}"@{lang}'
    return f'"{body}"^^<{datatype}>' if datatype else f'"{body}"'


def _region_lines(d: Division) -> Iterator[str]:
    iri = _iri(mint("region", d.code))
    yield f"{iri} <{RDF_TYPE}> <{FZ}Region> ."
    yield f"{iri} <{RDFS_LABEL}> {_lit(d.name, lang='zh')} ."
    yield f"{iri} <{FZ}adminCode> {_lit(d.code)} ."
    yield f"{iri} <{FZ}level> {_lit(d.level)} ."
    if d.parent:
        yield f"{iri} <{FZ}partOf> {_iri(mint('region', d.parent))} ."
    if d.lon is not None and d.lat is not None:
        geom = _iri(f"{mint('region', d.code)}/geometry")
        yield f"{iri} <{GEO}hasGeometry> {geom} ."
        yield f"{geom} <{GEO}asWKT> {_lit(f'POINT({d.lon:.6f} {d.lat:.6f})', datatype=GEO + 'wktLiteral')} ."
        yield f"{iri} <{FZ}approximateLocation> {_lit(str(d.approximate).lower(), datatype=XSD + 'boolean')} ."


def _names(rng: random.Random, n: int) -> list[str]:
    names = ["枫桥经验"]
    seen = set(names)
    while len(names) < n:
        name = rng.choice(FIRST) + rng.choice(SECOND) + rng.choice(THIRD)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def synth_ntriples(*, programmes: int = 300, seed: int = 7, first_year: int = 2015,
                   last_year: int = 2024) -> str:
    """N-Triples text of a synthetic build (see the module docstring)."""
    rng = random.Random(seed)
    gazetteer = load_gazetteer()
    counties = [d for d in gazetteer if d.level == "county" and d.code[:2] not in {"71", "81", "82"}
                and d.lon is not None and d.lat is not None]
    lines: list[str] = []
    needed = {c.code for county in counties for c in gazetteer.chain(county.code)}
    for code in sorted(needed):
        division = gazetteer.get(code)
        if division is not None:
            lines.extend(_region_lines(division))
    for key, zh, en in THEMES:
        iri = _iri(mint("theme", key))
        lines += [f"{iri} <{RDF_TYPE}> <{FZ}Theme> .", f"{iri} <{SKOS}prefLabel> {_lit(zh, lang='zh')} .",
                  f"{iri} <{SKOS}prefLabel> {_lit(en, lang='en')} ."]
    cos_lat = [math.cos(math.radians(c.lat or 0)) for c in counties]
    reports: set[tuple[int, int]] = set()
    true, false = _lit("true", datatype=XSD + "boolean"), _lit("false", datatype=XSD + "boolean")
    for p, name in enumerate(_names(rng, programmes)):
        prog = _iri(mint("programme", name))
        curated = p == 0 or rng.random() > 0.15
        lines += [f"{prog} <{RDF_TYPE}> <{FZ}Programme> .", f"{prog} <{SKOS}prefLabel> {_lit(name, lang='zh')} .",
                  f"{prog} <{FZ}curated> {true if curated else false} .",
                  f"{prog} <{SKOS}broader> {_iri(mint('theme', THEMES[0 if p == 0 else rng.randrange(len(THEMES))][0]))} ."]
        origin = rng.randrange(len(counties))
        o = counties[origin]
        share = 0.35 if p == 0 else min(0.6, math.exp(rng.gauss(-3.2, 1.0)))
        k = max(3, int(len(counties) * share))
        scored = []
        for i, c in enumerate(counties):
            d = math.hypot((c.lon - o.lon) * cos_lat[i], c.lat - o.lat)  # type: ignore[operator]
            if c.code[:2] == o.code[:2]:
                d *= 0.4
            scored.append((d + rng.expovariate(1 / 3.0), i))
        scored.sort()
        start = rng.randint(first_year, last_year - 3)
        span = rng.randint(3, 7)
        for rank, (_, i) in enumerate(scored[:k]):
            year = min(last_year, start + int(span * rank / k) + rng.choice((0, 0, 0, 1)))
            county = counties[i]
            planned = rng.random() < 0.08
            imp = _iri(mint("implementation", county.code, str(p), str(year)))
            report = _iri(mint("report", f"synth-{county.code}-{year}"))
            reports.add((i, year))
            evidence = f"{county.name}{rng.choice(VERBS)}“{name}”{rng.choice(TAILS)}"
            lines += [
                f"{imp} <{RDF_TYPE}> <{FZ}Implementation> .",
                f"{imp} <{FZ}region> {_iri(mint('region', county.code))} .",
                f"{imp} <{FZ}programme> {prog} .",
                f"{imp} <{FZ}year> {_lit(str(year), datatype=XSD + 'gYear')} .",
                f"{imp} <{FZ}planned> {true if planned else false} .",
                f"{imp} <{FZ}evidence> {_lit(evidence)} .",
                f"{imp} <{PROV_DERIVED}> {report} .",
                f"{imp} <{FZ}agency> {_iri(mint('agency', county.code, county.name + '司法局'))} .",
            ]
    for i, year in sorted(reports):
        county = counties[i]
        report = _iri(mint("report", f"synth-{county.code}-{year}"))
        lines += [f"{report} <{RDF_TYPE}> <{FZ}Report> .",
                  f"{report} <{DCT}title> {_lit(f'{county.name}{year}年法治政府建设情况报告', lang='zh')} .",
                  f"{report} <{DCT}source> {_lit(f'synth/{county.code}_{year}.txt')} .",
                  f"{report} <{FZ}yearCovered> {_lit(str(year), datatype=XSD + 'gYear')} .",
                  f"{report} <{FZ}aboutRegion> {_iri(mint('region', county.code))} ."]
    for county in counties:
        agency = _iri(mint("agency", county.code, county.name + "司法局"))
        lines += [f"{agency} <{RDF_TYPE}> <{FZ}Agency> .",
                  f"{agency} <{RDFS_LABEL}> {_lit(county.name + '司法局', lang='zh')} .",
                  f"{agency} <{FZ}jurisdiction> {_iri(mint('region', county.code))} ."]
    return "\n".join(lines) + "\n"


def synth_store(**options: int) -> ox.Store:
    """An in-memory store holding :func:`synth_ntriples` (same options)."""
    store = ox.Store()
    store.bulk_load(synth_ntriples(**options).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store
