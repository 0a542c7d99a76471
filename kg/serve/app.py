"""The SPARQL 1.1 Protocol endpoint (read-only) as a Starlette ASGI app.

Routes::

    GET  /              the query page (offline; research queries preloaded)
    GET  /sparql        ?query=…&default-graph-uri=…&named-graph-uri=…
                        (&param.NAME=value: bound as an RDF term, typed by the
                        query's header comment as in ``kg query FILE.rq -p``)
    POST /sparql        application/x-www-form-urlencoded (query=…) or
                        application/sparql-query (the query is the body)
    GET  /queries       the research-query library as JSON
    GET  /queries/NAME  run a library query; its parameters as ?name=value
    GET  /spread.html   the build's spread view
    GET  /explore/KIND-HASH.html  an entity's explorer page, made on demand
                        (the spread view's ⌖ links; 404 for no entity of the build)

Statuses: 400 bad request or syntax error (always, whatever the Accept header:
the query is parsed before the format is chosen), 403 update / LOAD / SERVICE
(read-only), 405 other methods, 406 no acceptable format, 408 request not sent
in time, 409 a cursor from before a rebuild, 413/414 request too large, 415
wrong media type, 503 query cut at the time limit or its memory budget, no
worker free, or too many queries/connections from one address.

Answers are capped at ``max_rows`` rows (or triples) and ``max_bytes`` bytes and
streamed from a spool file, never held whole in memory; a cut answer is still a
valid document and carries ``X-KG-Truncated: true``, ``X-KG-Truncated-By: rows``
or ``bytes``, ``X-KG-Row-Limit`` and ``X-KG-Byte-Limit``. Paging: ``page-size=N``
(SELECT) returns the first N rows on a total ORDER BY and, when more remain,
``X-KG-Next-Cursor`` (and a ``Link: <…>; rel="next"`` for GET); the same query with
``cursor=…`` returns the next page. ``X-KG-Build`` names the build that answered:
a ``kg build`` into the served folder is picked up by the next query, without
restarting the server (queries already running finish on the build they started
with; a cursor from the old build is refused with 409). An empty answer of a library
query whose programme, region or province matches nothing in the build carries
``X-KG-Unknown-Names: programme=VALUE;close=NAME|NAME`` (percent-encoded UTF-8,
:func:`kg.names.header_value`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from kg.errors import KGError
from kg.query import library, sparql
from kg.serve.page import CSP, render_page
from kg.serve.pool import ClientBusy, Pool, PoolBusy, QueryCrashed, QueryTimeout
from kg.serve.worker import Job, Reply

__all__ = ["Settings", "create_app"]

_FORM = "application/x-www-form-urlencoded"
_DIRECT = "application/sparql-query"
_UPDATE = "application/sparql-update"


@dataclass(frozen=True)
class Settings:
    """Endpoint settings; the defaults are the ``kg serve`` defaults."""

    out: Path = Path("output")
    timeout: float = 30.0
    max_rows: int = 10_000
    max_bytes: int = 64 * 2**20        # bytes of one answer
    max_body: int = 1_048_576          # bytes of request body (and of a GET query string)
    workers: int = 2
    reserve: int = 1                   # extra workers kept for clients with nothing running
    worker_memory_mb: int = 1024       # each worker's memory budget above its size with the store open
    per_client_queries: int = 8        # queries one address may have running or waiting
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    allowed_hosts: tuple[str, ...] = field(default_factory=tuple)  # Host names beyond the loopback ones


_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


def _host_name(header: str) -> str:
    """The name part of a Host header, lower case, without the port (``[::1]:8000`` → ``::1``)."""
    h = header.strip().lower()
    if h.startswith("["):
        return h[1:h.find("]")] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def _is_loopback(addr: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(addr.split("%")[0]).is_loopback
    except ValueError:
        return False


class HostCheck:
    """ASGI middleware against DNS rebinding: a connection that reached the server on a
    loopback address must name a loopback host (``localhost``, ``*.localhost``,
    ``127.0.0.1``, ``[::1]``) or one of ``allowed_hosts`` in its Host header; a web page
    whose own name was made to resolve to 127.0.0.1 sends its own name and is refused
    (421). On other addresses the server was exposed on purpose and any name is accepted."""

    def __init__(self, app: Any, allowed_hosts: tuple[str, ...] = ()) -> None:
        self.app = app
        self.allowed = {h.lower() for h in (*_LOOPBACK_HOSTS, *allowed_hosts)}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("server") and _is_loopback(str(scope["server"][0])):
            host = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"host"), "")
            name = _host_name(host)
            if not (name in self.allowed or name.endswith(".localhost") or _is_loopback(name)):
                shown = name.encode("unicode_escape").decode("ascii")[:100]
                response = _text(421, f"主机名不被接受 / Host {shown!r} is not a name of this "
                                      "loopback server (DNS rebinding?); use localhost or 127.0.0.1")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _Bad(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(message.rstrip("\n") + "\n", status_code=status, headers=headers)


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _Bad(413, f"请求过大 / request body over {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _Bad(413, f"请求过大 / request body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(data: bytes, charset: str | None) -> str:
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise _Bad(400, f"只接受 UTF-8 / only UTF-8 is accepted, not charset={charset}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _Bad(400, "请求不是有效的 UTF-8 / the request is not valid UTF-8") from e


def _pairs(raw: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(raw, keep_blank_values=True, strict_parsing=False, encoding="utf-8",
                         errors="strict")
    except UnicodeDecodeError as e:
        raise _Bad(400, "参数不是有效的 UTF-8 / parameters are not valid UTF-8") from e


def _media_type(request: Request) -> tuple[str, str | None]:
    header = request.headers.get("content-type", "")
    parts = [p.strip() for p in header.split(";")]
    charset = next((p.split("=", 1)[1].strip('"') for p in parts[1:]
                    if p.lower().startswith("charset=")), None)
    return parts[0].lower(), charset


async def _protocol_request(request: Request, settings: Settings) -> tuple[str, list[tuple[str, str]]]:
    """(query text, all parameters) from a GET or POST per the SPARQL 1.1 Protocol."""
    url_raw = request.url.query
    if len(url_raw) > settings.max_body:
        raise _Bad(414, f"URL 过长 / query string over {settings.max_body} bytes: use POST")
    params = _pairs(url_raw)
    if request.method == "POST":
        media, charset = _media_type(request)
        body = await _body(request, settings.max_body)
        if media == _FORM:
            params += _pairs(_decode(body, charset))
        elif media == _DIRECT:
            if any(k in ("query", "update") for k, _ in params):
                raise _Bad(400, "直接 POST 时查询须在正文中 / with a direct POST the query is the body, "
                                "not a query= parameter")
            params.append(("query", _decode(body, charset)))
        elif media == _UPDATE:
            raise _Bad(403, "只读端点:不接受 SPARQL Update / read-only endpoint: SPARQL Update is refused")
        else:
            raise _Bad(415, f"不支持的媒体类型 / unsupported media type {media or '(none)'}: use "
                            f"{_FORM} or {_DIRECT}")
    if any(k in ("update", "using-graph-uri", "using-named-graph-uri") for k, _ in params):
        raise _Bad(403, "只读端点:不接受 SPARQL Update / read-only endpoint: SPARQL Update is refused")
    queries = [v for k, v in params if k == "query"]
    if len(queries) != 1:
        raise _Bad(400, "须有且仅有一个 query 参数 / exactly one query parameter is required "
                        f"(got {len(queries)})")
    return queries[0], params


def _graphs(params: list[tuple[str, str]], key: str) -> tuple[str, ...]:
    import pyoxigraph as ox

    out = []
    for k, v in params:
        if k == key:
            try:
                out.append(ox.NamedNode(v).value)
            except ValueError as e:
                raise _Bad(400, f"{key} 不是有效的 IRI / {key} is not a valid IRI: {v!r}") from e
    return tuple(out)


_CHUNK = 64 * 1024


class _Spooled:
    """An ASGI response streaming a spool file in chunks; the file is removed once opened."""

    def __init__(self, reply: Reply, headers: dict[str, str]) -> None:
        self.file = open(reply.spool, "rb")  # noqa: SIM115 - closed after streaming
        os.unlink(reply.spool)
        size = os.fstat(self.file.fileno()).st_size
        self.status = reply.status
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in {
            **headers, "Content-Type": reply.media_type, "Content-Length": str(size)}.items()]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        import anyio.to_thread

        try:
            await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
            while chunk := await anyio.to_thread.run_sync(self.file.read, _CHUNK):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            self.file.close()


def _next_link(request: Request, cursor: str) -> str:
    params = [(k, v) for k, v in _pairs(request.url.query) if k != "cursor"] + [("cursor", cursor)]
    return f'<{request.url.path}?{urlencode(params)}>; rel="next"'


def _reply_response(reply: Reply, request: Request, settings: Settings) -> Any:
    if reply.status != 200:
        return Response(reply.body, status_code=reply.status, media_type=reply.media_type)
    headers = {"X-KG-Rows": str(reply.rows)}
    if reply.build:
        headers["X-KG-Build"] = reply.build
    if reply.truncated:
        headers.update({"X-KG-Truncated": "true", "X-KG-Truncated-By": reply.truncated,
                        "X-KG-Row-Limit": str(settings.max_rows),
                        "X-KG-Byte-Limit": str(settings.max_bytes)})
    if reply.page_size:
        headers["X-KG-Page-Size"] = str(reply.page_size)
    if reply.unknown:  # a programme/region/province given that matches nothing (kg.names)
        headers["X-KG-Unknown-Names"] = reply.unknown
    if reply.next_cursor:
        headers["X-KG-Next-Cursor"] = reply.next_cursor
        if request.method == "GET":
            headers["Link"] = _next_link(request, reply.next_cursor)
    if reply.spool:
        return _Spooled(reply, headers)
    return Response(reply.body, status_code=reply.status, media_type=reply.media_type, headers=headers)


def _paging(params: list[tuple[str, str]]) -> dict[str, Any]:
    size = next((v for k, v in params if k in ("page-size", "page_size")), "")
    cursor = next((v for k, v in params if k == "cursor"), "")
    if size and not (size.isdigit() and int(size) > 0):
        raise _Bad(400, f"page-size 须为正整数 / page-size must be a positive whole number, not {size[:20]!r}")
    return {"page_size": int(size) if size else 0, "cursor": cursor}


async def _run(pool: Pool, job_args: dict, request: Request,  # type: ignore[type-arg]
               params: list[tuple[str, str]], settings: Settings) -> Any:
    explicit = next((v for k, v in params if k in ("format", "output")), None)
    job = Job(**job_args, accept=request.headers.get("accept"), explicit=explicit,
              max_rows=settings.max_rows, max_bytes=settings.max_bytes, **_paging(params))
    client = request.client.host if request.client else ""
    try:
        reply = await pool.run(job, client)
    except QueryTimeout:
        raise _Bad(503, f"查询超时,已中止 / query cut at the time limit ({settings.timeout:g} s)",
                   {"Retry-After": "1"}) from None
    except ClientBusy:
        raise _Bad(503, f"同一地址的查询过多 / too many queries at once from your address (limit "
                        f"{settings.per_client_queries} running or waiting); wait for some to finish",
                   {"Retry-After": "5"}) from None
    except PoolBusy:
        raise _Bad(503, "服务繁忙 / all query workers stayed busy; try again",
                   {"Retry-After": "5"}) from None
    except QueryCrashed:
        raise _Bad(503, "查询进程中止(超出内存上限),已替换 / query stopped: its worker ran out of "
                        "its memory budget (or crashed) and was replaced", {"Retry-After": "1"}) from None
    return _reply_response(reply, request, settings)


# the CSP the spread and explorer pages carry in their <meta>: inline only, no requests out
PAGE_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
            "connect-src 'none'; base-uri 'none'; form-action 'none'")


def create_app(settings: Settings, *, pool: Pool | None = None) -> Starlette:
    """The ASGI app; starts its worker pool on startup and stops it on shutdown."""
    from contextlib import asynccontextmanager

    from kg.store import open_store

    if pool is None:
        open_store(settings.out)  # fail early with the usual message if there is no build
        # Not resolved here: every worker looks up the live build behind out/store before
        # each query, so a `kg build` into the same folder is served without a restart.
        pool = Pool(settings.out / "store", size=settings.workers, reserve=settings.reserve,
                    timeout=settings.timeout, per_client=settings.per_client_queries,
                    memory_mb=settings.worker_memory_mb)
    page = render_page()

    @asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        import anyio.to_thread

        await anyio.to_thread.run_sync(pool.start)
        try:
            yield
        finally:
            pool.close()

    async def sparql_endpoint(request: Request) -> Response:
        try:
            if request.method == "GET" and not request.url.query:
                if "text/html" in request.headers.get("accept", ""):
                    return HTMLResponse(page, headers={"Content-Security-Policy": CSP})
            text, params = await _protocol_request(request, settings)
            try:
                sparql.query_form(text)
            except sparql.QueryRefused as e:
                raise _Bad(403, str(e)) from None
            except KGError:
                pass  # not a query: the worker reports the syntax error (400), whatever the Accept
            args = {"query": text, "default_graph": _graphs(params, "default-graph-uri"),
                    "named_graphs": _graphs(params, "named-graph-uri"),
                    "params": {k[6:]: v for k, v in params if k.startswith("param.") and v != ""}}
            return await _run(pool, args, request, params, settings)
        except _Bad as e:
            return _text(e.status, str(e), e.headers)

    async def named_query(request: Request) -> Response:
        name = request.path_params["name"]
        queries = library.library()
        if name not in queries:
            return _text(404, f"没有名为 {name!r} 的查询 / no named query {name!r}")
        params = _pairs(request.url.query)
        bindings = {k: v for k, v in params if k not in ("format", "output", "page-size", "page_size",
                                                         "cursor")}
        try:
            return await _run(pool, {"query": name, "params": bindings, "named": True},
                              request, params, settings)
        except _Bad as e:
            return _text(e.status, str(e), e.headers)

    async def list_queries(request: Request) -> Response:
        return JSONResponse([
            {"name": q.name, "title": q.title, "purpose": q.purpose, "example": q.example,
             "parameters": [{"name": p.name, "type": p.kind, "optional": p.optional,
                             "description": p.doc} for p in q.params],
             "sparql": q.text}
            for q in library.library().values()])

    async def index(request: Request) -> Response:
        return HTMLResponse(page, headers={"Content-Security-Policy": CSP})

    async def spread(request: Request) -> Response:
        path = settings.out / "spread.html"
        if not path.is_file():
            return _text(404, f"{path}: 没有扩散视图 / no spread view in this build")
        return HTMLResponse(path.read_text(encoding="utf-8"), headers={"Content-Security-Policy": PAGE_CSP})

    async def explore(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from kg.viz.explore import explorer_page

        page = request.path_params["page"] + ".html"
        html = await run_in_threadpool(explorer_page, settings.out, page)
        if html is None:
            return _text(404, f"本图谱中没有关系图 {page} / no explorer page {page} in this build")
        return HTMLResponse(html, headers={"Content-Security-Policy": PAGE_CSP})

    async def not_allowed(request: Request) -> Response:
        return _text(405, "只接受 GET 与 POST / only GET and POST are allowed",
                     {"Allow": "GET, POST, OPTIONS"})

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/sparql", sparql_endpoint, methods=["GET", "POST"]),
        Route("/sparql", not_allowed, methods=["PUT", "DELETE", "PATCH"]),
        Route("/queries", list_queries, methods=["GET"]),
        Route("/queries/{name}", named_query, methods=["GET"]),
        Route("/spread.html", spread, methods=["GET"]),
        Route("/favicon.ico", lambda request: Response(status_code=204), methods=["GET"]),  # no 404 in consoles
        Route("/explore/{page}.html", explore, methods=["GET"]),
    ]
    middleware = []
    if settings.cors_origins:
        middleware.append(Middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"], allow_headers=["Content-Type", "Accept"],
            expose_headers=["X-KG-Truncated", "X-KG-Truncated-By", "X-KG-Row-Limit", "X-KG-Byte-Limit",
                            "X-KG-Rows", "X-KG-Build", "X-KG-Page-Size", "X-KG-Next-Cursor", "Link",
                            "X-KG-Unknown-Names"]))
    middleware.insert(0, Middleware(HostCheck, allowed_hosts=settings.allowed_hosts))
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.pool = pool
    return app


def dump_settings(settings: Settings) -> str:
    """The settings as JSON (for the startup banner and tests)."""
    return json.dumps({"out": str(settings.out), "timeout": settings.timeout,
                       "max_rows": settings.max_rows, "max_bytes": settings.max_bytes,
                       "max_body": settings.max_body, "workers": settings.workers,
                       "reserve": settings.reserve, "cors_origins": list(settings.cors_origins)})
