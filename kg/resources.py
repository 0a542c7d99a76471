"""Where packaged data lives: the ontology, lexicons and the sample corpus.

In a wheel the ontology sits at ``kg/ontology`` (hatch force-include); in a
source checkout it is the top-level ``ontology/`` folder. Both are found here so
no other module assumes a layout.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
SAMPLE_CORPUS = DATA_DIR / "corpus"


def ontology_dir() -> Path:
    """The folder holding ``fazhi.ttl``, ``programmes.ttl`` and ``shapes.ttl``."""
    for candidate in (PACKAGE_DIR / "ontology", PACKAGE_DIR.parent / "ontology"):
        if (candidate / "fazhi.ttl").is_file():
            return candidate
    from kg.errors import OntologyError

    raise OntologyError(
        "ontology not found (本体文件缺失): expected kg/ontology/ or ./ontology/ with fazhi.ttl"
    )


def data_file(name: str) -> Path:
    """A lexicon or table shipped in ``kg/data``."""
    return DATA_DIR / name


def data_lines(name: str) -> tuple[str, ...]:
    """The entries of a one-per-line lexicon in ``kg/data``: stripped, without blank
    lines and ``#`` comment lines."""
    text = data_file(name).read_text(encoding="utf-8")
    return tuple(x.strip() for x in text.splitlines() if x.strip() and not x.startswith("#"))
