"""``kg export``: research exports of a build (CSV, cascades, panel, GraphML, JSON-LD, N-Quads).

kg export                                  # everything into output/exports/
kg export --format csv --format graphml    # only some
kg export --out mygraph --to data/ --include-candidates --include-planned
"""

from __future__ import annotations

from pathlib import Path

import click

from kg.commands import build_dir_option, scope_options
from kg.cli import safe
from kg.errors import KGError

_CHOICES = [
    "all",
    "csv",
    "rdf",
    "adoptions",
    "programmes",
    "regions",
    "coverage",
    "hierarchy",
    "neighbours",
    "cascades",
    "adoption_times",
    "netdiffuser",
    "codebook",
    "r",
    "panel",
    "graphml",
    "gexf",
    "jsonld",
    "nquads",
    "nq",
    "trig",
]


@click.command("export")
@build_dir_option()
@click.option(
    "--to",
    "to",
    type=click.Path(path_type=Path),
    default=None,
    help="导出目录 / export folder [default: OUT/exports]",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(_CHOICES, case_sensitive=False),
    default=("all",),
    show_default=True,
    help="导出格式,可重复 / format, repeatable: csv = every CSV table; "
    "rdf = jsonld+nquads+trig; r = cascades+adoption_times+netdiffuser+codebook+panel "
    "(NetworkInference, netdiffuseR, event history)",
)
@scope_options
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="社区发现的随机种子 / seed of the community detection in the GraphML",
)
def command(
    out: Path,
    to: Path | None,
    formats: tuple[str, ...],
    include_candidates: bool,
    include_planned: bool,
    seed: int,
) -> None:
    """导出研究数据 / Write research exports of a build, each documented in DATA_DICTIONARY.md."""
    from kg.export import Scope, export

    try:
        result = export(
            out,
            to=to,
            formats=formats,
            seed=seed,
            scope=Scope(include_candidates=include_candidates, include_planned=include_planned),
        )
    except KGError as e:
        click.secho(f"错误 / error: {safe(e, newlines=True)}", err=True, fg="red")
        raise SystemExit(2) from e
    for name in result.files:
        rows = result.rows.get(name.removesuffix(".csv"))
        click.echo(f"  {safe(name)}" + (f"  ({rows} 行 rows)" if rows is not None else ""))
    click.echo(
        f"完成 / done: {len(result.files)} 个文件 files → {safe(result.folder)}/ "
        f"(数据字典 / data dictionary: DATA_DICTIONARY.md, datapackage.json)"
    )
