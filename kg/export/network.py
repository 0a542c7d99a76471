"""Networks of adoption: region–programme, programme co-adoption, region precedence.

All graphs are built from the adoption table with nodes and edges inserted in
sorted order, so layouts, communities and centralities are reproducible.
"""

from __future__ import annotations

from itertools import combinations

import networkx as nx
import numpy as np
import pandas as pd

__all__ = [
    "bipartite_graph",
    "pagerank",
    "coadoption_graph",
    "communities",
    "precedence_graph",
    "programme_centrality",
    "region_centrality",
]


def _clean(attrs: dict[str, object]) -> dict[str, object]:
    """Attributes GraphML can hold: no None/NA, numpy scalars as Python values."""
    out: dict[str, object] = {}
    for k, v in attrs.items():
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            continue
        out[k] = v.item() if hasattr(v, "item") else v
    return out


def pagerank(
    g: nx.Graph | nx.DiGraph,
    *,
    weight: str = "weight",
    alpha: float = 0.85,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> dict[str, float]:
    """Weighted PageRank by power iteration, without SciPy (networkx's own needs it).

    Dangling nodes spread their rank uniformly, as in ``nx.pagerank``.

    >>> r = pagerank(nx.DiGraph([("a", "b"), ("c", "b")]))
    >>> max(r, key=r.get), round(sum(r.values()), 6)
    ('b', 1.0)
    """
    nodes = list(g)
    n = len(nodes)
    if n == 0:
        return {}
    out_w = {u: sum(d.get(weight, 1) for _, _, d in g.edges(u, data=True)) for u in nodes}
    rank = dict.fromkeys(nodes, 1.0 / n)
    for _ in range(max_iter):
        dangling = alpha * sum(rank[u] for u in nodes if out_w[u] == 0) / n
        new = dict.fromkeys(nodes, (1.0 - alpha) / n + dangling)
        for u in nodes:
            if out_w[u] == 0:
                continue
            share = alpha * rank[u] / out_w[u]
            for _, v, d in g.edges(u, data=True):
                new[v] += share * d.get(weight, 1)
        if sum(abs(new[u] - rank[u]) for u in nodes) < n * tol:
            return new
        rank = new
    return rank


def _programme_nodes(adoptions: pd.DataFrame) -> dict[str, dict[str, object]]:
    nodes = {}
    for prog, a in adoptions.groupby("programme", sort=True):
        nodes[f"p:{prog}"] = _clean(
            {
                "kind": "programme",
                "label": prog,
                "theme": a["theme"].iloc[0],
                "theme_id": a["theme_id"].iloc[0],
                "curated": bool(a["curated"].iloc[0]),
                "first_year": int(a["first_year"].min()),
                "adopt_count": int(a["adcode"].nunique()),
            }
        )
    return nodes


def bipartite_graph(adoptions: pd.DataFrame, regions: pd.DataFrame) -> nx.Graph:
    """Region and programme nodes (ids ``r:ADCODE``, ``p:NAME``); an edge per adoption.

    Edge attributes: ``year`` (first year), ``last_year``, ``n_reports``, ``weight`` (1).
    """
    g = nx.Graph(name="region–programme adoptions")
    n_progs = adoptions.groupby("adcode")["programme"].nunique()
    for r in regions.sort_values("adcode").itertuples(index=False):
        g.add_node(
            f"r:{r.adcode}",
            **_clean(
                {
                    "kind": "region",
                    "label": r.region,
                    "adcode": r.adcode,
                    "level": r.level,
                    "prefecture": r.prefecture,
                    "province": r.province,
                    "lon": r.lon,
                    "lat": r.lat,
                    "first_report_year": r.first_report_year,
                    "last_report_year": r.last_report_year,
                    "n_programmes": int(n_progs.get(r.adcode, 0)),
                }
            ),
        )
    g.add_nodes_from(_programme_nodes(adoptions).items())
    for a in adoptions.sort_values(["adcode", "programme"]).itertuples(index=False):
        g.add_edge(
            f"r:{a.adcode}",
            f"p:{a.programme}",
            year=int(a.first_year),
            last_year=int(a.last_year),
            n_reports=int(a.n_reports),
            weight=1,
        )
    return g


def coadoption_graph(adoptions: pd.DataFrame, *, min_weight: int = 1) -> nx.Graph:
    """Programmes linked when regions adopted both.

    Edge ``weight``: regions adopting both; ``jaccard``: weight / regions adopting
    either; ``first_year``: the earliest year some region had adopted both.
    Edges lighter than ``min_weight`` are left out; every programme stays a node.
    """
    g = nx.Graph(name="programme co-adoption")
    g.add_nodes_from(_programme_nodes(adoptions).items())
    adopters = {p: set(a["adcode"]) for p, a in adoptions.groupby("programme", sort=True)}
    year = {(r.adcode, r.programme): int(r.first_year) for r in adoptions.itertuples(index=False)}
    pairs: dict[tuple[str, str], list[int]] = {}
    for code, a in adoptions.groupby("adcode", sort=True):
        for p, q in combinations(sorted(a["programme"]), 2):
            pairs.setdefault((p, q), []).append(max(year[(code, p)], year[(code, q)]))
    for (p, q), years in sorted(pairs.items()):
        if len(years) >= min_weight:
            g.add_edge(
                f"p:{p}",
                f"p:{q}",
                weight=len(years),
                jaccard=round(len(years) / len(adopters[p] | adopters[q]), 6),
                first_year=min(years),
            )
    return g


def communities(
    g: nx.Graph, *, seed: int = 0, resolution: float = 1.0, weight: str = "weight"
) -> dict[str, int]:
    """Louvain communities (weighted, seeded): node → community number.

    ``weight`` is the edge attribute used: ``"weight"`` (regions adopting both; popular
    programmes pull harder) or ``"jaccard"`` (overlap relative to either's adopters,
    which discounts popularity). Communities are numbered by size (largest 0), ties by their first node id, so
    the numbering is stable across runs and platforms. Isolated nodes form their
    own singleton communities.
    """
    if g.number_of_nodes() == 0:
        return {}
    found = nx.community.louvain_communities(g, weight=weight, resolution=resolution, seed=seed)
    ordered = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
    return {node: i for i, c in enumerate(ordered) for node in c}


def programme_centrality(g: nx.Graph, *, seed: int = 0) -> pd.DataFrame:
    """Per programme of a co-adoption graph: degree, strength, PageRank, betweenness, community."""
    comm = communities(g, seed=seed)
    if g.number_of_nodes() == 0:
        return pd.DataFrame(
            columns=[
                "programme",
                "theme",
                "adopt_count",
                "degree",
                "strength",
                "pagerank",
                "betweenness",
                "community",
            ]
        )
    ranks = pagerank(g, weight="weight")
    # distance = 1 / weight: strong co-adoption ties are short paths
    dist = {(u, v): 1.0 / d["weight"] for u, v, d in g.edges(data=True)}
    nx.set_edge_attributes(h := g.copy(), dist, "distance")
    between = nx.betweenness_centrality(h, weight="distance", normalized=True)
    rows = [
        {
            "programme": d["label"],
            "theme": d.get("theme"),
            "adopt_count": d["adopt_count"],
            "degree": g.degree(n),
            "strength": g.degree(n, weight="weight"),
            "pagerank": ranks[n],
            "betweenness": between[n],
            "community": comm[n],
        }
        for n, d in g.nodes(data=True)
    ]
    return pd.DataFrame(rows).sort_values(
        ["pagerank", "programme"], ascending=[False, True], ignore_index=True
    )


def precedence_graph(adoptions: pd.DataFrame) -> nx.DiGraph:
    """Directed region graph: an edge A → B when A adopted a programme strictly before B.

    ``weight`` counts the programmes on which A preceded B; ``programmes`` lists them.
    A crude, assumption-free stand-in for a NetInf diffusion network.
    """
    g = nx.DiGraph(name="adoption precedence")
    g.add_nodes_from(sorted(adoptions["adcode"].unique()))
    edges: dict[tuple[str, str], list[str]] = {}
    for prog, a in adoptions.groupby("programme", sort=True):
        rows = sorted(zip(a["first_year"], a["adcode"], strict=True))
        for (y1, c1), (y2, c2) in combinations(rows, 2):
            if y1 < y2:
                edges.setdefault((c1, c2), []).append(prog)
    for (u, v), progs in sorted(edges.items()):
        g.add_edge(u, v, weight=len(progs), programmes="; ".join(progs))
    return g


MAX_PAIRS = 5_000_000


def _led_followed(adoptions: pd.DataFrame) -> tuple[dict[str, int], dict[str, int]]:
    """Per region: (programme, later adopter) pairs it led, and (programme, earlier adopter)
    pairs it followed."""
    led: dict[str, int] = {}
    followed: dict[str, int] = {}
    for _, a in adoptions.groupby("programme", sort=True):
        years = np.sort(a["first_year"].to_numpy())
        n = len(years)
        for code, y in zip(a["adcode"], a["first_year"], strict=True):
            led[code] = led.get(code, 0) + n - int(np.searchsorted(years, y, side="right"))
            followed[code] = followed.get(code, 0) + int(np.searchsorted(years, y, side="left"))
    return led, followed


def region_centrality(adoptions: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Per region: programmes adopted, how often it led or followed, leadership PageRank.

    ``led`` counts (programme, region) pairs where this region adopted strictly
    earlier; ``followed`` the reverse. ``leadership`` is PageRank on the
    precedence graph with edges reversed (follower → leader), so rank flows to
    regions that adopted first, weighted by how many programmes they led on; it is
    left empty (NaN) when the graph would exceed ``MAX_PAIRS`` ordered pairs.
    ``coadoption_degree`` counts regions sharing at least one programme.
    """
    sizes = adoptions.groupby("programme")["adcode"].nunique()
    small = int((sizes * (sizes - 1) // 2).sum()) <= MAX_PAIRS
    led, followed = _led_followed(adoptions)
    leadership: dict[str, float] = {}
    shared = nx.Graph()
    if small:
        prec = precedence_graph(adoptions)
        leadership = pagerank(prec.reverse(copy=True), weight="weight")
        for _, a in adoptions.groupby("programme", sort=True):
            shared.add_edges_from(combinations(sorted(a["adcode"].unique()), 2))
    counts = adoptions.groupby("adcode").agg(
        n_programmes=("programme", "nunique"), mean_first_year=("first_year", "mean")
    )
    rows = []
    for r in regions.sort_values("adcode").itertuples(index=False):
        if r.adcode not in counts.index:
            continue
        rows.append(
            {
                "adcode": r.adcode,
                "region": r.region,
                "level": r.level,
                "province": r.province,
                "n_programmes": int(counts.at[r.adcode, "n_programmes"]),
                "mean_first_year": float(counts.at[r.adcode, "mean_first_year"]),
                "led": led.get(r.adcode, 0),
                "followed": followed.get(r.adcode, 0),
                "leadership": leadership.get(r.adcode, 0.0) if small else float("nan"),
                "coadoption_degree": (shared.degree(r.adcode) if r.adcode in shared else 0)
                if small
                else -1,
            }
        )
    cols = [
        "adcode",
        "region",
        "level",
        "province",
        "n_programmes",
        "mean_first_year",
        "led",
        "followed",
        "leadership",
        "coadoption_degree",
    ]
    return pd.DataFrame(rows, columns=cols).sort_values(
        ["leadership", "adcode"], ascending=[False, True], ignore_index=True
    )
