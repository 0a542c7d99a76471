"""The stages import downwards only: the export never imports the analysis built on it,
and the build never imports the commands, the server or the views' consumers above it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

KG = Path(__file__).resolve().parents[1] / "kg"


def _imports(package: str) -> dict[str, set[str]]:
    """Every ``kg.*`` module each file of ``package`` imports (at any depth of the code)."""
    found: dict[str, set[str]] = {}
    for path in sorted((KG / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        found[str(path.relative_to(KG))] = {n for n in names if n == "kg" or n.startswith("kg.")}
    return found


@pytest.mark.parametrize(("package", "above"), [
    ("export", ("kg.analyse",)),
    ("build", ("kg.cli", "kg.commands", "kg.serve", "kg.query", "kg.analyse", "kg.export")),
])
def test_a_stage_does_not_import_the_stages_above_it(package, above):
    wrong = {f: sorted(n for n in names if n.startswith(above)) for f, names in _imports(package).items()}
    assert {f: n for f, n in wrong.items() if n} == {}


def test_importing_the_export_loads_no_analysis():
    code = ("import sys, kg.export, kg.export.network, kg.export.neighbours, kg.export.panel; "
            "print(sorted(m for m in sys.modules if m.startswith('kg.analyse')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
