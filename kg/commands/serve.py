"""``kg serve``: the read-only SPARQL endpoint and query page over a build."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

import click

from kg.cli import safe
from kg.commands import build_dir_option
from kg.errors import KGError


def _fail(message: str) -> None:
    click.secho(f"错误 / error: {safe(message, newlines=True)}", err=True, fg="red")
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
@click.option("--max-bytes", default=64 * 2**20, show_default=True, type=int,
              help="单个答复大小上限(字节)/ answer size cap in bytes")
@click.option("--max-body", default=1_048_576, show_default=True, type=int,
              help="请求大小上限(字节)/ request size limit in bytes")
@click.option("--workers", default=min(4, max(2, os.cpu_count() or 2)), show_default=True, type=int,
              help="查询进程数 / query worker processes")
@click.option("--worker-memory", default=1024, show_default=True, type=int, metavar="MIB",
              help="每个查询进程的内存预算(MiB,0 为不限)/ each query worker's memory budget in MiB (0: none)")
@click.option("--reserve", default=1, show_default=True, type=int,
              help="为空闲客户端保留的额外进程 / extra workers kept for clients with nothing running")
@click.option("--request-timeout", default=10.0, show_default=True, type=float,
              help="发送完整请求的时限(秒)/ seconds a client has to send its whole request")
@click.option("--write-timeout", default=30.0, show_default=True, type=float,
              help="客户端不读取时保持连接的时限(秒)/ seconds an answer may wait on a client that does not read")
@click.option("--per-client", default=32, show_default=True, type=int,
              help="每个地址的连接上限 / connections one address may hold open")
@click.option("--cors", "cors", multiple=True, metavar="ORIGIN",
              help="允许跨域的来源,可重复,* 为全部 / allowed CORS origin (repeat; * for any)")
def command(out: Path, host: str, port: int, timeout: float, max_rows: int, max_bytes: int,
            max_body: int, workers: int, worker_memory: int, reserve: int, request_timeout: float, write_timeout: float,
            per_client: int, cors: tuple[str, ...]) -> None:
    """启动只读 SPARQL 端点 / Serve the graph as a read-only SPARQL 1.1 endpoint.

    \b
    query page:  http://HOST:PORT/
    endpoint:    http://HOST:PORT/sparql   (GET/POST, SPARQL 1.1 Protocol)
    library:     http://HOST:PORT/queries  and /queries/NAME?param=value
    """
    import uvicorn

    from kg.serve.app import Settings, create_app
    from kg.serve.guard import ConnectionLimits, guarded_protocol

    if host not in ("127.0.0.1", "::1", "localhost"):
        click.secho(f"注意 / note: listening on {host}: the endpoint is reachable from other "
                    "machines; it is read-only but has no authentication", err=True, fg="yellow")
    settings = Settings(out=out, timeout=timeout, max_rows=max_rows, max_bytes=max_bytes,
                        max_body=max_body, workers=workers, reserve=reserve,
                        worker_memory_mb=worker_memory, cors_origins=cors)
    try:
        app = create_app(settings)
    except KGError as e:
        _fail(str(e))
        return
    sock = _listen(host, port)  # before the banner: a busy port is said plainly, not after it
    port = sock.getsockname()[1]
    click.echo(f"SPARQL endpoint: http://{host}:{port}/sparql · query page: http://{host}:{port}/ "
               f"(time limit {timeout:g} s, row cap {max_rows}, {workers}+{reserve} workers)")
    protocol = guarded_protocol(ConnectionLimits(request_timeout, write_timeout, per_client))
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            http=protocol, limit_concurrency=4096, timeout_keep_alive=5,
                            timeout_graceful_shutdown=3)
    uvicorn.Server(config).run(sockets=[sock])


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; a bilingual error if the port is taken."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            _fail(f"端口 {port} 已被占用 / port {port} on {host} is already in use (another "
                  "`kg serve`?): stop it or pick another port with --port (0: any free port)")
        _fail(f"无法在 {host}:{port} 监听 / cannot listen on {host}:{port} ({e.strerror or e})")
        raise
