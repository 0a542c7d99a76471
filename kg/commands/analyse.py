"""``kg analyse``: diffusion analytics of a build, printed and optionally written.

kg analyse                                 # summary of output/
kg analyse --out mygraph --write mygraph/analysis      # + CSV tables and figures/*.png
"""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli import safe
from kg.commands import build_dir_option, scope_options
from kg.errors import KGError


@click.command("analyse")
@build_dir_option()
@click.option(
    "--write",
    "write_to",
    type=click.Path(path_type=Path),
    default=None,
    help="把表格与图写入此目录 / write tables (CSV) and figures/*.png here",
)
@click.option(
    "--figures/--no-figures",
    default=True,
    show_default=True,
    help="与 --write 一起:是否画图 / with --write: draw the figures",
)
@click.option("--programme", default=None, help="地图上显示的举措 / programme drawn on the map")
@scope_options
@click.option(
    "--seed", type=int, default=0, show_default=True, help="社区发现的随机种子 / community seed"
)
@click.option(
    "--top", type=int, default=10, show_default=True, help="每个表列出的行数 / rows per table"
)
def command(
    out: Path,
    write_to: Path | None,
    figures: bool,
    programme: str | None,
    include_candidates: bool,
    include_planned: bool,
    seed: int,
    top: int,
) -> None:
    """扩散分析 / Adoption curves, hierarchy order, exposure, co-adoption communities, centrality."""
    import kg.analyse as an
    from kg.export import Scope

    try:
        result = an.analyse(
            out,
            seed=seed,
            scope=Scope(include_candidates=include_candidates, include_planned=include_planned),
        )
        if programme is not None:
            programme = _programme_in(out, programme, set(result.tables.programmes["programme"]))
    except KGError as e:
        click.secho(f"错误 / error: {safe(e, newlines=True)}", err=True, fg="red")
        raise SystemExit(2) from e
    import pandas as pd

    with pd.option_context("display.unicode.east_asian_width", True):  # CJK columns line up
        click.echo(safe(an.summary(result, top=top), newlines=True))
    if write_to is not None:
        paths = an.write(result, write_to, figures=figures, programme=programme)
        click.echo(f"\n写入 / written: {len(paths)} 个文件 files → {safe(write_to)}/")


def _programme_in(out: Path, name: str, labels: set[str]) -> str:
    """The preferred label of the programme ``name`` (a label or an alternative label)
    among the analysed ``labels``; :class:`UnknownNameError` with the closest names."""
    from kg.errors import UnknownNameError
    from kg.names import UnknownName, close_names, known_names, preferred_label
    from kg.store import open_store

    if name in labels:
        return name
    store = open_store(out)
    label = preferred_label(store, name)
    if label in labels:
        return label  # type: ignore[return-value]
    if label is not None or name in known_names(store, "programme"):
        raise UnknownNameError(
            f"举措 / programme “{name}” 不在分析范围内 / is not in the analysed scope (a candidate "
            "programme? add --include-candidates)")
    unknown = UnknownName("programme", name, tuple(close_names(name, labels)))
    raise UnknownNameError(unknown.message(), [unknown])
