"""``kg builds``: the builds kept in an output folder, and restoring the previous one.

    kg builds                         # output/.builds: the live build and the previous one
    kg builds --restore 20261207T09   # make that build live again (an id or its start)
"""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli import safe
from kg.commands import build_dir_option
from kg.errors import KGError


@click.command("builds")
@build_dir_option()
@click.option("--restore", "restore_id", metavar="ID", default=None,
              help="恢复此构建为当前构建 / make this kept build live again (its id or a unique start)")
def command(out: Path, restore_id: str | None) -> None:
    """列出保留的构建并可恢复 / List the builds kept in OUT/.builds; restore one.

    Each `kg build` keeps the build it replaces, so a build replaced by mistake
    (other inputs, a wrong folder) can be made live again in one step; the
    build live before the restore is kept in turn.
    """
    from kg import outputs

    try:
        if restore_id is not None:
            chosen = outputs.restore(out, restore_id)
            click.echo(f"已恢复 / restored: {safe(chosen.id)} 为当前构建 / is live in {safe(out)}/")
        kept = outputs.builds(out)
    except KGError as e:
        click.secho(f"错误 / error: {safe(e, newlines=True)}", err=True, fg="red")
        raise SystemExit(2) from e
    if not kept:
        click.echo(f"{safe(out)}: 没有保留的构建 / no builds kept here (run `kg build --out {safe(out)}`)")
        return
    click.echo(f"构建 / builds in {safe(out)}/.builds, 当前在前 / live first:")
    for b in kept:
        mark = "*" if b.live else " "
        state = "当前 / live" if b.live else ("可恢复 / restorable" if b.complete else "未完成 / incomplete")
        reports = "?" if b.reports is None else str(b.reports)
        inputs = outputs.describe(b.inputs) if b.inputs is not None else "(输入未记录 / inputs not recorded)"
        click.echo(f"{mark} {safe(b.id)}  {outputs.age(b.started)}  {reports} 份报告 reports  "
                   f"{state}  ← {safe(inputs)}")
    others = [b for b in kept if not b.live and b.complete]
    if others:
        click.echo(f"恢复 / restore: kg builds --out {safe(out)} --restore {safe(others[0].id)}")
