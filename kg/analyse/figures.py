"""Matplotlib figures of the diffusion analytics, legible with Chinese labels.

Every function returns a ``Figure`` and, given ``path``, saves it as PNG
(150 dpi). :func:`use_cjk_font` picks an installed CJK font (Debian's
``fonts-noto-cjk`` gives Noto Sans CJK SC); without one, Chinese falls back to
boxes but nothing fails.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import networkx as nx
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

__all__ = [
    "CJK_FONTS",
    "plot_adoptions_by_year",
    "plot_coadoption",
    "plot_curves",
    "plot_exposure",
    "plot_hierarchy",
    "plot_map",
    "use_cjk_font",
]

log = logging.getLogger(__name__)
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
)
TIER_STYLE = {
    "national": ("#7b3294", "D", "中央文件 national doc"),
    "province": ("#c2a5cf", "s", "省 province"),
    "prefecture": ("#a6dba0", "^", "地级 prefecture"),
    "county": ("#008837", "o", "县级 county"),
}
DPI = 150
MAP_LABELS = 8


def use_cjk_font() -> str | None:
    """Make matplotlib draw Chinese: the first installed font of :data:`CJK_FONTS`, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            plt.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
            plt.rcParams["font.family"] = "sans-serif"
            plt.rcParams["axes.unicode_minus"] = False
            return name
    log.warning("no CJK font found (install fonts-noto-cjk); Chinese labels will show as boxes")
    return None


def _short(text: str, limit: int = 12) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis.

    >>> _short("党政主要负责人履行推进法治建设第一责任人职责", 6)
    '党政主要负…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _save(fig: Figure, path: Path | str | None) -> Figure:
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=DPI, bbox_inches="tight", facecolor="white")
    return fig


def _empty(ax: plt.Axes, text: str) -> None:
    ax.text(
        0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=11, color="#555"
    )
    ax.set_xticks([])
    ax.set_yticks([])


def plot_curves(
    curves: pd.DataFrame,
    *,
    top: int = 8,
    share: bool = False,
    path: Path | str | None = None,
    title: str | None = None,
) -> Figure:
    """Small multiples: new adopters per year (bars) and cumulative adopters (step line).

    One panel per programme, the ``top`` programmes with the most adopters first;
    ``share=True`` plots the cumulative share of observed regions instead of counts.
    """
    if curves.empty:
        fig, ax = plt.subplots(figsize=(8, 3))
        _empty(ax, "没有采用记录 / no adoptions")
        return _save(fig, path)
    final = curves.sort_values("year").groupby("programme")["cumulative"].last()
    chosen = list(final.sort_values(ascending=False, kind="stable").index[:top])
    ncols = min(4, len(chosen))
    nrows = -(-len(chosen) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(2.9 * ncols, 2.4 * nrows + 0.6),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    col = "share" if share else "cumulative"
    years = (int(curves["year"].min()), int(curves["year"].max()))
    for ax, prog in zip(axes.flat, chosen, strict=False):
        c = curves[curves["programme"] == prog].sort_values("year")
        if not share:
            ax.bar(c["year"], c["new"], color="#9ecae1", width=0.6, label="当年新增 / new")
        ax.step(
            c["year"],
            c[col],
            where="post",
            color="#08519c",
            marker="o",
            markersize=3.5,
            linewidth=1.8,
            label="累计 / cumulative",
        )
        ax.set_title(_short(prog, 14), fontsize=9.5)
        ax.set_xlim(years[0] - 0.6, years[1] + 0.6)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=5))
        if not share:
            ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    for ax in list(axes.flat)[len(chosen) :]:
        ax.set_visible(False)
    axes[0][0].legend(fontsize=7, loc="upper left", frameon=False)
    fig.supxlabel("年份 / year", fontsize=10)
    fig.supylabel(
        "累计采用比例 / cumulative share" if share else "采用地区数 / regions", fontsize=10
    )
    fig.suptitle(
        title or f"采用曲线(采用最多的 {len(chosen)} 项)/ adoption curves, top {len(chosen)}",
        fontsize=12,
    )
    fig.tight_layout()
    return _save(fig, path)


def plot_adoptions_by_year(adoptions: pd.DataFrame, *, path: Path | str | None = None) -> Figure:
    """New adoptions per year, stacked by theme."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if adoptions.empty:
        _empty(ax, "没有采用记录 / no adoptions")
        return _save(fig, path)
    counts = (
        adoptions.assign(theme=adoptions["theme"].fillna("候选 candidate"))
        .groupby(["first_year", "theme"])
        .size()
        .unstack(fill_value=0)
        .sort_index()
    )
    counts = counts[counts.sum().sort_values(ascending=False).index]
    bottom = pd.Series(0, index=counts.index)
    for i, theme in enumerate(counts.columns):
        ax.bar(
            counts.index,
            counts[theme],
            bottom=bottom,
            label=theme,
            color=plt.cm.tab20(i % 20),
            width=0.7,
        )
        bottom += counts[theme]
    ax.set_xlabel("首次采用年份 / first year")
    ax.set_ylabel("新采用 / new adoptions")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_title("每年新采用(按主题)/ new adoptions per year, by theme")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def plot_hierarchy(tiers: pd.DataFrame, *, top: int = 25, path: Path | str | None = None) -> Figure:
    """First year per tier (national document, province, prefecture, county) of each programme.

    Programmes seen at two tiers or more come first; then the earliest.
    """
    data = tiers.copy()
    year_cols = [f"{t}_year" for t in TIER_STYLE]
    data["n_tiers"] = data[year_cols].notna().sum(axis=1)
    data["start"] = data[year_cols].min(axis=1)
    data = data.sort_values(["n_tiers", "start", "programme"], ascending=[False, True, True]).head(
        top
    )
    fig, ax = plt.subplots(figsize=(8, 0.32 * max(len(data), 4) + 1.4))
    if data.empty:
        _empty(ax, "没有采用记录 / no adoptions")
        return _save(fig, path)
    ys = range(len(data))[::-1]
    for y, (_, row) in zip(ys, data.iterrows(), strict=True):
        xs = [row[c] for c in year_cols if pd.notna(row[c])]
        if len(xs) > 1:
            ax.plot([min(xs), max(xs)], [y, y], color="#bbb", linewidth=1.2, zorder=1)
    offsets = {"national": -0.18, "province": -0.06, "prefecture": 0.06, "county": 0.18}
    for tier, (colour, marker, label) in TIER_STYLE.items():
        col = f"{tier}_year"
        pts = [
            (row[col] + offsets[tier], y)
            for y, (_, row) in zip(ys, data.iterrows(), strict=True)
            if pd.notna(row[col])
        ]
        if pts:
            ax.scatter(
                *zip(*pts, strict=True),
                color=colour,
                marker=marker,
                s=46,
                label=label,
                edgecolor="#333",
                linewidth=0.5,
                zorder=3,
            )
    all_years = data[year_cols].stack()
    ax.set_xlim(float(all_years.min()) - 1, float(all_years.max()) + 1)
    ax.set_yticks(list(ys))
    ax.set_yticklabels([_short(p, 16) for p in data["programme"]], fontsize=8)
    if int(data["n_tiers"].max()) < 2:
        ax.text(
            0.5,
            1.0,
            "样本中每项举措只见于一个层级 / every programme seen at one tier only",
            transform=ax.transAxes,
            ha="center",
            va="bottom",
            fontsize=8,
            color="#a00",
        )
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlabel("首次采用年份 / first year at the tier")
    ax.set_title("自上而下还是自下而上?/ order of adoption down the hierarchy", pad=16)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return _save(fig, path)


def plot_exposure(summary: pd.DataFrame, *, path: Path | str | None = None) -> Figure:
    """Adoption hazard (events / region-years at risk) by exposure bucket, per covariate."""
    covariates = ["peer_exposure", "neighbour_exposure", "ancestor_adopted"]
    titles = {
        "peer_exposure": "同一上级的同级地区 / same-parent peers",
        "neighbour_exposure": "接壤地区 / boundary neighbours",
        "ancestor_adopted": "上级已采用 / ancestor adopted",
    }
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.8))
    top = float(summary["hazard"].max()) if summary["hazard"].notna().any() else 1.0
    for ax, cov in zip(axes, covariates, strict=True):
        s = summary[summary["covariate"] == cov]
        ax.set_title(titles[cov], fontsize=10)
        if s.empty or s["at_risk"].sum() == 0:
            _empty(ax, "无可观测的同伴\nno observed peers")
            continue
        bars = ax.bar(s["bucket"], s["hazard"], color="#4477aa", width=0.6)
        for bar, (_, r) in zip(bars, s.iterrows(), strict=True):
            ax.annotate(
                f"{int(r['events'])}/{int(r['at_risk'])}",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=8,
            )
        ax.set_xlabel("上一年暴露 / exposure at t − 1")
        ax.set_ylim(0, top * 1.18)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("采用风险 / hazard (events ÷ at-risk years)")
    fig.suptitle("邻近效应 / neighbourhood exposure and adoption", fontsize=12)
    fig.tight_layout()
    return _save(fig, path)


def plot_coadoption(
    g: nx.Graph,
    communities: dict[str, int],
    *,
    top: int = 30,
    seed: int = 0,
    path: Path | str | None = None,
) -> Figure:
    """The ``top`` programmes by co-adoption strength, coloured by community, sized by adopters.

    Only ties shared by at least two regions are drawn (when any exist), so the
    picture shows structure rather than every single region's clique.
    """
    fig, ax = plt.subplots(figsize=(10, 8))
    if g.number_of_edges() == 0:
        _empty(ax, "没有共同采用 / no co-adoption")
        return _save(fig, path)
    min_w = 2 if any(d["weight"] >= 2 for _, _, d in g.edges(data=True)) else 1
    strong = nx.Graph([(u, v, d) for u, v, d in g.edges(data=True) if d["weight"] >= min_w])
    strength = dict(strong.degree(weight="weight"))
    keep = sorted(strong, key=lambda n: (-strength[n], n))[:top]
    h = strong.subgraph(keep).copy()
    h.remove_nodes_from([n for n in list(h) if h.degree(n) == 0])
    for n in h:
        h.nodes[n].update(g.nodes[n])
    pos = nx.spring_layout(
        h, weight="weight", seed=seed, k=2.2 / max(len(h), 1) ** 0.5, iterations=300
    )
    weights = [d["weight"] for _, _, d in h.edges(data=True)]
    wmax = max(weights) if weights else 1
    nx.draw_networkx_edges(
        h,
        pos,
        ax=ax,
        width=[0.4 + 2.6 * (w / wmax) ** 2 for w in weights],
        alpha=0.35,
        edge_color="#888",
    )
    colours = [plt.cm.tab10(communities.get(n, 0) % 10) for n in h]
    most = max(h.nodes[n].get("adopt_count", 1) for n in h)
    sizes = [80 + 520 * h.nodes[n].get("adopt_count", 1) / most for n in h]
    nx.draw_networkx_nodes(
        h, pos, ax=ax, node_color=colours, node_size=sizes, edgecolors="#333", linewidths=0.5
    )
    for n, (x, y) in pos.items():
        ax.annotate(
            _short(h.nodes[n]["label"]),
            (x, y),
            xytext=(0, -11),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=7.5,
            bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.75},
        )
    for c in sorted({communities.get(n, 0) for n in h}):
        ax.scatter([], [], color=plt.cm.tab10(c % 10), label=f"社区 community {c}")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1), frameon=False)
    ax.set_title(
        f"举措共同采用网络(前 {len(h)} 项;连线 = 至少 {min_w} 个地区同时采用)\n"
        f"programme co-adoption: top {len(h)}, ties shared by ≥ {min_w} regions",
        fontsize=11,
    )
    ax.margins(0.08)
    ax.axis("off")
    return _save(fig, path)


def _outlines() -> list[list[tuple[float, float]]]:
    """Province rings (lon, lat) from ``kg/data/china_outlines.json``, or [] if unavailable."""
    try:
        from kg.resources import data_file

        raw = json.loads(data_file("china_outlines.json").read_text(encoding="utf-8"))
        scale = raw["scale"]
        rings = []
        for prov in raw["provinces"]:
            for enc in prov["rings"]:
                pts, x, y = [], 0, 0
                for i in range(0, len(enc), 2):
                    x, y = (enc[i], enc[i + 1]) if i == 0 else (x + enc[i], y + enc[i + 1])
                    pts.append((x / scale, y / scale))
                rings.append(pts)
        return rings
    except (OSError, KeyError, TypeError, ValueError, IndexError):
        return []


def plot_map(
    regions: pd.DataFrame,
    adoptions: pd.DataFrame,
    programme: str,
    *,
    path: Path | str | None = None,
) -> Figure:
    """Observed regions on a map: coloured by the year they adopted ``programme``, else grey.

    With more than 30 regions, markers shrink and only the first ``MAP_LABELS`` adopters
    are labelled.
    """
    fig, ax = plt.subplots(figsize=(8, 6.4))
    for ring in _outlines():
        xs, ys = zip(*ring, strict=True)
        ax.plot(xs, ys, color="#999", linewidth=0.5, zorder=1)
    a = adoptions[adoptions["programme"] == programme].set_index("adcode")["first_year"]
    pts = regions.dropna(subset=["lon", "lat"]).assign(year=lambda r: r["adcode"].map(a))
    dense = len(pts) > 30
    never = pts[pts["year"].isna()]
    ax.scatter(
        never["lon"],
        never["lat"],
        s=16 if dense else 40,
        color="#ddd",
        edgecolor="#777",
        linewidth=0.6,
        zorder=2,
        label="未见采用 / not seen",
    )
    done = pts[pts["year"].notna()]
    title = f"{programme}:在哪里、何时 / where and when"
    if not done.empty:
        sc = ax.scatter(
            done["lon"],
            done["lat"],
            c=done["year"].astype(float),
            cmap="viridis_r",
            s=22 if dense else 70,
            edgecolor="#222",
            linewidth=0.5 if dense else 0.6,
            zorder=3,
            vmin=float(done["year"].min()) - 0.5,
            vmax=float(done["year"].max()) + 0.5,
        )
        cb = fig.colorbar(sc, ax=ax, shrink=0.6, label="首次采用年份 / first year")
        cb.locator = matplotlib.ticker.MaxNLocator(integer=True)
        cb.update_ticks()
        shown = done.sort_values(["year", "adcode"]).head(MAP_LABELS) if dense else done
        if len(shown) < len(done):
            title += f"\n(标注最早的 {len(shown)} 个 / the first {len(shown)} adopters labelled)"
        for r in shown.itertuples(index=False):
            ax.annotate(
                f"{r.region} {int(r.year)}",
                (r.lon, r.lat),
                xytext=(5, 4),
                textcoords="offset points",
                fontsize=8,
                zorder=4,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
            )
    ax.set_xlim(73, 136)
    ax.set_ylim(17, 54)
    ax.set_aspect(1.2)
    ax.set_xlabel("经度 / longitude °E")
    ax.set_ylabel("纬度 / latitude °N")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower left")
    return _save(fig, path)
