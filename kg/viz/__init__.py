"""spread.html: where each programme was taken up, year by year, on a map of China.

Regions sit at their projected coordinates over simplified province outlines
(no physics), coloured by province and sized by how many programmes they
implemented; programmes live in a side panel grouped by theme. Picking one lights
up the regions that implemented it, coloured by the first year a report says so;
a year slider replays the spread. The page is one self-contained UTF-8 file that
makes no network request.

Modules: :mod:`kg.viz.data` (SPARQL → columns), :mod:`kg.viz.geo` (projection,
outlines), :mod:`kg.viz.page` (HTML), :mod:`kg.viz.synth` (large synthetic graphs
for tests and benchmarks).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.store import write_text
from kg.viz.data import (
    Rows,
    refresh_rows,
    resolve_programme,
    resolve_region,
    spread_data,
    spread_rows,
)
from kg.viz.page import render

__all__ = [
    "DEFAULT_TITLE", "refresh_rows", "resolve_programme", "resolve_region", "spread_data", "spread_rows",
    "write_spread",
]

DEFAULT_TITLE = "法治措施扩散图 · Spread of rule-of-law measures"


def write_spread(
    store: ox.Store, path: Path, *, title: str = DEFAULT_TITLE, programme: str | None = None,
    region: str | None = None, year: int | None = None, rows: Rows | None = None,
) -> dict[str, object]:
    """Write the spread view of the graph in ``store`` to ``path`` (UTF-8, atomically).

    Args:
        store: the build's store (read-only is fine).
        path: the HTML file to write.
        title: page heading.
        programme: preselect this programme (label, alternative label or IRI).
        region: preselect this region (label, six-digit code or IRI) and zoom to it.
        year: put the year slider here (default: the last year).
        rows: the queries' rows when the caller has them (:func:`kg.viz.data.spread_rows`,
            kept up to date by ``kg build --update``); ``store`` is not read then.

    Returns:
        The initial selection as indices (``programme``, ``region``, ``year``).

    Raises:
        KGError: ``programme`` or ``region`` matches nothing, or more than one.
    """
    data = spread_data(store, rows=rows)
    initial: dict[str, object] = {
        "programme": resolve_programme(data, programme) if programme else -1,
        "region": resolve_region(data, region) if region else -1,
        "year": year,
    }
    data["initial"] = initial
    write_text(path, render(data, title=title))
    return initial
