"""``kg viz``: write the spread view of a build, optionally focused on a programme or region,
or (``--explore NAME``) the graph explorer of one entity."""

from __future__ import annotations

import re
from pathlib import Path

import click

from kg.commands import build_dir_option
from kg.cli import safe
from kg.errors import KGError
from kg.viz.explore import PAGE_KINDS


def _default_file(out: Path, programme: str | None, region: str | None) -> Path:
    if not programme and not region:
        return out / "spread.html"
    slug = "-".join(re.sub(r"[\\/:*?\"<>|\s]+", "_", v) for v in (programme, region) if v)
    return out / f"spread-{slug[:80]}.html"


@click.command("viz")
@click.option("-p", "--programme", metavar="NAME", default=None,
              help="预先选中的措施(名称、别名或 IRI)/ preselect a programme (label, alt label or IRI)")
@click.option("-r", "--region", metavar="NAME", default=None,
              help="预先选中并放大的地区(名称、六位代码或 IRI)/ preselect and zoom to a region "
                   "(name, six-digit code or IRI)")
@click.option("-y", "--year", type=int, default=None,
              help="年份滑块位置(默认最后一年)/ year slider position (default: last year)")
@build_dir_option()
@click.option("-o", "--html", "html_file", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="输出的 HTML 文件(默认 OUT/spread.html 或 OUT/spread-NAME.html)/ "
                                 "HTML file to write (default: OUT/spread.html, or "
                                 "OUT/spread-NAME.html when focused)")
@click.option("-e", "--explore", metavar="NAME", default=None,
              help="改为写出该实体(地区、措施、机关、文件或报告)的关系图,默认 OUT/explore/KIND-HASH.html,"
                   "即扩散图中 ⌖ 链接指向的文件 / write the graph explorer of this region, programme, agency, "
                   "document or report instead (default: OUT/explore/KIND-HASH.html, where the spread "
                   "view's ⌖ links point)")
@click.option("--explore-all", is_flag=True,
              help="写出所有实体的关系图到 OUT/explore/(离线 file:// 使用 ⌖ 链接)/ write the explorer page "
                   "of every entity into OUT/explore/ (the ⌖ links then work offline, from file://)")
@click.option("--kinds", default=",".join(PAGE_KINDS), show_default=True, metavar="KIND,…",
              help="--explore-all 写出的类别 / kinds --explore-all writes: " + ", ".join(PAGE_KINDS))
@click.option("--depth", type=click.IntRange(1, 3), default=2, show_default=True,
              help="关系图的深度 / steps out from the entity in the explorer")
@click.option("--title", default=None, help="页面标题 / page title")
@click.option("--open", "open_page", is_flag=True, help="写完后在浏览器中打开 / open it in a browser")
def command(programme: str | None, region: str | None, year: int | None, out: Path,
            html_file: Path | None, explore: str | None, explore_all: bool, kinds: str, depth: int,
            title: str | None, open_page: bool) -> None:
    """写出措施扩散图 / Write the spread map (one offline HTML file) of a build.

    \b
    例 / examples:
      kg viz                                  # OUT/spread.html, nothing selected
      kg viz -p 枫桥经验                       # 枫桥经验 lit up, coloured by first year
      kg viz -p 枫桥经验 -y 2021 -o fig.html   # the spread up to 2021
      kg viz -r 慈溪市                         # 慈溪市's programmes, agencies, reports
      kg viz --explore 枫桥经验                # its ego network: regions, agencies, reports
      kg viz --explore 330282 --depth 3       # a region by its code, three steps out
      kg viz --explore-all --kinds programme  # every programme's page, for file:// use
    """
    if explore_all:
        _explore_all(out, kinds, depth)
        return
    from kg.store import open_store
    from kg.viz import DEFAULT_TITLE, write_spread

    target = html_file or _default_file(out, programme, region)
    try:
        store = open_store(out)
        if explore:
            from kg.viz.explore import write_explorer

            target = write_explorer(store, explore, html_file, out=out, depth=depth, title=title)
        else:
            write_spread(store, target, title=title or DEFAULT_TITLE, programme=programme,
                         region=region, year=year)
    except KGError as e:
        click.secho(f"错误 / error: {safe(e, newlines=True)}", err=True, fg="red")
        raise SystemExit(2) from e
    click.echo(f"已写出 / written: {safe(target)}")
    if open_page:
        import webbrowser

        webbrowser.open(target.resolve().as_uri())


def _explore_all(out: Path, kinds: str, depth: int) -> None:
    import time

    from kg.store import open_store
    from kg.viz.explore import write_all_explorers

    chosen = tuple(k.strip() for k in kinds.split(",") if k.strip())
    unknown = [k for k in chosen if k not in PAGE_KINDS]
    if unknown or not chosen:
        raise click.BadParameter(f"未知类别 / unknown kinds: {', '.join(unknown) or '(none)'}; "
                                 f"可选 / choose from: {', '.join(PAGE_KINDS)}", param_hint="--kinds")
    started = time.perf_counter()
    try:
        count = write_all_explorers(open_store(out), out, chosen, depth=depth)
    except KGError as e:
        click.secho(f"错误 / error: {safe(e, newlines=True)}", err=True, fg="red")
        raise SystemExit(2) from e
    click.echo(f"已写出 / written: {count} 个关系图 / explorer pages in {safe(out / 'explore')} "
               f"({time.perf_counter() - started:.1f} s)")
