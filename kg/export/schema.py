"""The data dictionary of the exports: every table's columns, dtypes, units and meaning.

One definition serves three readers: ``DATA_DICTIONARY.md`` (people),
``datapackage.json`` (a Frictionless Data Package, its CSVs tabular resources: R's
``frictionless``, Python's ``frictionless``, or any CSVW-style reader), and
:func:`read_table`, which loads a CSV into pandas with exactly these dtypes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kg.export.geography import HIERARCHY_SOURCE, NEIGHBOURS_SOURCE
from kg.export.tables import LAPSE_RULE, TIE_RULE

__all__ = [
    "adoption_times_spec",
    "FIELDS",
    "FILES",
    "OTHER_FILES",
    "TABLES",
    "Field",
    "TableSpec",
    "datapackage",
    "dictionary_markdown",
    "pandas_dtypes",
    "read_table",
]

# pandas dtype → Frictionless type; nullable dtypes (capitalised, "string", "boolean",
# float) may hold empty cells, the others never do.
_FRICTIONLESS = {
    "string": "string",
    "int64": "integer",
    "Int64": "integer",
    "float64": "number",
    "bool": "boolean",
    "boolean": "boolean",
}
_REQUIRED = {"int64", "bool"}


@dataclass(frozen=True, slots=True)
class Field:
    """One column: name, pandas dtype, unit (or ""), meaning."""

    name: str
    dtype: str
    unit: str
    description: str


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One CSV file: its name, what one row is, primary key and columns."""

    name: str
    path: str
    row: str
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    source: str = ""  # where the data come from and how they were made, if not from the graph


def _f(name: str, dtype: str, description: str, unit: str = "") -> Field:
    return Field(name, dtype, unit, description)


_REGION_COLS = (
    _f("adcode", "string", "GB/T 2260 six-digit code of the region (text: keep it a string); a "
       "township, which has no code here, is COUNTY_CODE/NAME (e.g. 330282/龙山镇)"),
    _f("region", "string", "region name (Chinese)"),
    _f(
        "level",
        "string",
        "province | prefecture | county | township (a township named as the one carrying a "
        "measure out, or the subject of a township report)",
    ),
)
def _point_cols(unit: str, source: str) -> tuple:
    """lon, lat and approximate_location of a ``unit`` whose points come from ``source``."""
    return (
        _f("lon", "float64", f"longitude of the {unit}'s point (WGS84)", "degrees east"),
        _f("lat", "float64", f"latitude of the {unit}'s point (WGS84)", "degrees north"),
        _f(
            "approximate_location",
            "boolean",
            f"true when the point was filled in by fazhi-kg, not from {source}",
        ),
    )


_HIER_COLS = (
    _f(
        "prefecture_code",
        "string",
        "code of the prefecture containing the region (itself if a prefecture); "
        "empty for provinces and for districts of the four municipalities",
    ),
    _f("prefecture", "string", "name of that prefecture"),
    _f(
        "province_code",
        "string",
        "code of the province containing the region (itself if a province)",
    ),
    _f("province", "string", "name of that province"),
)
_PROG_COLS = (
    _f("programme", "string", "programme (measure) name: its skos:prefLabel@zh"),
    _f("theme", "string", "theme of the programme (Chinese label); empty for candidates"),
)

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "adoptions",
        "adoptions.csv",
        "one (region, programme) pair with at least one implementation fact in scope: "
        "an adoption event in SPID's sense (unit, policy, adoption year)",
        ("region_iri", "programme_iri"),
        (
            *_REGION_COLS,
            *_HIER_COLS,
            *_PROG_COLS,
            _f(
                "theme_id",
                "string",
                "theme slug (e.g. dispute-resolution), last segment of the theme IRI",
            ),
            _f(
                "curated",
                "bool",
                "true: in the curated programme scheme; false: a candidate found in text, not reviewed",
            ),
            _f(
                "first_year",
                "int64",
                "adoption year = first mention: earliest year of the region's implementation "
                "facts (several reports naming different years: the earliest)",
                "calendar year",
            ),
            _f(
                "last_year",
                "int64",
                "last mention: latest year of those facts",
                "calendar year",
            ),
            _f(
                "n_mention_years",
                "int64",
                "number of distinct years with a fact (1 = mentioned in one year only)",
                "years",
            ),
            _f(
                "adoption_order",
                "int64",
                "dense rank of first_year among the programme's adopters: 1 = the pioneers; "
                "regions tied in one year share a rank",
                "rank",
            ),
            _f(
                "same_year_adopters",
                "int64",
                "other regions adopting the programme in the same first_year (ties; they never "
                "count in each other's exposure)",
                "regions",
            ),
            _f(
                "reported_before",
                "bool",
                "true when a report of the region's own covers first_year − 1 (silent then); "
                "false: no data for that year, the true adoption may be earlier (interval-censored)",
            ),
            _f(
                "years_reported_after",
                "int64",
                "years after last_year that the region's own reports cover without mentioning it",
                "years",
            ),
            _f(
                "possible_lapse",
                "bool",
                "true when n_mention_years = 1 and years_reported_after ≥ 1: mentioned once and "
                "never again although the region kept reporting (flagged, not imposed)",
            ),
            _f("n_reports", "int64", "number of distinct reports stating those facts", "reports"),
            _f(
                "n_facts",
                "int64",
                "number of implementation facts (region, programme, year, report)",
                "facts",
            ),
            _f(
                "planned_only",
                "bool",
                "true when every counted fact is a plan (only with --include-planned)",
            ),
            _f("evidence_source", "string", "source file of the report supporting first_year"),
            _f("evidence", "string", "the sentence supporting first_year, verbatim"),
            _f(
                "evidence_report",
                "string",
                "IRI of that report (graph.nq names its graph after it)",
            ),
            _f("region_iri", "string", "IRI of the region in the graph"),
            _f("programme_iri", "string", "IRI of the programme in the graph"),
        ),
    ),
    TableSpec(
        "programmes",
        "programmes.csv",
        "one programme in scope (curated, plus candidates with --include-candidates), adopted or not",
        ("programme_iri",),
        (
            *_PROG_COLS,
            _f("theme_en", "string", "theme, English label"),
            _f("theme_id", "string", "theme slug"),
            _f("curated", "bool", "true: curated programme; false: candidate"),
            _f(
                "first_year",
                "Int64",
                "earliest adoption year of any region; empty if never adopted",
                "calendar year",
            ),
            _f(
                "last_year",
                "Int64",
                "latest year of any counted fact; empty if never adopted",
                "calendar year",
            ),
            _f("adopt_count", "int64", "number of regions that adopted it", "regions"),
            _f(
                "n_provinces", "int64", "number of provinces with at least one adopter", "provinces"
            ),
            _f("n_reports", "int64", "number of distinct reports with a counted fact", "reports"),
            _f(
                "first_adopters",
                "string",
                "the regions adopting in first_year, 'name (adcode)' joined by '; '",
            ),
            _f("first_adopter_codes", "string", "their adcodes joined by ';'"),
            _f("programme_iri", "string", "IRI of the programme"),
        ),
    ),
    TableSpec(
        "regions",
        "regions.csv",
        "one observed region: the subject of a report or of at least one implementation fact; "
        "the unit set of the panel and of NetworkInference's node_names",
        ("region_iri",),
        (
            *_REGION_COLS,
            _f("parent_code", "string", "code of the direct parent (fz:partOf)"),
            *_HIER_COLS,
            *_point_cols("region", "the gazetteer"),
            _f(
                "n_reports",
                "int64",
                "reports observing the region (about it, or stating a fact about it)",
                "reports",
            ),
            _f(
                "first_report_year",
                "Int64",
                "earliest year covered by those reports",
                "calendar year",
            ),
            _f(
                "last_report_year",
                "Int64",
                "latest year covered by those reports: the panel's right-censoring year",
                "calendar year",
            ),
            _f("region_iri", "string", "IRI of the region"),
        ),
    ),
    TableSpec(
        "coverage",
        "coverage.csv",
        "one region × year that at least one report is about (fz:aboutRegion × fz:yearCovered; "
        "the graph's fz:RegionYearCoverage nodes): the region-years with data. A region-year "
        "not listed has no report of its own: no data, which is not the same as not adopted",
        ("region_iri", "year"),
        (
            *_REGION_COLS,
            _f("year", "int64", "the year the reports review (fz:yearCovered)", "calendar year"),
            _f("n_reports", "int64", "reports about the region covering the year", "reports"),
            _f("n_government", "int64", "of which government annual reports", "reports"),
            _f("n_department", "int64", "of which department reports (partial view)", "reports"),
            _f("n_township", "int64", "of which township/street reports (partial view)", "reports"),
            _f(
                "kinds",
                "string",
                "fz:documentKind names present, joined by ';' (GovernmentReport, DepartmentReport, "
                "TownshipReport; unknown when a report has none)",
            ),
            _f("region_iri", "string", "IRI of the region"),
        ),
    ),
    TableSpec(
        "hierarchy",
        "hierarchy.csv",
        "one GB/T 2260 division (province, prefecture or county) of the gazetteer fazhi-kg reads, "
        "observed or not: the administrative hierarchy behind prefecture_code/province_code, the "
        "panel's same-parent peers and ancestor exposure",
        ("adcode",),
        (
            *_REGION_COLS,
            _f("parent_code", "string", "code of the direct parent; empty for provinces"),
            *_HIER_COLS,
            *_point_cols("division", "the code list"),
            _f("observed", "bool", "true when the division is in regions.csv (this build observed it)"),
        ),
        HIERARCHY_SOURCE,
    ),
    TableSpec(
        "neighbours",
        "neighbours.csv",
        "one pair of GB/T units of the same level sharing a boundary (listed once, code_a < code_b): "
        "the neighbours behind the panel's neighbour exposure",
        ("code_a", "code_b"),
        (
            _f("code_a", "string", "adcode of one unit"),
            _f("region_a", "string", "its name (empty if the gazetteer does not know the code)"),
            _f("code_b", "string", "adcode of the other unit"),
            _f("region_b", "string", "its name"),
            _f("level", "string", "province | prefecture | county"),
            _f("shared_vertices", "int64", "boundary vertices the two units share", "vertices"),
            _f(
                "observed",
                "bool",
                "true when both units are in regions.csv (the pair counts in the panel)",
            ),
        ),
        NEIGHBOURS_SOURCE,
    ),
    TableSpec(
        "cascades",
        "cascades.csv",
        "one adoption in NetworkInference's long form: as_cascade_long(df, cascade_node_name='node', "
        "event_time='time', cascade_id='cascade')",
        ("node", "cascade"),
        (
            _f("node", "string", "adcode of the adopting region (join regions.csv for names)"),
            _f(
                "cascade",
                "string",
                "programme name (one cascade per programme; join programmes.csv)",
            ),
            _f("time", "int64", "adoption year (adoptions.csv first_year)", "calendar year"),
        ),
    ),
    TableSpec(
        "netdiffuser_edges",
        "netdiffuser_edges.csv",
        "one pair of observed regions sharing a boundary (ego < alter, listed once), or one observed "
        "region without such a neighbour (alter empty): netdiffuseR's edge list. In R: "
        "`e <- read.csv('netdiffuser_edges.csv', colClasses = 'character', na.strings = ''); g <- "
        "edgelist_to_adjmat(e[, c('ego', 'alter')], undirected = TRUE, keep.isolates = TRUE)`; "
        "the vertices come out sorted by adcode, the order of adoption_times.csv, so "
        "`toa <- read.csv('adoption_times.csv', colClasses = c(adcode = 'character'))[[ID]]` "
        "fits `new_diffnet(g, toa)`",
        ("ego", "alter"),
        (
            _f("ego", "string", "adcode of one region (join regions.csv)"),
            _f("alter", "string", "adcode of its neighbour; empty for a region with none"),
        ),
    ),
    TableSpec(
        "codebook",
        "codebook.csv",
        "one programme in scope, in the manner of SPID's codebook (the State Policy Innovation "
        "and Diffusion database): id, name, theme, years, adopters, status, national document",
        ("id",),
        (
            _f("id", "string", "short ASCII id ('p' + 10 hex digits of the IRI's SHA-256): the "
               "column name of the programme in adoption_times.csv; stable across builds"),
            _f("programme", "string", "programme name (Chinese)"),
            _f("theme", "string", "theme (Chinese); empty for candidates"),
            _f("theme_en", "string", "theme (English)"),
            _f("theme_id", "string", "theme slug"),
            _f("status", "string", "curated (in the reviewed scheme) | candidate (found in text, "
               "not reviewed)"),
            _f("first_year", "Int64", "earliest adoption year; empty if never adopted",
               "calendar year"),
            _f("last_year", "Int64", "latest year any region mentions it", "calendar year"),
            _f("n_adopters", "int64", "regions that adopted it", "regions"),
            _f("n_provinces", "int64", "provinces with at least one adopter", "provinces"),
            _f("first_adopters", "string", "the regions adopting in first_year"),
            _f("national_document", "string", "earliest national-level document (fz:level "
               "national) cited in the same sentence as one of its implementation facts: the "
               "document that mandates or frames it, as the reports say (a signal, not a verified "
               "legal basis); empty if none"),
            _f("national_year", "Int64", "year of that document: the first year in its title, "
               "else the citing report's year", "calendar year"),
            _f("scope_note", "string", "the scheme's note on the measure (skos:scopeNote: often "
               "where it comes from)"),
            _f("programme_iri", "string", "IRI of the programme"),
        ),
    ),
    TableSpec(
        "panel",
        "panel.csv",
        "one region × programme × year, from the first adoption year in the data to the region's "
        "last_report_year (right-censored there); every observed region × every adopted programme",
        ("adcode", "programme", "year"),
        (
            *_REGION_COLS,
            _f("programme", "string", "programme name"),
            _f("year", "int64", "calendar year of the row", "calendar year"),
            _f(
                "adopted",
                "Int64",
                "1 from the adoption year on, 0 before it in a year a report of the region's own "
                "covers; empty (missing, not 0) in a year before adoption with no such report",
                "0/1",
            ),
            _f(
                "event",
                "Int64",
                "1 in the adoption year only (the event-history dependent variable); 0 or empty "
                "as `adopted`",
                "0/1",
            ),
            _f(
                "at_risk",
                "int64",
                "1 up to and including the adoption year (never-adopters: every year); "
                "filter at_risk == 1 for a discrete-time hazard model",
                "0/1",
            ),
            _f(
                "reported",
                "int64",
                "1 if a report about the region (coverage.csv) covers this year; 0: no data of "
                "its own for this year (state known only from other years' statements, if at all)",
                "0/1",
            ),
            _f(
                "peers_adopted",
                "int64",
                "peers that adopted before: observed regions of the same parent and level (a "
                "county's: the other counties of its prefecture, hierarchy.csv) whose first_year "
                "≤ year − 1 (lag 1 year; same-year adopters do not count)",
                "regions",
            ),
            _f(
                "n_peers",
                "int64",
                "observed same-parent, same-level regions (the denominator; peers without a "
                "report count as not adopted unless a report says they had)",
                "regions",
            ),
            _f(
                "peers_known",
                "int64",
                "peers whose state at year − 1 is known: adopted by then, or a report of their "
                "own covers year − 1; peers_adopted / peers_known is the exposure among peers "
                "with data",
                "regions",
            ),
            _f(
                "peer_exposure",
                "float64",
                "peers_adopted / n_peers; empty when n_peers is 0",
                "share 0–1",
            ),
            _f(
                "neighbours_adopted",
                "int64",
                "neighbours that adopted before: observed boundary neighbours of the same level "
                "(neighbours.csv) whose first_year ≤ year − 1 (lag 1 year)",
                "regions",
            ),
            _f(
                "n_neighbours",
                "int64",
                "observed boundary neighbours (the pairs of neighbours.csv with observed = true)",
                "regions",
            ),
            _f(
                "neighbours_known",
                "int64",
                "neighbours whose state at year − 1 is known (as peers_known)",
                "regions",
            ),
            _f(
                "neighbour_exposure",
                "float64",
                "neighbours_adopted / n_neighbours; empty when n_neighbours is 0",
                "share 0–1",
            ),
            _f(
                "ancestor_adopted",
                "Int64",
                "1 if an observed ancestor (prefecture or province) adopted by "
                "year − 1, 0 if observed ancestors had not, empty if no ancestor is observed",
                "0/1",
            ),
        ),
    ),
)
FILES = {t.name: t for t in TABLES}
FIELDS = {t.name: {f.name: f for f in t.fields} for t in TABLES}

OTHER_FILES: tuple[tuple[str, str], ...] = (
    (
        "export.json",
        "how this export was made: the build folder, the scope flags, the community seed, the files "
        "written and the row count of each CSV.",
    ),
    (
        "graph.graphml",
        "region–programme network (bipartite) for Gephi / networkx / igraph. Nodes: `kind` "
        "(region|programme), `label`; regions: `adcode`, `level`, `prefecture`, `province`, `lon`, `lat` "
        "(degrees; Gephi GeoLayout), `first_report_year`, `last_report_year`, `n_programmes`; programmes: `theme`, "
        "`theme_id`, `curated`, `first_year`, `adopt_count`, `community`. Edges region→programme: `year` "
        "(= first_year), `last_year`, `n_reports`, `weight` (1).",
    ),
    (
        "coadoption.graphml",
        "programme co-adoption network: programmes linked when some region adopted both. "
        "Nodes as the programme nodes above, plus `strength`, `pagerank`, `betweenness`, `community` (Louvain, "
        "seeded); edges: `weight` (regions adopting both), `jaccard` (weight / regions adopting either), "
        "`first_year` (earliest year a region had both).",
    ),
    (
        "graph.gexf",
        "the region–programme network as a dynamic GEXF 1.2 graph (timeformat date, whole years), "
        "for Gephi: every adoption edge and programme node `start`s on 1 January of its first year, "
        "every region node in its first year of data (no `end`: adoption is absorbing; lapses are "
        "flagged in adoptions.csv); programme nodes carry `adopters`, their cumulative number of "
        "adopters as a dynamic attribute (one value per year, `start`/`end`), region nodes "
        "`reported` (1 in the years a report of their own covers). Open it in Gephi and enable the "
        "timeline (Window → Timeline) to replay the diffusion; size programme nodes by `adopters`. "
        "Each class has one `<attributes>` block (the node block dynamic), which graphology-gexf "
        "(Gephi Lite, sigma.js) needs; networkx's read_gexf returns those node values as "
        "(value, start, end) lists; for static analysis use graph.graphml.",
    ),
    (
        "adoption_times.csv",
        "one row per observed region (`adcode`, sorted), one column per adopted programme (its "
        "codebook.csv `id`), the adoption year (adoptions.csv first_year) or empty for never: R's NetworkInference "
        "wide cascades, `m <- read.csv('adoption_times.csv', colClasses = c(adcode = 'character')); "
        "rownames(m) <- m$adcode; cascades <- as_cascade_wide(as.matrix(m[, -1]))` (every region "
        "is a node: non-adopters are censored), or use cascades.csv with `as_cascade_long(df, "
        "cascade_node_name = 'node', event_time = 'time', cascade_id = 'cascade', node_names = "
        "m$adcode)`; each column is a netdiffuseR time-of-adoption vector (see netdiffuser_edges.csv).",
    ),
    (
        "CITATION.cff",
        "how to cite these data, in the Citation File Format 1.2.0 (GitHub, Zenodo and Zotero read "
        "it): title, version, data id (SHA-256 of the build's graph.nt), abstract, the sources used.",
    ),
    ("CITATION.md", "the same citation, in Chinese and English, with a BibTeX entry."),
    (
        "graph.jsonld",
        "the whole graph as JSON-LD 1.1, compacted with the prefixes of the @context "
        "(fz:, fzid:, skos:, prov:, dcterms:, geo:, …); parses back to the same triples as graph.nt.",
    ),
    (
        "graph.nq",
        "the graph as N-Quads, one named graph per report (graph name = report IRI): the report's "
        "description, its fz:mentions and the fz:Implementation facts derived from it. Shared entities (regions, "
        "programmes, themes, agencies, documents) are in the default graph. The union of all graphs is graph.nt.",
    ),
    ("graph.trig", "the same dataset as graph.nq, in TriG with prefixes."),
)


def pandas_dtypes(name: str) -> dict[str, str]:
    """The documented pandas dtype of every column of table ``name``.

    >>> pandas_dtypes("cascades")
    {'node': 'string', 'cascade': 'string', 'time': 'int64'}
    """
    return {f.name: f.dtype for f in FILES[name].fields}


def read_table(path: Path | str, name: str | None = None) -> pd.DataFrame:
    """Load an exported CSV with its documented dtypes (``name`` defaults to the file stem)."""
    p = Path(path)
    table = name or p.stem.split(".")[0]
    if table == "adoption_times":  # adcode, then one year column per programme id
        frame = pd.read_csv(p, dtype={"adcode": "string"}, keep_default_na=False, na_values=[""],
                            encoding="utf-8")
        return frame.astype({c: "Int64" for c in frame.columns[1:]})
    if table not in FILES:
        from kg.errors import KGError

        raise KGError(f"不是已知的导出表 / not a known export table: {p.name} "
                      f"(known: {', '.join([*FILES, 'adoption_times'])})")
    dtypes = pandas_dtypes(table)
    return pd.read_csv(p, dtype=dtypes, keep_default_na=False, na_values=[""], encoding="utf-8")


def _cell(text: str) -> str:
    r"""Text safe inside a Markdown table cell.

    >>> _cell("a | b")
    'a \\| b'
    """
    return text.replace("|", "\\|")


def dictionary_markdown(present: list[str], *, scope_note: str) -> str:
    """DATA_DICTIONARY.md for the files in ``present`` (file names)."""
    out = [
        "# 数据字典 / Data dictionary",
        "",
        "Exports of a fazhi-kg build (`kg export`). CSV files are UTF-8, comma-separated, with a "
        "header; empty cells are missing values; booleans are `true`/`false`; years are integers "
        "(calendar years). `datapackage.json` describes the same tables for Frictionless readers; in "
        "Python, `kg.export.read_table(path)` loads a table with exactly these dtypes.",
        "",
        f"**Scope of this export**: {scope_note}",
        "",
        "An *adoption* is a (region, programme) pair with at least one `fz:Implementation` fact; its "
        "year is the earliest year of those facts. Plans (`fz:planned true`, “next year we will …”) are "
        "not adoptions unless the export was made with `--include-planned`.",
        "",
        "**Missing is not zero**: a region-year without a report about the region "
        "(`coverage.csv`) has no data. In `panel.csv` such a year before the adoption has empty "
        "`adopted` and `event`; filter `at_risk == 1` and non-empty `event` for a hazard model.",
        "",
        f"**Ties**: {TIE_RULE}",
        "",
        f"**Lapses**: {LAPSE_RULE}",
        "",
        "**Lag**: every exposure column of `panel.csv` at year t counts adoptions in years up to "
        "t − 1 (first_year ≤ t − 1): a one-year lag, so that what is counted preceded the "
        "event it may explain.",
        "",
    ]
    for t in TABLES:
        if t.path not in present:
            continue
        out += [
            f"## `{t.path}`",
            "",
            f"One row = {t.row}. Key: {', '.join(t.key)}.",
            "",
            *([f"**Source and method**: {t.source}", ""] if t.source else []),
            "| column | dtype | unit | meaning |",
            "|---|---|---|---|",
        ]
        out += [f"| `{f.name}` | {f.dtype} | {f.unit} | {_cell(f.description)} |" for f in t.fields]
        out.append("")
    for path, text in OTHER_FILES:
        if path in present:
            out += [f"## `{path}`", "", text, ""]
    return "\n".join(out)


def adoption_times_spec(columns: dict[str, str]) -> TableSpec:
    """The table spec of adoption_times.csv, whose columns are the programme ids written
    (``columns``: id → programme name)."""
    text = dict(OTHER_FILES)["adoption_times.csv"]
    return TableSpec(
        "adoption_times", "adoption_times.csv", text, ("adcode",),
        (_f("adcode", "string", "adcode of the region (every observed region, sorted)"),
         *(_f(pid, "Int64", f"adoption year of {name} (codebook.csv id {pid}); empty: never",
              "calendar year") for pid, name in columns.items())),
    )


def datapackage(present: list[str], *, scope_note: str, extra: tuple[TableSpec, ...] = ()) -> str:
    """datapackage.json (a Frictionless Data Package; the CSVs tabular data resources) for the
    files in ``present``; ``extra`` specs describe tables whose columns vary (adoption_times)."""
    resources = []
    described = {t.path for t in extra}
    for t in (*TABLES, *extra):
        if t.path not in present:
            continue
        resources.append(
            {
                "name": t.name,
                "path": t.path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": f"One row = {t.row}." + (f" {t.source}" if t.source else ""),
                **({"sources": [{"title": t.source.split(". Method")[0].removeprefix("Source: ")}]}
                   if t.source else {}),
                "dialect": {"delimiter": ",", "header": True},
                "schema": {
                    "fields": [
                        {
                            "name": f.name,
                            "type": _FRICTIONLESS[f.dtype],
                            "description": f.description,
                            **({"unit": f.unit} if f.unit else {}),
                            **(
                                {"trueValues": ["true"], "falseValues": ["false"]}
                                if "bool" in f.dtype
                                else {}
                            ),
                            **({"constraints": {"required": True}} if f.dtype in _REQUIRED else {}),
                        }
                        for f in t.fields
                    ],
                    "primaryKey": list(t.key),
                    "missingValues": [""],
                },
            }
        )
    for path, text in OTHER_FILES:
        if path in present and path not in described:
            resources.append({"name": path.replace(".", "-").lower(), "path": path,
                              "description": text})
    pkg = {
        "profile": "data-package",  # graph files beside the tables: not all tabular
        "name": "fazhi-kg-exports",
        "title": "fazhi-kg 法治措施知识图谱 exports",
        "description": scope_note,
        "licenses": [{"name": "MIT"}],
        "resources": resources,
    }
    return json.dumps(pkg, ensure_ascii=False, indent=2) + "\n"
