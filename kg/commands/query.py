"""``kg query``: run SPARQL over a build and print the answer.

    kg query 'SELECT ?r WHERE { ?r a fz:Report }'
    kg query my-question.rq -p region=慈溪市
    kg query --name adoption-table -p programme=枫桥经验 --format csv > adoption.csv
    kg query --list
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import click

from kg.cli import safe
from kg.commands import build_dir_option
from kg.errors import KGError

_FORMATS = ["table", "csv", "tsv", "json", "xml", "ttl", "nt", "jsonld", "rdfxml"]


def _fail(message: str) -> None:
    click.secho(f"错误 / error: {safe(message, newlines=True)}", err=True, fg="red")
    raise SystemExit(2)


def _parse_params(pairs: tuple[str, ...]) -> dict[str, object]:
    """``name=value`` (or ``name:type=value``) pairs → bindings; the type makes an RDF term."""
    from kg.query.terms import to_term

    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            _fail(f"参数须写成 name=value / parameter must be name=value, got {pair!r}")
        name, _, kind = key.strip().lstrip("?$").partition(":")
        out[name] = to_term(value, kind) if kind else value
    return out


def _list_queries() -> None:
    from kg.query.library import library

    for nq in library().values():
        click.echo(click.style(nq.name, bold=True) + f"  {nq.title}")
        for p in nq.params:
            opt = ", optional" if p.optional else ""
            click.echo(f"    -p {p.name}=…  ({p.kind}{opt}) {p.doc}")
        if nq.example:
            click.echo(f"    e.g. {nq.example.splitlines()[0]}")


@click.command("query")
@click.argument("query", required=False)
@click.option("--name", "name", help="库中查询名 / name of a library query (see --list)")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="参数,作为 RDF 项绑定 / parameter, bound as an RDF term (NAME:TYPE=VALUE to type it: "
                   "string, integer, year, boolean, date, iri)")
@build_dir_option()
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default="table", show_default=True,
              help="输出格式 / output format (ttl, nt, jsonld, rdfxml for CONSTRUCT/DESCRIBE)")
@click.option("--list", "list_", is_flag=True, help="列出研究查询 / list the research queries")
@click.option("--show", is_flag=True, help="只显示查询文本 / print the query text (with parameters bound)")
@click.option("--wide", is_flag=True, help="表格不截断 / do not clip long table cells")
@click.option("--page-size", type=click.IntRange(1, 100_000), default=None, metavar="N",
              help="分页:只输出前 N 行并给出续页标记 / paging: print N rows (on a total ORDER BY) and "
                   "the cursor of the next page (SELECT)")
@click.option("--cursor", default=None, metavar="TOKEN",
              help="续页标记(上一页给出)/ the cursor an earlier page printed: print that page")
def command(query: str | None, name: str | None, params: tuple[str, ...], out: Path, fmt: str,
            list_: bool, show: bool, wide: bool, page_size: int | None, cursor: str | None) -> None:
    """用 SPARQL 查询图谱 / Query the graph with SPARQL.

    QUERY is SPARQL text, a .rq file or a library query name. The prefixes fz:,
    fzid:, skos:, prov:, dcterms:, rdfs:, xsd:, geo:, org: are predeclared.

    \b
    kg query --list
    kg query --name adoption-table -p programme=枫桥经验 -p province=浙江
    kg query 'SELECT ?title WHERE { ?d a fz:PolicyDocument ; dcterms:title ?title }' --format csv
    """
    if list_:
        _list_queries()
        return
    if (query is None) == (name is None):
        _fail("请给出一个查询或 --name / give either QUERY or --name NAME (see --list)")
    try:
        from kg.query import engine

        source: str | Path = name if name is not None else query  # type: ignore[assignment]
        if query is not None and query.endswith(".rq") and "\n" not in query:
            if not Path(query).is_file():
                _fail(f"{query}: 找不到查询文件 / no such query file")
            source = Path(query)
        prepared = engine.prepare(source, _parse_params(params))
        if show:
            click.echo(prepared.text)
            return
        from kg.store import open_store

        store = open_store(out)
        started = time.perf_counter()
        if page_size or cursor:
            _page(store, prepared, source, params, out, page_size or 1000, cursor or "", fmt,
                  wide=wide or not sys.stdout.isatty())
        else:
            result = engine.execute(store, prepared)
            _emit(result, fmt, wide=wide or not sys.stdout.isatty())
        elapsed = time.perf_counter() - started
        unknown = _unknown_names(store, prepared, params)
    except KGError as e:
        _fail(str(e))
        return
    if sys.stderr.isatty():
        click.secho(f"({elapsed:.2f} s)", err=True, dim=True)
    if unknown:
        raise SystemExit(1)


def _unknown_names(store: object, prepared: object, params: tuple[str, ...]) -> bool:
    """Say which programme/region/province parameters of a library query match nothing
    in the build (with the closest names); True if any."""
    from kg.names import unknown_names

    nq = prepared.source  # type: ignore[attr-defined]
    if nq is None:
        return False
    found = unknown_names(store, [p.name for p in nq.params], _parse_params(params))  # type: ignore[arg-type]
    for u in found:
        click.secho(f"注意 / note: {safe(u.message())}", err=True, fg="yellow")
    return bool(found)


def _page(store: object, prepared: object, source: str | Path, params: tuple[str, ...], out: Path,
          size: int, cursor: str, fmt: str, *, wide: bool) -> None:
    """Print one page of a SELECT answer, then (on stderr) the next page's cursor if rows remain."""
    from kg.errors import QueryError
    from kg.query import engine, paging
    from kg.query.output import cell, render_table
    from kg.serve.stream import Sink, write_solutions
    from kg.store import current_build

    if prepared.form != "SELECT":  # type: ignore[attr-defined]
        raise QueryError("分页只适用于 SELECT 查询 / --page-size and --cursor apply to SELECT queries only")
    live = current_build(out)
    build = live.name if live is not None else ""
    key = paging.digest(str(source), dict(p.partition("=")[::2] for p in params))
    text, size, offset = paging.plan(prepared.text, size, cursor, key, build)  # type: ignore[attr-defined]
    result = engine.execute(store, engine.Prepared("SELECT", text, None))  # type: ignore[arg-type]
    if fmt == "table":
        columns = [v.value for v in result.variables]
        rows = [[cell(t) for t in sol] for _, sol in zip(range(size + 1), result)]
        more, rows = len(rows) > size, rows[:size]
        width = None if wide else max(24, shutil.get_terminal_size().columns // max(len(columns), 1))
        click.echo(render_table(columns, rows, max_width=width))
        written = len(rows)
    elif fmt in ("json", "csv", "tsv", "xml"):
        sink = Sink("", 2**62, inline=2**62)
        page = write_solutions(result, fmt, sink, size)
        sys.stdout.buffer.write(sink.finish()[0])
        sys.stdout.flush()
        more, written = page.more, page.rows
    else:
        raise QueryError(f"SELECT 的结果是表 / a SELECT answer needs --format table|json|csv|tsv|xml, not {fmt}")
    click.secho(f"{written} 行 / rows (第 {offset + 1}–{offset + written} 行 / rows {offset + 1}–{offset + written})",
                err=True, dim=True)
    if more:
        nxt = paging.Cursor(offset + written, size, build, key).encode()
        click.echo(f"下一页 / next page: --cursor {nxt}", err=True)


def _emit(result: object, fmt: str, *, wide: bool) -> None:
    import pyoxigraph as ox

    from kg.errors import QueryError
    from kg.query.output import RDF_FORMATS, RESULT_FORMATS, cell, render_table, serialize

    is_graph = isinstance(result, ox.QueryTriples)
    if fmt == "table":
        if isinstance(result, ox.QueryBoolean):
            click.echo("true" if bool(result) else "false")
            return
        if is_graph:
            columns = ["subject", "predicate", "object"]
            rows = [[safe(cell(t.subject)), safe(cell(t.predicate)), safe(cell(t.object))]
                    for t in result]
        else:
            columns = [v.value for v in result.variables]  # type: ignore[attr-defined]
            rows = [[safe(cell(sol[c])) for c in columns] for sol in result]  # type: ignore[attr-defined]
        width = None if wide else max(24, shutil.get_terminal_size().columns // max(len(columns), 1))
        click.echo(render_table(columns, rows, max_width=width))
        click.secho(f"{len(rows)} 行 / rows", err=True, dim=True)
        return
    if is_graph and fmt not in RDF_FORMATS:
        raise QueryError(f"CONSTRUCT/DESCRIBE 的结果是 RDF / a graph result needs --format "
                         f"{'|'.join(RDF_FORMATS)} or table, not {fmt}")
    if not is_graph and fmt not in RESULT_FORMATS:
        raise QueryError(f"SELECT/ASK 的结果是表 / a SELECT or ASK result needs --format "
                         f"table|{'|'.join(RESULT_FORMATS)}, not {fmt}")
    sys.stdout.buffer.write(serialize(result, fmt))
    sys.stdout.flush()
