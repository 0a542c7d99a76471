"""kg build --update: only new and changed reports are extracted; the result equals a clean build."""

from __future__ import annotations

import shutil

import pytest

from kg import build
from kg.build import update, validation
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
    first = build.run([src], out, workers=2)
    assert first.stats["extracted"] == 30
    files = sorted(p for p in src.rglob("*.txt") if p.read_bytes().decode("utf-8", "ignore").strip())
    changed, deleted = files[0], files[1]
    changed.write_bytes(changed.read_bytes().replace("一、".encode(), "一、".encode(), 1)
                        + "此外,全面推行“双随机、一公开”监管。\n".encode())
    deleted.unlink()
    added = next((tmp_path / "t" / "reports").rglob("*.txt"))
    shutil.copy(added, src / "added.txt")

    updated = build.run([src], out, workers=2, update=True)
    assert updated.stats["extracted"] == 2 and updated.stats["cached"] == 28
    clean = build.run([src], tmp_path / "clean", workers=1)
    assert (out / "graph.nt").read_bytes() == (tmp_path / "clean" / "graph.nt").read_bytes()
    assert [(e.source, e.status) for e in updated.entries] == [(e.source, e.status) for e in clean.entries]
    text = (out / "graph.nt").read_text(encoding="utf-8")
    assert deleted.relative_to(src).as_posix() not in text and '"added.txt"' in text

    again = build.run([src], out, update=True)  # nothing changed: nothing extracted
    assert again.stats["extracted"] == 0
    assert (out / "graph.nt").read_bytes() == (tmp_path / "clean" / "graph.nt").read_bytes()


def test_workers_do_not_change_the_output(tmp_path, corpora):
    src = _corpus(tmp_path, corpora)
    build.run([src], tmp_path / "one", workers=1)
    build.run([src], tmp_path / "two", workers=2)
    for name in ("graph.nt", "graph.ttl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


# --- update in place: the previous build's store and graph.nt changed, equal to a clean build ---

REPORT = "{region}2021年法治政府建设情况年度报告\n\n{body}\n"
JINGHU = REPORT.format(region="镜湖区", body="镜湖区司法局推进“枫桥经验”,落实《法治政府建设实施纲要(2021-2025年)》。")
JIUJIANG = REPORT.format(region="鸠江区", body="鸠江区司法局推进“枫桥经验”,落实《法治政府建设实施纲要(2021-2025年)》。芜湖市司法局加强指导。")
FANCHANG = REPORT.format(region="繁昌区", body="繁昌区司法局落实《法治政府建设实施纲要(2021-2025年)》,芜湖市司法局加强指导。")
YIJIANG = REPORT.format(region="弋江区", body="弋江区司法局推进“枫桥经验”。")


def _quads(out):
    from kg.store import open_store

    store = open_store(out)
    try:
        return {str(q) for q in store}
    finally:
        del store


def _assert_same_as_clean(out, src, clean):
    updated = build.run([src], out, update=True, workers=2)
    assert updated.stats.get("in_place"), "the update should change the previous build in place"
    fresh = build.run([src], clean, workers=1)
    for name in ("graph.nt", "graph.ttl", "spread.html"):
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name
    assert _quads(out) == _quads(clean)
    assert updated.triples == fresh.triples == len(_quads(out))
    assert [(e.source, e.status, e.report, e.reason, e.counts, e.flags) for e in updated.entries] == \
        [(e.source, e.status, e.report, e.reason, e.counts, e.flags) for e in fresh.entries]
    return updated


def test_update_in_place_equals_clean_build(tmp_path, corpora):
    src = _corpus(tmp_path, corpora)
    (src / "a.txt").write_text(JINGHU, encoding="utf-8")
    (src / "b.txt").write_text(JIUJIANG, encoding="utf-8")
    (src / "c.txt").write_text(FANCHANG, encoding="utf-8")
    (src / "z.txt").write_text(JINGHU, encoding="utf-8")  # a duplicate of a.txt
    out = tmp_path / "out"
    first = build.run([src], out, workers=2)
    assert {e.source: e.status for e in first.entries}["z.txt"] == "duplicate"
    before = (out / "graph.nt").read_text(encoding="utf-8")
    # lines of b.txt that c.txt asserts as well: the document and 芜湖市司法局
    shared = [ln for ln in before.splitlines()
              if ln.startswith(("<https://w3id.org/fazhi-kg/id/document/%E6%B3%95%E6%B2%BB%E6%94%BF",
                                "<https://w3id.org/fazhi-kg/id/agency/340200/"))]
    assert len(shared) >= 6
    assert "/id/region/340202>" in before  # 镜湖区, named by a.txt (and its duplicate) only
    page_before = (out / "spread.html").read_bytes()

    # 1. delete a.txt (its duplicate z.txt takes over), change b.txt, add a report
    (src / "a.txt").unlink()
    (src / "b.txt").write_text(JIUJIANG + "此外,全面推行“双随机、一公开”监管。\n", encoding="utf-8")
    shutil.copy(next((tmp_path / "t" / "reports").rglob("*.txt")), src / "added.txt")
    one = _assert_same_as_clean(out, src, tmp_path / "clean1")
    assert one.stats["extracted"] == 2  # b.txt and added.txt; z.txt comes from the cache
    assert one.stats["changed_reports"] == {"removed": 2, "added": 3}
    assert {e.source: e.status for e in one.entries}["z.txt"] == "ok"
    # the page changed with the reports (and equals a clean build's, above): 双随机、一公开 is new
    page = (out / "spread.html").read_text(encoding="utf-8")
    assert page.encode() != page_before and "双随机、一公开" in page
    assert "双随机、一公开" not in page_before.decode("utf-8")

    # 2. z.txt now names another district, so 镜湖区 leaves the shared divisions; c.txt, which
    # shares a document and an agency with b.txt, is deleted
    (src / "z.txt").write_text(YIJIANG, encoding="utf-8")
    (src / "c.txt").unlink()
    two = _assert_same_as_clean(out, src, tmp_path / "clean2")
    after = (out / "graph.nt").read_text(encoding="utf-8")
    assert "/id/region/340202>" not in after and "\"弋江区\"@zh" in after
    assert all(ln in after for ln in shared)  # still asserted by b.txt
    assert two.stats["changed_lines"]["removed"] > 0 and two.stats["changed_lines"]["added"] > 0

    # 3. nothing changed: nothing extracted, nothing changed
    three = _assert_same_as_clean(out, src, tmp_path / "clean3")
    assert three.stats["extracted"] == 0 and three.stats["changed_lines"] == {"removed": 0, "added": 0}


@pytest.mark.parametrize("damage", ["missing", "not a database"])
def test_update_falls_back_to_the_cache_when_the_state_is_missing(tmp_path, corpora, damage):
    src = _corpus(tmp_path, corpora)
    out = tmp_path / "out"
    build.run([src], out, workers=1)
    state = out / ".current" / ".state.sqlite"
    if damage == "missing":
        state.unlink()
    else:
        state.write_bytes(b"\x00 no SQLite here " * 64)
    victim = sorted(src.rglob("*.txt"))[3]
    victim.write_bytes(victim.read_bytes() + "此外,全面推行“双随机、一公开”监管。\n".encode())
    updated = build.run([src], out, update=True, workers=1)
    assert not updated.stats.get("in_place") and updated.stats["extracted"] == 1
    build.run([src], tmp_path / "clean", workers=1)
    assert (out / "graph.nt").read_bytes() == (tmp_path / "clean" / "graph.nt").read_bytes()
    # the fallback wrote a state again, so the next update is in place
    assert build.run([src], out, update=True, workers=1).stats.get("in_place")


def test_update_in_place_many_changes_and_the_last_report_of_a_region(tmp_path, corpora, monkeypatch):
    monkeypatch.setattr(update, "UPDATE_POOL_MIN", 12)  # the worker pool's path, on a small corpus
    pool_min = update.UPDATE_POOL_MIN
    src = _corpus(tmp_path, corpora)
    (src / "y.txt").write_text(YIJIANG, encoding="utf-8")  # the only report naming 弋江区
    out = tmp_path / "out"
    build.run([src], out, workers=2)
    assert "\"弋江区\"@zh" in (out / "graph.nt").read_text(encoding="utf-8")

    # 1. the only report of a region goes, and enough files change for the update to
    # extract them in worker processes
    (src / "y.txt").unlink()
    files = sorted(p for p in src.rglob("*.txt") if p.read_bytes().decode("utf-8", "ignore").strip())
    for p in files[:pool_min + 1]:
        p.write_bytes(p.read_bytes() + "此外,全面推行“双随机、一公开”监管。\n".encode())
    one = _assert_same_as_clean(out, src, tmp_path / "clean1")
    assert one.stats["extracted"] == pool_min + 1
    assert "\"弋江区\"@zh" not in (out / "graph.nt").read_text(encoding="utf-8")

    # 2. it comes back, under another name, with a new report
    (src / "w.txt").write_text(YIJIANG + "弋江区司法局落实《法治政府建设实施纲要(2021-2025年)》。\n",
                               encoding="utf-8")
    two = _assert_same_as_clean(out, src, tmp_path / "clean2")
    assert two.stats["extracted"] == 1
    assert "\"弋江区\"@zh" in (out / "graph.nt").read_text(encoding="utf-8")


def test_update_validates_the_changed_reports(tmp_path, corpora, monkeypatch):
    """A changed report's subgraph goes through SHACL during --update (in a second process)
    and its violations are reported; they leave with the report."""
    real = validation.validate_report

    def validate(lines, codes):  # pyshacl's findings, and one planted in the report named so
        planted = [f"planted: {ln.split()[0]}" for ln in lines if '"violating.txt"' in ln]
        return real(lines, codes) + planted

    monkeypatch.setattr(validation, "validate_report", validate)  # forked processes inherit it
    src = _corpus(tmp_path, corpora)
    out = tmp_path / "out"
    first = build.run([src], out, workers=1, validate="sample")
    assert first.violations == []
    shutil.copy(next((tmp_path / "t" / "reports").rglob("*.txt")), src / "violating.txt")
    updated = build.run([src], out, workers=1, validate="sample", update=True)
    assert updated.stats["in_place"] and updated.stats["extracted"] == 1
    assert len(updated.violations) == 1 and updated.violations[0].startswith("planted: <https://")
    (src / "violating.txt").unlink()
    again = build.run([src], out, workers=1, validate="sample", update=True)
    assert again.stats["in_place"] and again.violations == []


SOURCE = "<http://purl.org/dc/terms/source>"


def test_update_samples_the_reports_a_clean_build_samples_and_a_few_changed_ones(tmp_path, corpora, monkeypatch):
    """In sample mode a report is validated or not by its name, in a clean build and an
    update alike; an update also validates UPDATE_SAMPLE_MIN of its changed reports when
    the name rule picks fewer of them."""
    real = validation.validate_report

    def validate(lines, codes):  # each validated report's subgraph yields a finding naming it
        return real(lines, codes) + [f"planted: {ln.split(SOURCE)[1].strip(' .')}"
                                     for ln in lines if SOURCE in ln]

    monkeypatch.setattr(validation, "validate_report", validate)
    src = _corpus(tmp_path, corpora)
    inputs = sorted(p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file())
    rate = validation.sample_rate(len(inputs))
    out = tmp_path / "out"
    first = build.run([src], out, workers=1, validate="sample")
    found = {v.removeprefix("planted: ") for v in first.violations if v.startswith("planted: ")}
    reports = {e.source for e in first.entries if e.status == "ok"}
    assert found == {f'"{s}"' for s in reports if validation.sampled(s, rate)}
    assert 0 < len(found) < len(reports)

    # change reports the name rule does not sample: the update validates UPDATE_SAMPLE_MIN of them
    unsampled = sorted(s for s in reports if not validation.sampled(s, rate))
    assert len(unsampled) > validation.UPDATE_SAMPLE_MIN
    changed = unsampled[:validation.UPDATE_SAMPLE_MIN + 1]
    for s in changed:
        (src / s).write_bytes((src / s).read_bytes() + "此外,全面推行“双随机、一公开”监管。\n".encode())
    updated = build.run([src], out, workers=1, validate="sample", update=True)
    assert updated.stats["in_place"] and updated.stats["extracted"] == len(changed)
    clean = build.run([src], tmp_path / "clean", workers=1, validate="sample")
    assert set(clean.violations) == set(first.violations)  # the same names, the same sample
    extra = set(updated.violations) - set(clean.violations)
    assert set(clean.violations) <= set(updated.violations)
    assert len(extra) == validation.UPDATE_SAMPLE_MIN
    assert extra <= {f'planted: "{s}"' for s in changed}


def test_update_sample_policy():
    """The name rule samples about the rate; the update's extra checks are spread evenly."""
    names = [f"{k:02d}/{k:06d}_2021.txt" for k in range(20000)]
    rate = validation.sample_rate(len(names))
    assert rate == 100 / 20000 and validation.sample_rate(1000) == 20 / 1000
    assert 60 <= sum(validation.sampled(n, rate) for n in names) <= 140
    changed = [(f"k{i:03d}", f"x{i}.txt") for i in range(100)]
    keys = validation.update_sample(changed, 0.0)
    assert keys == ["k000", "k020", "k040", "k060", "k080"]
    assert validation.update_sample(changed[:3], 0.0) == ["k000", "k001", "k002"]
    assert validation.update_sample(changed, 1.0) == [k for k, _ in changed]


def test_update_leaves_the_garbage_collector_as_it_was(tmp_path, corpora):
    """The update pauses and freezes the cyclic collector for its own objects only."""
    import gc

    src = _corpus(tmp_path, corpora)
    out = tmp_path / "out"
    build.run([src], out, workers=1)
    victim = sorted(src.rglob("*.txt"))[2]
    victim.write_bytes(victim.read_bytes() + "此外,全面推行“双随机、一公开”监管。\n".encode())
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert build.run([src], out, workers=1, update=True).stats.get("in_place")
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_update_in_place_without_fork_equals_clean_build(tmp_path, corpora, monkeypatch):
    """Where processes cannot be forked, the update's background steps (the splices, the
    page, SHACL) run in the building process: the same result."""
    from kg.build import processes

    src = _corpus(tmp_path, corpora)
    out = tmp_path / "out"
    build.run([src], out, workers=1)
    victim = sorted(src.rglob("*.txt"))[4]
    victim.write_bytes(victim.read_bytes() + "此外,全面推行“双随机、一公开”监管。\n".encode())
    monkeypatch.setattr(processes.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    updated = build.run([src], out, workers=1, update=True)
    assert updated.stats.get("in_place") and updated.stats["extracted"] == 1
    monkeypatch.undo()
    build.run([src], tmp_path / "clean", workers=1)
    for name in ("graph.nt", "graph.ttl", "spread.html"):
        assert (out / name).read_bytes() == (tmp_path / "clean" / name).read_bytes(), name


def test_updates_keep_the_build_before_and_remove_older_ones(tmp_path, corpora):
    """An update removes the stale build folders itself (while the page is packed): after a
    clean build and two updates, the live build and the one before it are left, complete,
    and the one before it is the first update (so ``kg builds`` can restore it)."""
    from kg.store import current_build

    src = _corpus(tmp_path, corpora)
    out = tmp_path / "out"
    build.run([src], out, workers=1)
    lives = [current_build(out)]
    for i in (1, 3):
        victim = sorted(src.rglob("*.txt"))[i]
        victim.write_bytes(victim.read_bytes() + f"此外,全面推行第{i}项“双随机、一公开”监管。\n".encode())
        assert build.run([src], out, workers=1, update=True).stats.get("in_place")
        lives.append(current_build(out))
    assert sorted((out / ".builds").iterdir()) == sorted(lives[1:])
    assert all((p / ".complete").is_file() and (p / "graph.nt").is_file() for p in lives[1:])


def test_extraction_process_gives_the_results_of_this_process(tmp_path, corpora):
    """The update's early extraction process returns what extracting here returns, in the
    order sent; if it dies the files are extracted here instead."""
    from kg.build import processes, worker

    files = sorted((corpora / "s" / "reports").rglob("*.txt"))[:4]
    work = [(p, p.name, False) for p in files]
    expected = [worker.work(item) for item in work]
    extractor = processes.Extractor()
    try:
        assert list(extractor.extract(work)) == expected
    finally:
        extractor.close()
    dead = processes.Extractor()
    try:
        dead._proc.kill()
        dead._proc.join()
        assert list(dead.extract(work)) == expected
    finally:
        dead.close()
