"""Shared fixtures: one build of the packaged sample corpus per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import pipeline

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
GOLD = SHARED / "gold"


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample-build")
    result = pipeline.run(None, out)
    return out, result
