"""The ``kg`` command: thin wrappers over the library, bilingual messages.

Only this module prints, and only it turns :class:`kg.errors.KGError` into an
exit status.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from kg import __version__
from kg.errors import KGError

OUT_HELP = "输出目录 / output folder"


# Characters that must not reach a terminal raw from a file name or a reason: C0/C1
# controls (escape sequences, a newline forging a summary line), bidi controls, and
# the surrogates that stand for bytes of a name that is not UTF-8.
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                     "\ud800-\udfff]")
_UNSAFE_NL = re.compile(_UNSAFE.pattern[:-1] + "\n]")


def _escape_one(m: re.Match[str]) -> str:
    c = m.group()
    if "\udc80" <= c <= "\udcff":
        return f"\\x{ord(c) - 0xDC00:02x}"  # a byte of a non-UTF-8 name (surrogateescape)
    if c == "\n":
        return "\\n"
    return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"


def safe(value: object, *, newlines: bool = False) -> str:
    r"""``value`` as text fit for a terminal: controls escaped (``\x1b``, ``\n``, ``\u202e``).

    ``newlines=True`` keeps line breaks (a multi-line message of our own).

    >>> safe("a\x1b[31m\nDONE")
    'a\\x1b[31m\\nDONE'
    """
    text = str(value)
    return (_UNSAFE if newlines else _UNSAFE_NL).sub(_escape_one, text)


def _fail(message: str) -> None:
    click.secho(f"错误 / error: {safe(message, newlines=True)}", err=True, fg="red")
    raise SystemExit(2)


# Commands that live in their own modules (kg/commands/NAME.py, attribute ``command``),
# imported only when used so ``kg --help`` stays fast.
LAZY_COMMANDS = {
    "query": "kg.commands.query",
    "serve": "kg.commands.serve",
    "viz": "kg.commands.viz",
    "export": "kg.commands.export",
    "analyse": "kg.commands.analyse",
    "synth": "kg.commands.synth",
    "publish": "kg.commands.publish",
    "builds": "kg.commands.builds",
}


class LazyGroup(click.Group):
    """A click group whose listed subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | {
            name for name, module in LAZY_COMMANDS.items() if _module_exists(module)
        })

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """click's own errors (an unknown option, a bad value) said bilingually, with the
        command's ``--help``."""
        kwargs.pop("standalone_mode", None)
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as e:
            hint = f"{e.ctx.command_path} --help" if e.ctx is not None else "kg --help"
            click.secho(f"错误 / error: 用法有误 / usage: {safe(e.format_message(), newlines=True)}"
                        f" (见 / see `{hint}`)", err=True, fg="red")
            sys.exit(e.exit_code)
        except click.ClickException as e:
            click.secho(f"错误 / error: {safe(e.format_message(), newlines=True)}", err=True, fg="red")
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo("已中止 / aborted", err=True)
            sys.exit(1)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand; an error of the system (a full disk, a folder that cannot be
        written, a file gone) ends it with a bilingual message naming the file, not a traceback."""
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # `kg query … | head`: the reader left; nothing to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(1) from None
        except OSError as e:
            from kg.outputs import os_reason

            name = os.fsdecode(e.filename) if e.filename else ""
            _fail(f"{name + ': ' if name else ''}{os_reason(e)}")

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS and _module_exists(LAZY_COMMANDS[name]):
            import importlib

            return importlib.import_module(LAZY_COMMANDS[name]).command
        return super().get_command(ctx, name)


def _module_exists(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="kg (fazhi-kg)",
                      message="%(prog)s %(version)s", help="显示版本 / show the version")
@click.option("-v", "--verbose", is_flag=True, help="详细日志 / verbose logging")
def main(verbose: bool) -> None:
    """fazhi-kg:法治政府建设年度报告知识图谱 / a knowledge graph of Chinese
    legal-governance measures built from annual rule-of-law reports."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


@main.command("build")
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=Path("output"),
              show_default=True, help=OUT_HELP)
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="抽取进程数 / extraction processes (default: all cores)")
@click.option("--update", is_flag=True,
              help="增量更新:只抽取新增和改动的报告 / re-extract only new and changed reports")
@click.option("--validate", type=click.Choice(["auto", "full", "sample", "none"]), default="auto",
              show_default=True,
              help="SHACL 校验范围 / SHACL over the whole graph, a sample of report subgraphs, or none")
@click.option("--nquads", is_flag=True,
              help="另写 graph.nq(每份报告一个命名图)/ also write graph.nq, one named graph per report")
@click.option("--no-spread", is_flag=True, help="不生成 spread.html / skip the spread view")
@click.option("--replace", is_flag=True,
              help="替换来自其他输入的构建 / replace a build in --out that was made from other "
                   "inputs (it stays restorable: kg builds)")
def build_cmd(inputs: tuple[Path, ...], out: Path, workers: int | None, update: bool,
              validate: str, nquads: bool, no_spread: bool, replace: bool) -> None:
    """读取报告并构建图谱 / Read reports (.txt, .html, .pdf, .docx; files or folders) and build the graph.

    With no INPUT the packaged sample corpus is built. Writes graph.ttl,
    graph.nt, store/, manifest.json and spread.html into --out; the previous
    build stays complete and readable until the new one replaces it at once,
    and is kept in --out/.builds (see `kg builds`). A build in --out made from
    other inputs is not replaced without --replace. Every input not built is
    named (not read, failed, duplicate, not a report).

    \b
    kg build reports/ --out graph/ --workers 4
    kg build reports/ --out graph/ --update     # only new/changed reports re-extracted
    """
    import sqlite3

    from kg import outputs
    from kg.build import run as build_graph
    from kg.store import current_build

    roots = list(inputs) or None
    found = _before_build(roots, out, replace=replace)
    previous = current_build(out)
    bar: Any = None  # a tqdm bar on a terminal

    def start(total: int) -> None:
        nonlocal bar
        if sys.stderr.isatty():  # tqdm imported only to draw (its import: 0.02 s of each build)
            from tqdm import tqdm

            bar = tqdm(total=total, unit="份 report", file=sys.stderr)

    try:
        result = build_graph(roots, out, progress=lambda n: bar and bar.update(n),
                             on_start=start, workers=workers, update=update,
                             validate=validate, nquads=nquads,  # type: ignore[arg-type]
                             spread=not no_spread, discovered=found)
    except KGError as e:
        _fail(str(e))
        return
    except (OSError, sqlite3.Error) as e:
        outputs.discard_incomplete(out)
        _fail(outputs.write_error(out, e, previous=previous is not None))
        return
    finally:
        if bar is not None:
            bar.close()
    _print_unused(result.entries)
    for line in result.violations[:20]:
        click.secho(f"SHACL: {safe(line)}", err=True, fg="yellow")
    status = Counter(e.status for e in result.entries)
    click.echo(
        f"完成 / done: {status['ok']} 份报告 reports built, {status['failed']} 失败 failed, "
        f"{status['duplicate']} 重复 duplicate, {status['skipped']} 未读取 not read; "
        f"{result.triples} 三元组 triples; {len(result.violations)} SHACL 违规 violations; "
        f"{result.seconds:.1f} s → {safe(out)}/"
    )
    if not result.ok:
        _no_reports(out, previous)
    if result.failed:
        raise SystemExit(1)


def _before_build(roots: list[Path] | None, out: Path, *, replace: bool) -> Any:
    """Refuse, before anything is written: inputs with no report to read, and a build in
    ``out`` made from other inputs (unless ``replace``). Returns the inputs found (for the
    build, which need not look again: :func:`kg.build.run`'s ``discovered``)."""
    from kg import outputs
    from kg.ingest import discover_reasons
    from kg.build import ManifestEntry
    from kg.resources import SAMPLE_CORPUS

    try:
        files, left = discover_reasons(roots or sorted(SAMPLE_CORPUS.glob("*.txt")), exclude=[out])
        if not files:
            _print_unused([ManifestEntry(source=s, status="skipped", reason=r) for _, s, r in left])
            shown = ", ".join(safe(p) for p in (roots or [])[:5])
            _fail(f"{shown}: 没有可读取的报告 / no report to read here "
                  f"({len(left)} 个文件未读取 / {len(left)} files not read, listed above); "
                  "报告须为 / reports are .txt .html .pdf .docx files")
        if not replace:
            outputs.check_inputs(out, roots, sources={s for _, s in files})
    except KGError as e:
        _fail(str(e))
    return files, left


def _no_reports(out: Path, previous: Path | None) -> None:
    """A build of zero reports is not left live: the previous build is restored."""
    from kg import outputs

    kept = ""
    if previous is not None and previous.is_dir():
        try:
            outputs.restore(out, previous.name)
            kept = "; 之前的构建恢复为当前构建 / the previous build was made live again"
        except KGError as e:
            kept = f"; {e}"
    click.secho(f"错误 / error: 没有构建任何报告 / no report was built (see above){kept}",
                err=True, fg="red")
    raise SystemExit(1)


_LISTED = 10  # names shown per line; the manifest lists them all


def _print_unused(entries: list[Any]) -> None:
    """Name every input that is not in the graph, grouped: not read (by type or
    reason), failed, duplicate, built but flagged as no report."""
    by_type: dict[str, list[str]] = {}
    other: list[Any] = []
    for e in entries:
        if e.status != "skipped":
            continue
        m = _TYPE.search(e.reason or "")
        if m:
            by_type.setdefault(m.group(1), []).append(e.source)
        else:
            other.append(e)
    for suffix, names in sorted(by_type.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        _note(f"未读取 / not read: {len(names)} 个 {suffix} 文件 files "
              f"(不支持的类型 / unsupported type): {_names(names)}")
    groups = [("未读取 / not read", other), ("失败 / failed", [e for e in entries if e.status == "failed"]),
              ("重复 / duplicate", [e for e in entries if e.status == "duplicate"])]
    for label, group in groups:
        for e in group[:2 * _LISTED]:
            _note(f"{label}: {safe(e.source)}: {safe(e.reason)}")
        if len(group) > 2 * _LISTED:
            _note(f"{label}: … {len(group) - 2 * _LISTED} 个其他 / more (manifest.json)")
    flagged = [e.source for e in entries if e.status == "ok" and "not-a-report" in e.flags]
    if flagged:
        _note(f"注意 / note: {len(flagged)} 份不像法治政府建设报告,已构建并标记 not-a-report / "
              f"built but flagged as no report (no word of government or law in the opening): "
              f"{_names(flagged)}")


_TYPE = re.compile(r"unsupported file type \((.*)\)$")


def _names(names: list[str]) -> str:
    shown = ", ".join(safe(n) for n in names[:_LISTED])
    return shown + (f" … (+{len(names) - _LISTED}, manifest.json)" if len(names) > _LISTED else "")


def _note(text: str) -> None:
    click.secho(text, err=True, fg="yellow")


@main.command("eval")
@click.option("--gold", type=click.Path(path_type=Path, file_okay=False), multiple=True,
              help="标注目录,可重复 / gold annotation folder; repeat it to score several "
                   "folders in one table")
@click.option("--build", "build_corpus", is_flag=True,
              help="先构建标注目录旁的 corpus/ 再评测(临时目录,不动 output/)/ first build the "
                   "corpus/ folder beside each gold folder (into a temporary folder) and score that")
@click.option("--truth", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=None, help="kg synth 生成的语料目录 / a `kg synth` folder (truth.csv): "
                                 "score the build in --out against it")
@click.option("--graph", "graph_file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              default=None, help="图谱文件 / graph file (default: output/graph.nt)")
@click.option("--out", type=click.Path(path_type=Path), default=Path("output"), show_default=True,
              help=OUT_HELP)
def eval_cmd(gold: tuple[Path, ...], build_corpus: bool, truth: Path | None,
             graph_file: Path | None, out: Path) -> None:
    """按标注评测抽取质量 / Score a graph against gold annotations (P/R/F1 per aspect).

    \b
    kg eval --gold ../shared/gold                       # the build in output/
    kg eval --gold ../shared/gold --gold ../shared/passages/gold --build

    With --build, the texts are read from the corpus/ folder beside each gold
    folder (gold/../corpus) and built into a temporary folder first. With
    --truth, score the build in --out against the ground truth of a generated
    corpus (`kg synth`): region, programme and first year.
    """
    import tempfile

    from rdflib import Graph

    if truth is not None:
        _eval_truth(truth, graph_file, out)
        if not gold:
            return
    if not gold:
        _fail("需要 --gold 或 --truth / pass --gold or --truth")
    for folder in gold:
        if not folder.is_dir():
            _fail(f"{folder}: 标注目录不存在 / no such gold folder (e.g. ../shared/gold beside "
                  "the repository)")

    from kg.eval import evaluate, format_table

    with tempfile.TemporaryDirectory(prefix="kg-eval-") as tmp:
        if build_corpus:
            graph_file = _build_gold_corpora(gold, Path(tmp))
        path = graph_file or out / "graph.nt"
        if not path.is_file():
            _fail(f"{path}: 没有图谱文件 / no graph file; run `kg build` first, pass --graph, "
                  "or use --build")
        g = Graph()
        try:
            g.parse(path)
        except Exception as e:  # noqa: BLE001 - any parser error is the user's file
            _fail(f"{path}: 无法解析 / cannot parse: {e}")
    try:
        result = evaluate(gold, g)
    except ValueError as e:
        _fail(str(e))
        return
    click.echo(safe(format_table(result), newlines=True))
    if not result.passed():
        raise SystemExit(1)


def _build_gold_corpora(gold: tuple[Path, ...], tmp: Path) -> Path:
    """Build the corpus/ folder beside each gold folder into ``tmp``; the graph.nt path."""
    from kg.build import run as build_graph

    corpora = []
    for folder in gold:
        corpus = folder.resolve().parent / "corpus"
        if not corpus.is_dir():
            _fail(f"{folder}: 旁边没有 corpus/ 目录 / no corpus/ folder beside it "
                  f"(looked for {corpus})")
        corpora.append(corpus)
    try:
        result = build_graph(corpora, tmp / "build", validate="none", spread=False)
    except KGError as e:
        _fail(str(e))
    for entry in result.failed:
        click.secho(f"失败 / failed: {safe(entry.source)}: {safe(entry.reason)}", err=True, fg="yellow")
    click.echo(f"构建 / built: {len(result.ok)} 份报告 reports from "
               f"{', '.join(safe(c) for c in corpora)}", err=True)
    return tmp / "build" / "graph.nt"


def _eval_truth(truth: Path, graph_file: Path | None, out: Path) -> None:
    from kg.store import open_store
    from kg.synth import format_score, score

    if not (truth / "truth.csv").is_file():
        _fail(f"{truth}: 没有 truth.csv / no truth.csv here (made by `kg synth`)")
    if graph_file is not None:
        import pyoxigraph as ox

        store = ox.Store()
        store.bulk_load(path=str(graph_file), format=ox.RdfFormat.from_extension(graph_file.suffix[1:])
                        or ox.RdfFormat.N_TRIPLES)
    else:
        try:
            store = open_store(out)
        except KGError as e:
            _fail(str(e))
            return
    click.echo(safe(format_score(score(truth, store)), newlines=True))


if __name__ == "__main__":
    main()
