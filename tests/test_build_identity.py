"""The build split into ``kg/build/`` (and made concurrent) writes what the single-module
build wrote: the reference is ``kg/pipeline.py`` as it was at REFERENCE, read from git and
run against today's package (same extractors, same store and view code), so the check
stays valid while extraction changes; only the build's own orchestration is compared."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from kg import build
from kg.synth import generate

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "a462eb602792dae69e885dbb96fbe9217e71a260"  # the last commit with the build in kg/pipeline.py
ARTEFACTS = ("graph.nt", "graph.ttl", "spread.html")


def _reference() -> types.ModuleType:
    """The pre-split ``kg/pipeline.py`` as a module (skips where git history is missing)."""
    try:
        text = subprocess.run(["git", "-C", str(ROOT), "show", f"{REFERENCE}:kg/pipeline.py"],
                              capture_output=True, check=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"git history with {REFERENCE[:10]} is not available")
    module = types.ModuleType("kg._reference_pipeline")
    module.__file__ = str(ROOT / "kg" / "pipeline.py")
    sys.modules[module.__name__] = module  # dataclasses and pickling (forked workers) look it up
    exec(compile(text, f"{REFERENCE[:10]}:kg/pipeline.py", "exec"), module.__dict__)
    return module


@pytest.fixture(scope="module")
def reference():
    module = _reference()
    yield module
    sys.modules.pop(module.__name__, None)


def _manifest(out: Path) -> dict[str, object]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    del manifest["build"]  # timings and phases
    return manifest


def _both(reference, inputs, tmp_path: Path, **options) -> tuple[Path, Path]:
    old, new = tmp_path / "reference", tmp_path / "split"
    try:
        reference.run(inputs, old, **options)
    except (ImportError, AttributeError, TypeError) as e:  # an API it calls changed since
        pytest.skip(f"the reference build no longer runs against today's package: {e}")
    build.run(inputs, new, **options)
    return old, new


def _assert_same(old: Path, new: Path) -> None:
    for name in ARTEFACTS:
        assert (old / name).read_bytes() == (new / name).read_bytes(), name
    assert _manifest(old) == _manifest(new)


def test_sample_build_is_byte_identical_to_the_reference(reference, tmp_path):
    old, new = _both(reference, None, tmp_path)
    _assert_same(old, new)
    assert (new / "graph.nt").stat().st_size > 100_000  # a real graph, not two empty files


def test_many_reports_with_duplicates_and_failures_match_the_reference(reference, tmp_path):
    """Generated reports (sampled SHACL), a duplicate, an unreadable file and two workers."""
    generate(320, tmp_path / "synth", seed=5)
    src = tmp_path / "synth" / "reports"
    first = sorted(src.rglob("*.txt"))[0]
    shutil.copy(first, src / "copy-of-first.txt")
    (src / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    old, new = _both(reference, [src], tmp_path, workers=2)
    _assert_same(old, new)
    manifest = _manifest(new)
    assert manifest["summary"]["validation"] == "sample"
    assert manifest["summary"]["duplicate"] == 1 and manifest["summary"]["failed"] >= 1
