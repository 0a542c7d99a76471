"""``kg synth``: a generated corpus of reports with its ground truth."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("synth")
@click.option("--reports", "n_reports", type=click.IntRange(min=1), required=True,
              help="报告份数 / number of reports")
@click.option("--seed", type=int, default=0, show_default=True, help="随机种子 / random seed")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="输出目录 / output folder (reports/, truth.csv, reports.csv, truth.json)")
@click.option("--within", multiple=True, metavar="CODE",
              help="只为代码以此开头的县生成报告,可重复 / only counties whose code starts with CODE "
                   "report (repeatable: 3306 = 绍兴市); the spread is the same")
@click.option("--neighbour-effect", "beta", type=float, default=None, metavar="BETA",
              help="按已知的 logit 风险模拟扩散 / simulate the documented logit hazard "
                   "baseline + BETA · share of boundary neighbours adopted by t - 1 "
                   "among the reporting counties (truth.json: hazard)")
@click.option("--baseline", type=float, default=-3.5, show_default=True,
              help="与 --neighbour-effect 一起:基线 log-odds / with --neighbour-effect: the baseline")
def command(n_reports: int, seed: int, out: Path, within: tuple[str, ...], beta: float | None,
            baseline: float) -> None:
    """生成带真值的模拟报告语料 / Generate realistic reports with ground truth.

    County-level regions and years; programmes from the curated scheme spread
    from a few origins to neighbours, peers and the province below a provincial
    document. Score a build against it with `kg eval --truth DIR`.

    \b
    kg synth --reports 1000 --seed 1 --out synth/
    kg build synth/reports --out synth-graph/
    kg eval --truth synth/ --out synth-graph/
    """
    from kg.synth import Hazard, generate

    hazard = None if beta is None else Hazard(beta=beta, baseline=baseline)
    try:
        result = generate(n_reports, out, seed=seed, within=within, hazard=hazard)
    except ValueError as e:
        raise click.BadParameter(f"{e} / 没有代码以此开头的县", param_hint="--within") from e
    click.echo(
        f"完成 / done: {result.reports} 份报告 reports, {result.regions} 个地区 regions, "
        f"{result.truth_rows} 条真值 truth rows, {result.bytes / 1e6:.1f} MB → {out}/"
    )
