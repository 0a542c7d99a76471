"""Files for the tools diffusion researchers use, from the export's tables.

- ``adoption_times.csv``: one row per observed region, one column per programme (its
  codebook ``id``), the adoption year or empty: the wide cascade matrix of R's
  NetworkInference (``as_cascade_wide``) and the time-of-adoption (``toa``) vectors of
  netdiffuseR, with every non-adopter present (NetworkInference's ``node_names``);
- ``netdiffuser_edges.csv``: the boundary-neighbour network of the observed regions as
  netdiffuseR's ``edgelist_to_adjmat`` reads it (``ego``, ``alter``; an isolate is a row
  with an empty ``alter``, kept by ``keep.isolates = TRUE``);
- ``codebook.csv``: one row per programme in the SPID manner (id, name, theme, first year,
  number of adopters, curated or candidate, the national document cited with it);
- the dynamic GEXF graph (:func:`dynamic_graph`) whose timeline Gephi plays;
- ``CITATION.cff`` and ``CITATION.md`` (:func:`citation_cff`, :func:`citation_markdown`).

Neither R package is in Debian and CRAN is out of reach here, so the tests read these
files back with readers written from the packages' documented formats (and with R itself
for the CSV parsing, where ``Rscript`` is installed).
"""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pandas as pd

from kg.export.facts import Facts
from kg.namespaces import digest

__all__ = [
    "adoption_times",
    "citation_cff",
    "citation_markdown",
    "codebook_table",
    "dynamic_graph",
    "national_signals",
    "netdiffuser_edges",
    "programme_id",
    "write_gexf",
]

_YEAR = re.compile(r"(19[5-9]\d|20\d\d)")


def programme_id(iri: str) -> str:
    """A short ASCII id of a programme IRI, stable across builds (R/Stata-safe column name).

    >>> programme_id("https://w3id.org/fazhi-kg/id/programme/x") == programme_id(
    ...     "https://w3id.org/fazhi-kg/id/programme/x")
    True
    >>> len(programme_id("https://w3id.org/fazhi-kg/id/programme/x"))
    11
    """
    return f"p{digest(iri, length=10)}"


def national_signals(facts: Facts, adoptions: pd.DataFrame) -> pd.DataFrame:
    """Per programme: national documents cited with it and the earliest such year.

    A national document (``fz:level "national"``) counts when its title is in the sentence
    of one of the programme's implementation facts; it is dated by the first year in its
    title (《…实施纲要(2021—2025年)》 → 2021), else by the citing report's year.
    Columns: ``programme_iri``, ``document``, ``year``, ``year_source`` (title|report).
    """
    cols = ["programme_iri", "document", "year", "year_source"]
    docs = facts.documents[facts.documents["level"] == "national"]
    if docs.empty or adoptions.empty:
        return pd.DataFrame(columns=cols)
    imps = facts.implementations[
        facts.implementations["programme"].isin(adoptions["programme_iri"])
    ]
    imps = imps.merge(
        facts.reports[["report", "year"]].rename(columns={"year": "report_year"}),
        on="report",
        how="left",
    )
    rows = []
    for title in docs["title"].dropna():
        hit = imps[imps["evidence"].fillna("").str.contains(title, regex=False)]
        m = _YEAR.search(title)
        for prog, h in hit.groupby("programme"):
            if m:
                rows.append((prog, title, int(m[1]), "title"))
            elif h["report_year"].notna().any():
                rows.append((prog, title, int(h["report_year"].min()), "report"))
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["programme_iri", "year", "document"], ignore_index=True)


def adoption_times(adoptions: pd.DataFrame, regions: pd.DataFrame,
                   programmes: pd.DataFrame) -> pd.DataFrame:
    """Regions × adopted programmes: ``adcode``, then one Int64 column per programme id
    (codebook order) holding the region's first_year, empty when it never adopted. Programmes
    nobody adopted have no column (a cascade without events)."""
    units = sorted(regions["adcode"].dropna().unique())
    iris = list(programmes.loc[programmes["adopt_count"] > 0, "programme_iri"])
    ids = [programme_id(i) for i in iris]
    wide = adoptions.pivot_table(index="adcode", columns="programme_iri", values="first_year",
                                 aggfunc="min")
    wide = wide.reindex(index=units, columns=iris)
    out = pd.DataFrame({"adcode": pd.array(units, dtype="string")})
    for iri, pid in zip(iris, ids, strict=True):
        out[pid] = pd.array(wide[iri].to_numpy(), dtype="Int64") if len(units) else pd.array(
            [], dtype="Int64")
    return out


def netdiffuser_edges(regions: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """``ego``, ``alter``: each boundary pair of observed regions once (ego < alter), then
    each observed region without a neighbour with an empty alter (an isolate)."""
    p = pairs[pairs["unit"] < pairs["other"]]
    edges = pd.DataFrame({"ego": p["unit"], "alter": p["other"]}).astype("string")
    linked = set(p["unit"]) | set(p["other"])
    alone = sorted(set(regions["adcode"].dropna()) - linked)
    isolates = pd.DataFrame({"ego": alone, "alter": [None] * len(alone)}).astype("string")
    return pd.concat([edges.sort_values(["ego", "alter"]), isolates], ignore_index=True)


def codebook_table(programmes: pd.DataFrame, signals: pd.DataFrame,
                   notes: pd.DataFrame) -> pd.DataFrame:
    """One row per programme in scope (``programmes``: the programme table): SPID-style.

    ``signals`` is :func:`national_signals`; ``notes`` has ``programme`` (IRI) and
    ``scope_note`` (the scheme's note on where the measure comes from)."""
    first = signals.drop_duplicates("programme_iri").set_index("programme_iri")
    note = dict(zip(notes["programme"], notes["scope_note"], strict=True))
    iris = programmes["programme_iri"]
    out = pd.DataFrame(
        {
            "id": [programme_id(i) for i in iris],
            "programme": programmes["programme"],
            "theme": programmes["theme"],
            "theme_en": programmes["theme_en"],
            "theme_id": programmes["theme_id"],
            "status": ["curated" if c else "candidate" for c in programmes["curated"]],
            "first_year": programmes["first_year"],
            "last_year": programmes["last_year"],
            "n_adopters": programmes["adopt_count"],
            "n_provinces": programmes["n_provinces"],
            "first_adopters": programmes["first_adopters"],
            "national_document": [first["document"].get(i) for i in iris],
            "national_year": [first["year"].get(i) for i in iris],
            "scope_note": [note.get(i) for i in iris],
            "programme_iri": iris,
        }
    )
    return out.astype(CODEBOOK_DTYPES).reset_index(drop=True)


CODEBOOK_DTYPES = {
    "id": "string",
    "programme": "string",
    "theme": "string",
    "theme_en": "string",
    "theme_id": "string",
    "status": "string",
    "first_year": "Int64",
    "last_year": "Int64",
    "n_adopters": "int64",
    "n_provinces": "int64",
    "first_adopters": "string",
    "national_document": "string",
    "national_year": "Int64",
    "scope_note": "string",
    "programme_iri": "string",
}


def _date(year: int, end: bool = False) -> str:
    return f"{int(year)}-12-31" if end else f"{int(year)}-01-01"


def dynamic_graph(bi: nx.Graph, adoptions: pd.DataFrame, coverage: pd.DataFrame) -> nx.Graph:
    """A copy of the region–programme graph with GEXF time (``timeformat="date"``, whole years):

    - every programme node and adoption edge ``start``s on 1 January of its first year (no
      ``end``: adoption is an absorbing state), every region node in its first year of data;
    - a programme's ``adopters`` is a dynamic attribute: its cumulative number of adopters,
      one value per year from its first year to the last year of the data (``start``/``end``);
    - a region's ``reported`` is 1 in the years a report of its own covers, 0 in the others.
    """
    g = bi.copy()
    g.graph["mode"] = "dynamic"
    if adoptions.empty:
        return g
    last = int(max(adoptions["first_year"].max(), coverage["year"].max() if len(coverage) else 0))
    covered: dict[str, set[int]] = {}
    for code, year in zip(coverage["adcode"], coverage["year"], strict=True):
        covered.setdefault(f"r:{code}", set()).add(int(year))
    per_year = adoptions.groupby(["programme", "first_year"]).size()
    for n, d in g.nodes(data=True):
        if d.get("kind") == "programme":
            counts = per_year.loc[d["label"]].cumsum()
            years = range(int(d["first_year"]), last + 1)
            running = counts.reindex(years).ffill().astype(int)
            d["start"] = _date(d["first_year"])
            d["adopters"] = [(int(v), _date(y), _date(y, end=True)) for y, v in running.items()]
        else:
            firsts = [y for y in (d.get("first_report_year"),) if y is not None]
            firsts += [int(e["year"]) for _, _, e in g.edges(n, data=True)]
            start = min(firsts) if firsts else None
            if start is not None:
                d["start"] = _date(start)
                d["reported"] = [(int(y in covered.get(n, set())), _date(y), _date(y, end=True))
                                 for y in range(start, last + 1)]
    for _, _, d in g.edges(data=True):
        d["start"] = _date(d["year"])
    return g


def write_gexf(g: nx.Graph, path: Path) -> None:
    """Write ``g`` with networkx's GEXF 1.2 writer, then put each class's attributes in one
    ``<attributes>`` block (networkx writes a static and a dynamic one): Gephi reads both
    forms, but graphology-gexf (Gephi Lite, sigma.js) keeps only the last block of a class and
    refuses the other block's values. A value without ``start``/``end`` in a dynamic block holds
    at every time, so the merged file says the same."""
    from lxml import etree

    text = "\n".join(nx.generate_gexf(g, encoding="utf-8"))
    root = etree.fromstring(text.encode("utf-8"))
    graph = root.find("{*}graph")
    for cls in ("node", "edge"):
        blocks = [b for b in graph.findall("{*}attributes") if b.get("class") == cls]
        if len(blocks) < 2:
            continue
        keep = next((b for b in blocks if b.get("mode") == "dynamic"), blocks[0])
        for block in blocks:
            if block is not keep:
                keep.extend(list(block))
                graph.remove(block)
        keep[:] = sorted(keep, key=lambda a: int(a.get("id")))
    etree.ElementTree(root).write(str(path), encoding="utf-8", xml_declaration=True)


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    import json

    return json.dumps(text, ensure_ascii=False)


def citation_cff(meta: dict[str, object]) -> str:
    """CITATION.cff (Citation File Format 1.2.0) of an export described by ``meta``: keys
    ``version``, ``data_id``, ``abstract``, ``keywords`` and ``references`` (a list of dicts
    with ``type``, ``title``, ``version``, ``notes``)."""
    lines = [
        "cff-version: 1.2.0",
        "message: " + _q("如使用这些数据,请按以下信息引用。If you use these data, please cite them "
                         "as below."),
        "type: dataset",
        "title: " + _q(TITLE),
        "version: " + _q(str(meta["version"])),
        "authors:",
        "  - name: " + _q(AUTHOR),
        "license: MIT",
        "abstract: " + _q(str(meta["abstract"])),
        "identifiers:",
        "  - type: other",
        "    value: " + _q(str(meta["data_id"])),
        "    description: " + _q("SHA-256 (first 16 hex digits) of the build's graph.nt: "
                                 "identifies exactly these data"),
        "keywords:",
        *[f"  - {_q(k)}" for k in meta["keywords"]],  # type: ignore[attr-defined]
        "references:",
    ]
    for ref in meta["references"]:  # type: ignore[attr-defined]
        lines += [f"  - type: {ref['type']}", f"    title: {_q(ref['title'])}",
                  "    authors:", f"      - name: {_q(ref['author'])}"]
        lines += [f"    version: {_q(ref['version'])}"] if ref.get("version") else []
        lines += [f"    notes: {_q(ref['notes'])}"] if ref.get("notes") else []
    return "\n".join(lines) + "\n"


TITLE = "fazhi-kg 法治措施知识图谱: diffusion data of rule-of-law measures in 法治政府建设 annual reports"
AUTHOR = "fazhi-kg contributors"


def citation_markdown(meta: dict[str, object]) -> str:
    """CITATION.md: how to cite the export, in Chinese and English, with a BibTeX entry."""
    key = f"fazhikg_{meta['data_id']}"
    refs = "\n".join(f"- {r['title']} ({r['author']}{', ' + r['version'] if r.get('version') else ''})"
                     f"{': ' + r['notes'] if r.get('notes') else ''}"
                     for r in meta["references"])  # type: ignore[attr-defined]
    return f"""# 引用这些数据 / Cite these data

**中文**:{AUTHOR}. {TITLE}. 版本 {meta['version']},数据标识 {meta['data_id']}。请注明您导出或下载数据的日期。

**English**: {AUTHOR}. *{TITLE}*. Version {meta['version']}, data id {meta['data_id']}. Please add
the date you exported or downloaded the data.

{meta['abstract']}

```bibtex
@misc{{{key},
  author       = {{{{{AUTHOR}}}}},
  title        = {{{{{TITLE}}}}},
  howpublished = {{Dataset exported with fazhi-kg (kg export)}},
  note         = {{Version {meta['version']}, data id {meta['data_id']}}}
}}
```

The data id is the start of the SHA-256 of the build's `graph.nt`: two exports with the same id
come from the same graph. `CITATION.cff` says the same in the Citation File Format 1.2.0.

## 所用资料 / Sources used

{refs}
"""
