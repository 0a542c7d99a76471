"""Map geometry of the spread view: the projection and the province outlines.

Regions and outlines share one projection, an Albers equal-area conic with the
usual parameters for maps of China (standard parallels 25°N and 47°N, central
meridian 105°E), in vis-network units (about 40 units per degree of latitude,
y pointing down). Outlines come from ``kg/data/china_outlines.json`` (see
``kg/data/tools/china_outlines.py`` for their provenance) and reach the page as
SVG path strings that the browser turns into ``Path2D`` objects once.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any

from kg.resources import data_file

__all__ = ["outlines", "project"]

RADIUS = 40 * 180 / math.pi  # units per radian: ~40 units per degree of latitude
_PHI1, _PHI2, _PHI0, _LAMBDA0 = (math.radians(v) for v in (25.0, 47.0, 35.0, 105.0))
_N = (math.sin(_PHI1) + math.sin(_PHI2)) / 2
_C = math.cos(_PHI1) ** 2 + 2 * _N * math.sin(_PHI1)
_RHO0 = math.sqrt(_C - 2 * _N * math.sin(_PHI0)) / _N
# The South China Sea inset: what it shows (lon/lat box) and how much smaller it is.
INSET_SOURCE = ((106.0, 3.0), (123.5, 24.5))
INSET_SCALE = 0.42


def project(lon: float, lat: float) -> tuple[float, float]:
    """Albers equal-area conic for China, in page units (y down).

    >>> project(105.0, 35.0)
    (0.0, 0.0)
    >>> x, y = project(121.47, 31.23)  # Shanghai: east and a little south
    >>> x > 0 and y > 0
    True
    """
    rho = math.sqrt(_C - 2 * _N * math.sin(math.radians(lat))) / _N
    theta = _N * (math.radians(lon) - _LAMBDA0)
    x = RADIUS * rho * math.sin(theta)
    y = RADIUS * (_RHO0 - rho * math.cos(theta))
    return round(x, 1), round(-y, 1) + 0.0


def _decode(encoded: list[int], scale: int) -> list[tuple[float, float]]:
    points, x, y = [], 0, 0
    for i in range(0, len(encoded), 2):
        x, y = (encoded[i], encoded[i + 1]) if i == 0 else (x + encoded[i], y + encoded[i + 1])
        points.append((x / scale, y / scale))
    return points


def _path(points: list[tuple[float, float]], *, closed: bool) -> str:
    """An SVG path of relative integer moves: compact, and Path2D parses it natively."""
    moves: list[str] = []
    start = prev = None
    for lon, lat in points:
        x, y = (round(v) for v in project(lon, lat))
        if prev is None:
            start = (x, y)
        elif (x, y) != prev:
            moves.append(f"{x - prev[0]} {y - prev[1]}")
        prev = (x, y)
    if start is None or not moves:
        return ""  # collapsed to one unit: nothing to draw
    return f"M{start[0]} {start[1]}l" + " ".join(moves) + ("z" if closed else "")


@lru_cache(maxsize=1)
def outlines() -> dict[str, Any]:
    """Projected province outlines, national outline, inset placement (JSON-ready)."""
    raw = json.loads(data_file("china_outlines.json").read_text(encoding="utf-8"))
    scale = raw["scale"]
    provinces = [{
        "code": p["code"], "name": p["name"], "short": p["short"], "colour": p["colour"],
        "label": project(*p["label"]),
        "path": "".join(_path(_decode(r, scale), closed=True) for r in p["rings"]),
    } for p in raw["provinces"]]
    country = "".join(_path(_decode(r, scale), closed=True) for r in raw["country"])
    maritime = "".join(_path(_decode(r, scale), closed=False) for r in raw["maritime"])
    islands = [project(x / scale, y / scale) for x, y in raw["islands"]]
    # the extent of China's outline (73–135°E, 18–53.6°N) in page units
    xs, ys = zip(*(project(lon, lat) for lon in (73, 80, 90, 100, 105, 110, 120, 125, 135)
                   for lat in (18, 40, 53.6)), strict=True)
    (lon0, lat0), (lon1, lat1) = INSET_SOURCE
    corners = [project(lon, lat) for lon in (lon0, (lon0 + lon1) / 2, lon1) for lat in (lat0, lat1)]
    sx0, sx1 = min(c[0] for c in corners), max(c[0] for c in corners)
    sy0, sy1 = min(c[1] for c in corners), max(c[1] for c in corners)
    width, height = (sx1 - sx0) * INSET_SCALE, (sy1 - sy0) * INSET_SCALE
    right, bottom = max(xs), project(122.0, 18.0)[1] + 40
    inset = {"source": [round(sx0), round(sy0), round(sx1 - sx0), round(sy1 - sy0)],
             "box": [round(right - width), round(bottom - height), round(width), round(height)],
             "scale": INSET_SCALE}
    bx, by, bw, bh = inset["box"]
    bounds = [round(min(min(xs), bx)), round(min(min(ys), by)), round(max(max(xs), bx + bw)),
              round(max(max(ys), by + bh))]
    return {"provinces": provinces, "country": country, "bounds": bounds, "maritime": maritime,
            "islands": islands, "inset": inset, "source": raw["source"], "note": raw["note"]}
