"""Facts derived from one report's own facts, written into the graph so that research
queries read a few rows instead of aggregating every implementation at query time.

Each derived triple depends only on the report it comes from (and the shipped
gazetteer / thesaurus), so ``kg build --update`` keeps them exact the same way it keeps
every other line: by the report's lines and their reference counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rdflib import URIRef

    from kg.gazetteer import Gazetteer
    from kg.types import Extraction

    Triple = tuple


def derived_triples(ext: Extraction, *, report: URIRef, gazetteer: Gazetteer) -> Iterator[Triple]:
    """The derived facts of one report (none yet)."""
    return iter(())
