"""Subcommands of ``kg`` that live in their own modules (see kg.cli.LAZY_COMMANDS),
and the options they share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def build_dir_option(help_text: str = "构建目录(含 store/)/ the build folder (kg build --out)") -> Callable[[F], F]:
    """``--out DIR``: the folder a ``kg build`` wrote (default ``output/``)."""
    return click.option("--out", type=click.Path(path_type=Path, file_okay=False),
                        default=Path("output"), show_default=True, help=help_text)


def scope_options(func: F) -> F:
    """``--include-candidates/--curated-only`` and ``--include-planned/--no-planned``."""
    func = click.option(
        "--include-planned/--no-planned", default=False, show_default=True,
        help="是否把计划算作采用 / count plans as adoptions",
    )(func)
    return click.option(
        "--include-candidates/--curated-only", default=False, show_default=True,
        help="是否包含未审定的候选举措 / count candidate (uncurated) programmes too",
    )(func)
