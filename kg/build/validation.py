"""SHACL in a build: which reports are validated, and validation of a report's subgraph,
of lines and of a graph file.

The policy, the same for a clean build and ``--update``:

- up to ``FULL_VALIDATION_REPORTS`` inputs, the whole graph goes through pyshacl;
- beyond, a sample of report subgraphs (each with its divisions and curated programmes)
  plus the shared nodes. The sample is 1% of the inputs, at least 20 and at most 100
  (``VALIDATION_SAMPLE``: :func:`sample_rate`), and a report is in it or not by its source
  name alone (:func:`sampled`: a hash of the name below the rate), not by its place among
  the inputs. So a clean build and an update of the same inputs sample the same reports:
  an update validates those of its changed reports that a clean build would, and carries
  the others' violations over;
- and an update validates at least ``UPDATE_SAMPLE_MIN`` of its changed reports (all of
  them when there are fewer; spread evenly over them), so an update of a few reports always
  checks them. These extra checks are the only way an update's violations can differ from
  a clean build's (it may report more, never fewer, for the same inputs).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Literal

from kg import gazetteer as gaz

ValidateMode = Literal["auto", "full", "sample", "none"]
FULL_VALIDATION_REPORTS = 300  # up to this many reports the whole graph goes through pyshacl
VALIDATION_SAMPLE = (20, 100)  # beyond it, 1% of the report subgraphs, at least 20, at most 100
UPDATE_SAMPLE_MIN = 5  # an update validates at least this many of its changed reports


def choose(validate: ValidateMode, files: int) -> tuple[str, float]:
    """The validation mode for ``files`` inputs and, in ``sample`` mode, the share of the
    reports sampled (:func:`sample_rate`; 0.0 in the other modes)."""
    mode = validate
    if mode == "auto":
        mode = "full" if files <= FULL_VALIDATION_REPORTS else "sample"
    return mode, sample_rate(files) if mode == "sample" else 0.0


def sample_rate(files: int) -> float:
    """The share of ``files`` inputs whose subgraphs are validated in ``sample`` mode: 1%,
    at least ``VALIDATION_SAMPLE[0]`` reports and at most ``VALIDATION_SAMPLE[1]``."""
    low, high = VALIDATION_SAMPLE
    return min(1.0, min(high, max(low, files // 100)) / max(1, files))


def sampled(source: str, rate: float) -> bool:
    """Whether the report named ``source`` is in a sample of ``rate`` (its name's hash, as a
    fraction of 2**64, below the rate): the same answer in every build of the inputs."""
    digest = hashlib.blake2b(source.encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return int.from_bytes(digest, "big") < rate * 2.0 ** 64


def update_sample(changed: list[tuple[str, str]], rate: float) -> list[str]:
    """Of an update's changed reports (key, source; in key order), the keys to validate:
    those :func:`sampled` at ``rate``, and others spread evenly over the list until there
    are ``UPDATE_SAMPLE_MIN`` (or all of them)."""
    chosen = {key for key, source in changed if sampled(source, rate)}
    want = min(len(changed), UPDATE_SAMPLE_MIN)
    if len(chosen) < want:
        step = len(changed) / want
        for k in range(want):
            if len(chosen) >= want:
                break
            chosen.add(changed[int(k * step)][0])
    return [key for key, _ in changed if key in chosen]


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
