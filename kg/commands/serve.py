"""``kg serve``: the read-only SPARQL endpoint and query page over a build."""

from __future__ import annotations

import os
from pathlib import Path

import click

from kg.commands import build_dir_option
from kg.errors import KGError


def _fail(message: str) -> None:
    click.secho(f"错误 / error: {message}", err=True, fg="red")
    raise SystemExit(2)


@click.command("serve")
@build_dir_option()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址(默认仅本机)/ address to listen on (loopback by default)")
@click.option("--port", default=7878, show_default=True, type=int, help="端口 / port (0: any free port)")
@click.option("--timeout", default=30.0, show_default=True, type=float,
              help="单个查询时限(秒)/ per-query time limit in seconds")
@click.option("--max-rows", default=10_000, show_default=True, type=int,
              help="结果行数上限 / result row cap")
@click.option("--max-body", default=1_048_576, show_default=True, type=int,
              help="请求大小上限(字节)/ request size limit in bytes")
@click.option("--workers", default=min(4, max(2, os.cpu_count() or 2)), show_default=True, type=int,
              help="查询进程数 / query worker processes")
@click.option("--cors", "cors", multiple=True, metavar="ORIGIN",
              help="允许跨域的来源,可重复,* 为全部 / allowed CORS origin (repeat; * for any)")
def command(out: Path, host: str, port: int, timeout: float, max_rows: int, max_body: int,
            workers: int, cors: tuple[str, ...]) -> None:
    """启动只读 SPARQL 端点 / Serve the graph as a read-only SPARQL 1.1 endpoint.

    \b
    query page:  http://HOST:PORT/
    endpoint:    http://HOST:PORT/sparql   (GET/POST, SPARQL 1.1 Protocol)
    library:     http://HOST:PORT/queries  and /queries/NAME?param=value
    """
    import uvicorn

    from kg.serve.app import Settings, create_app

    if host not in ("127.0.0.1", "::1", "localhost"):
        click.secho(f"注意 / note: listening on {host}: the endpoint is reachable from other "
                    "machines; it is read-only but has no authentication", err=True, fg="yellow")
    settings = Settings(out=out, timeout=timeout, max_rows=max_rows, max_body=max_body,
                        workers=workers, cors_origins=cors)
    try:
        app = create_app(settings)
    except KGError as e:
        _fail(str(e))
        return
    click.echo(f"SPARQL endpoint: http://{host}:{port}/sparql · query page: http://{host}:{port}/ "
               f"(time limit {timeout:g} s, row cap {max_rows}, {workers} workers)")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                limit_concurrency=256, timeout_keep_alive=5)
