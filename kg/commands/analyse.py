"""``kg analyse``: diffusion analytics of a build, printed and optionally written.

kg analyse                                 # summary of output/
kg analyse --out mygraph --write mygraph/analysis      # + CSV tables and figures/*.png
"""

from __future__ import annotations

from pathlib import Path

import click

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
    except KGError as e:
        click.secho(f"错误 / error: {e}", err=True, fg="red")
        raise SystemExit(2) from e
    click.echo(an.summary(result, top=top))
    if write_to is not None:
        paths = an.write(result, write_to, figures=figures, programme=programme)
        click.echo(f"\n写入 / written: {len(paths)} 个文件 files → {write_to}/")
