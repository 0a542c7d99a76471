"""The ``kg`` command: thin wrappers over the library, bilingual messages.

Only this module prints, and only it turns :class:`kg.errors.KGError` into an
exit status.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from kg.errors import KGError

OUT_HELP = "输出目录 / output folder"


def _fail(message: str) -> None:
    click.secho(f"错误 / error: {message}", err=True, fg="red")
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
}


class LazyGroup(click.Group):
    """A click group whose listed subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | {
            name for name, module in LAZY_COMMANDS.items() if _module_exists(module)
        })

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS and _module_exists(LAZY_COMMANDS[name]):
            import importlib

            return importlib.import_module(LAZY_COMMANDS[name]).command
        return super().get_command(ctx, name)


def _module_exists(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
def build_cmd(inputs: tuple[Path, ...], out: Path) -> None:
    """读取报告并构建图谱 / Read reports (.txt, .html; files or folders) and build the graph.

    With no INPUT the packaged sample corpus is built. Writes graph.ttl,
    graph.nt, store/, manifest.json and spread.html into --out.
    """
    from tqdm import tqdm

    from kg import pipeline

    bar: tqdm | None = None

    def start(total: int) -> None:
        nonlocal bar
        bar = tqdm(total=total, unit="份 report", disable=not sys.stderr.isatty(), file=sys.stderr)

    try:
        result = pipeline.run(list(inputs) or None, out, progress=lambda n: bar and bar.update(n),
                              on_start=start)
    except KGError as e:
        _fail(str(e))
        return
    finally:
        if bar is not None:
            bar.close()
    for entry in result.failed:
        click.secho(f"跳过 / skipped: {entry.source}: {entry.reason}", err=True, fg="yellow")
    for line in result.violations[:20]:
        click.secho(f"SHACL: {line}", err=True, fg="yellow")
    dup = sum(1 for e in result.entries if e.status == "duplicate")
    click.echo(
        f"完成 / done: {len(result.ok)} 份报告 reports built, {len(result.failed)} 失败 failed, "
        f"{dup} 重复 duplicate; {result.triples} 三元组 triples; "
        f"{len(result.violations)} SHACL 违规 violations; {result.seconds:.1f} s → {out}/"
    )
    if result.failed:
        raise SystemExit(1)


@main.command("eval")
@click.option("--gold", type=click.Path(path_type=Path, exists=True, file_okay=False),
              required=True, help="标注目录 / gold annotation folder")
@click.option("--graph", "graph_file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              default=None, help="图谱文件 / graph file (default: output/graph.nt)")
@click.option("--out", type=click.Path(path_type=Path), default=Path("output"), show_default=True,
              help=OUT_HELP)
def eval_cmd(gold: Path, graph_file: Path | None, out: Path) -> None:
    """按标注评测抽取质量 / Score a graph against gold annotations (P/R/F1 per aspect)."""
    from rdflib import Graph

    from kg.eval import evaluate, format_table

    path = graph_file or out / "graph.nt"
    if not path.is_file():
        _fail(f"{path}: 没有图谱文件 / no graph file; run `kg build` first or pass --graph")
    g = Graph()
    try:
        g.parse(path)
    except Exception as e:  # noqa: BLE001 - any parser error is the user's file
        _fail(f"{path}: 无法解析 / cannot parse: {e}")
    result = evaluate(gold, g)
    click.echo(format_table(result))
    if not result.passed():
        raise SystemExit(1)


if __name__ == "__main__":
    main()
