"""``kg publish``: push a build to a SPARQL 1.1 Graph Store Protocol server."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli import safe
from kg.errors import KGError


@click.command("publish")
@click.option("--store", "endpoint", required=True,
              help="GSP 地址 / Graph Store Protocol URL, e.g. http://127.0.0.1:7878/store")
@click.option("--out", type=click.Path(path_type=Path), default=Path("output"), show_default=True,
              help="构建目录(需 --nquads)/ build folder, built with --nquads")
@click.option("--user", default=None, help="user:password (HTTP basic auth)")
@click.option("--prune", "prune_with", default=None, metavar="QUERY_URL",
              help="删除已不在构建中的报告图 / delete report graphs whose file is gone, "
                   "listing them with this SPARQL query URL, e.g. http://127.0.0.1:7878/query")
@click.option("--timeout", type=float, default=120.0, show_default=True, help="seconds per request")
def command(endpoint: str, out: Path, user: str | None, prune_with: str | None,
            timeout: float) -> None:
    """推送图谱到 SPARQL 服务器 / Push a build to a SPARQL Graph Store, one named graph per report.

    Publishing again replaces each report's graph. The shared nodes (regions,
    programme scheme) go to https://w3id.org/fazhi-kg/id/graph/shared.

    \b
    kg build reports/ --nquads --out graph/
    kg publish --store http://127.0.0.1:7878/store --out graph/
    """
    from kg.publish import publish

    try:
        result = publish(out, endpoint, auth=user, timeout=timeout, prune_with=prune_with)
    except KGError as e:
        click.secho(f"错误 / error: {safe(e, newlines=True)}", err=True, fg="red")
        raise SystemExit(2) from e
    click.echo(f"完成 / done: {result.graphs} 个命名图 named graphs, {result.triples} 三元组 triples, "
               f"{result.removed} 删除 removed → {safe(endpoint)}")
