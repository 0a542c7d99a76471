"""kg build --update: only new and changed reports are extracted; the result equals a clean build."""

from __future__ import annotations

import shutil

import pytest

from kg import pipeline
from kg.synth import generate


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    root = tmp_path_factory.mktemp("update-corpora")
    generate(30, root / "s", seed=21)
    generate(12, root / "t", seed=22)
    return root


def _corpus(tmp_path, corpora):
    shutil.copytree(corpora / "s", tmp_path / "s")
    shutil.copytree(corpora / "t", tmp_path / "t")
    return tmp_path / "s" / "reports"


def test_update_equals_clean_build_and_reextracts_only_changes(tmp_path, corpora):
    src = _corpus(tmp_path, corpora)
    out = tmp_path / "out"
    first = pipeline.run([src], out, workers=2)
    assert first.stats["extracted"] == 30
    files = sorted(p for p in src.rglob("*.txt") if p.read_bytes().decode("utf-8", "ignore").strip())
    changed, deleted = files[0], files[1]
    changed.write_bytes(changed.read_bytes().replace("一、".encode(), "一、".encode(), 1)
                        + "此外,全面推行“双随机、一公开”监管。\n".encode())
    deleted.unlink()
    added = next((tmp_path / "t" / "reports").rglob("*.txt"))
    shutil.copy(added, src / "added.txt")

    updated = pipeline.run([src], out, workers=2, update=True)
    assert updated.stats["extracted"] == 2 and updated.stats["cached"] == 28
    clean = pipeline.run([src], tmp_path / "clean", workers=1)
    assert (out / "graph.nt").read_bytes() == (tmp_path / "clean" / "graph.nt").read_bytes()
    assert [(e.source, e.status) for e in updated.entries] == [(e.source, e.status) for e in clean.entries]
    text = (out / "graph.nt").read_text(encoding="utf-8")
    assert deleted.relative_to(src).as_posix() not in text and '"added.txt"' in text

    again = pipeline.run([src], out, update=True)  # nothing changed: nothing extracted
    assert again.stats["extracted"] == 0
    assert (out / "graph.nt").read_bytes() == (tmp_path / "clean" / "graph.nt").read_bytes()


def test_workers_do_not_change_the_output(tmp_path, corpora):
    src = _corpus(tmp_path, corpora)
    pipeline.run([src], tmp_path / "one", workers=1)
    pipeline.run([src], tmp_path / "two", workers=2)
    for name in ("graph.nt", "graph.ttl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
