"""SHACL in a build: which reports are validated (the whole graph up to
``FULL_VALIDATION_REPORTS`` reports, else a sample of report subgraphs plus the shared
nodes), and validation of a report's subgraph, of lines and of a graph file."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from kg import gazetteer as gaz

ValidateMode = Literal["auto", "full", "sample", "none"]
FULL_VALIDATION_REPORTS = 300  # up to this many reports the whole graph goes through pyshacl
VALIDATION_SAMPLE = (20, 100)  # beyond it, 1% of the report subgraphs, at least 20, at most 100


def choose(validate: ValidateMode, files: int) -> tuple[str, int]:
    """The validation mode for ``files`` inputs and, in ``sample`` mode, the stride of the
    sampled ones (every stride-th input is validated in its worker)."""
    mode = validate
    if mode == "auto":
        mode = "full" if files <= FULL_VALIDATION_REPORTS else "sample"
    low, high = VALIDATION_SAMPLE
    return mode, max(1, files // min(high, max(low, files // 100)))


def validate_report(lines: list[str], codes: tuple[str, ...]) -> list[str]:
    """SHACL over one report's subgraph: its lines, its divisions, its curated programmes."""
    from rdflib import Graph

    from kg.graph import division_lines
    from kg.validate import validate

    programmes = {ln.split(" ", 3)[2] for ln in lines if "/ontology#programme> <" in ln
                  or "/ontology#mentions> <" in ln}
    scheme = [ln for ln in scheme_lines() if ln.split(" ", 1)[0] in programmes]
    text = "\n".join([*lines, *division_lines(codes, gaz.load()), *scheme]) + "\n"
    g = Graph()
    g.parse(data=text, format="nt")
    return validate(g)


def validate_reports(reports: list[tuple[str, list[str], tuple[str, ...]]]) -> dict[str, list[str]]:
    """SHACL over several reports' subgraphs (by key): one run over their union, and only if
    that finds violations, one run per report to tell whose they are."""
    if not reports:
        return {}
    lines = sorted({ln for _, report, _ in reports for ln in report})
    codes = tuple(sorted({c for _, _, report_codes in reports for c in report_codes}))
    if not validate_report(lines, codes):
        return {key: [] for key, _, _ in reports}
    return {key: validate_report(report, report_codes) for key, report, report_codes in reports}


@cache
def scheme_lines() -> list[str]:
    """The curated scheme's lines (shared by every build)."""
    from kg.graph import scheme_lines as lines

    return lines()


def validate_lines(lines: list[str]) -> list[str]:
    """SHACL over N-Triples ``lines``."""
    from rdflib import Graph

    from kg.validate import validate as shacl

    g = Graph()
    g.parse(data="\n".join(lines) + "\n", format="nt")
    return shacl(g)


def validate_file(nt_path: Path) -> list[str]:
    """SHACL over an N-Triples file."""
    from rdflib import Graph

    from kg.validate import validate

    g = Graph()
    g.parse(nt_path, format="nt")
    return validate(g)
