"""The README's Dask recipe, run as written on a real local Dask cluster (two worker
processes), gives the same N-Triples as ``kg build`` and lists the document it could not read."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from kg.resources import SAMPLE_CORPUS

README = Path(__file__).resolve().parents[1] / "README.md"

distributed = pytest.importorskip("distributed")


def _recipe() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Beyond one machine: Dask", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block, "README lost its Dask recipe"
    return block.group(1)


def test_dask_recipe_matches_the_build(sample_build, tmp_path, capsys):
    out, _ = sample_build
    shutil.copytree(SAMPLE_CORPUS, tmp_path / "reports")
    (tmp_path / "reports" / "zz-empty.txt").write_bytes(b"")  # a bad document among good ones
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    cwd = os.getcwd()
    try:
        with distributed.Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
            os.chdir(tmp_path)
            exec(compile(_recipe(), "README.md", "exec"), {"__name__": "recipe"})
    finally:
        os.chdir(cwd)
        cluster.close()

    printed = capsys.readouterr().out
    assert "5 reports, 1 failed" in printed and "zz-empty.txt" in printed
    parts = sorted((tmp_path / "parts").glob("*.nt"))
    assert len(parts) > 1  # per-partition files and the shared one
    # the recipe's `LC_ALL=C sort -u parts/*.nt > graph.nt`, byte order
    lines = {ln for p in parts for ln in p.read_bytes().split(b"\n") if ln}
    merged = b"".join(ln + b"\n" for ln in sorted(lines))
    assert merged == (out / "graph.nt").read_bytes()
