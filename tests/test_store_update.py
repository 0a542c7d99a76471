"""The pieces of kg/store.py that --update relies on: counted runs, sorted splices, a store
checkpoint taken read-only, and the chunked bulk load."""

from __future__ import annotations

import random

import pyoxigraph as ox

from kg.store import (
    RunWriter,
    SortedLines,
    copy_store,
    load_store,
    merge_runs,
    splice_sorted,
)

EX = "<http://example.org/{}> <http://example.org/p> \"{}\" ."


def _position(lines: list[str], probe: bytes) -> int:
    """Byte offset of the first of sorted ``lines`` >= ``probe`` in their file (by counting)."""
    return sum(len(ln.encode()) + 1 for ln in lines if ln.encode() < probe)


def _lines(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return sorted({EX.format(rng.randrange(50), rng.choice(["a", "b", "中", "é z"])) for _ in range(n)})


def test_merge_counts_lines_added_by_several_reports(tmp_path):
    runs = RunWriter(tmp_path / "runs", limit=3)  # several runs, so counts add up across them
    reports = [_lines(6, seed) for seed in range(5)]
    for lines in reports:
        runs.add(lines)
    runs.spill()
    assert len(runs.runs) > 1
    repeated: dict[str, int] = {}
    count = merge_runs(runs.runs, tmp_path / "g.nt", repeated=lambda ln, n: repeated.__setitem__(ln, n))
    expected = sorted({ln for lines in reports for ln in lines})
    assert (tmp_path / "g.nt").read_text(encoding="utf-8") == "".join(f"{ln}\n" for ln in expected)
    assert count == len(expected)
    truth = {ln: sum(ln in lines for lines in reports) for ln in expected}
    assert repeated == {ln: n for ln, n in truth.items() if n > 1} and repeated


def test_runs_are_n_triples_and_taken_away_lines_are_dropped(tmp_path):
    """A run's counts are N-Triples comments (a store loads a run as it is; a " #" inside a
    literal is no count), and a report's lines subtracted again (a duplicate) leave the
    merge unless another report asserts them."""
    hash_literal = EX.format("h", "C# 与 #2")
    kept, gone = EX.format("k", "kept"), EX.format("g", "gone")
    first = RunWriter(tmp_path / "runs", name="batch")
    first.add([hash_literal, kept, gone])
    first.add([hash_literal, kept])
    first.spill()
    minus = RunWriter(tmp_path / "runs", name="minus")
    minus.subtract([kept, gone])  # the second report was a duplicate after all
    minus.spill()
    store = ox.Store()
    store.bulk_load(path=str(first.runs[0]), format=ox.RdfFormat.N_TRIPLES)
    assert len(store) == 3
    repeated: dict[str, int] = {}
    dropped: list[str] = []
    count = merge_runs(first.runs + minus.runs, tmp_path / "g.nt",
                       repeated=lambda ln, n: repeated.__setitem__(ln, n), dropped=dropped.append)
    assert (tmp_path / "g.nt").read_text(encoding="utf-8") == "".join(
        f"{ln}\n" for ln in sorted([hash_literal, kept]))
    assert count == 2 and repeated == {hash_literal: 2} and dropped == [gone]


def test_splice_equals_sorting_again(tmp_path):
    rng = random.Random(3)
    for trial in range(40):
        old = _lines(rng.randrange(0, 40), trial)
        (tmp_path / "old.nt").write_text("".join(f"{ln}\n" for ln in old), encoding="utf-8")
        remove = [ln for ln in old if rng.random() < 0.3]
        add = sorted(set(_lines(10, 1000 + trial)) - set(old))
        delta = splice_sorted(tmp_path / "old.nt", remove, add, tmp_path / "new.nt")
        expected = sorted((set(old) - set(remove)) | set(add))
        assert (tmp_path / "new.nt").read_text(encoding="utf-8") == "".join(f"{ln}\n" for ln in expected)
        assert delta == len(add) - len(remove)
        index = SortedLines((tmp_path / "new.nt").read_bytes(), step=16)
        for ln in old + add:
            assert index.contains(ln.encode()) == (ln in expected)
            assert index.position(ln.encode()) == _position(expected, ln.encode())


def test_checkpoint_of_a_read_only_store_is_independent(tmp_path, monkeypatch):
    import kg.store

    monkeypatch.setattr(kg.store, "LOAD_LINES", 7)  # the bulk load in several slices
    lines = _lines(30, 7)
    (tmp_path / "g.nt").write_text("".join(f"{ln}\n" for ln in lines), encoding="utf-8")
    store = load_store(tmp_path / "g.nt", tmp_path / "store")
    assert len(store) == len(lines)
    del store
    reader = ox.Store.read_only(str(tmp_path / "store"))  # a reader of the live build
    copy_store(tmp_path / "store", tmp_path / "copy")
    copy = ox.Store(str(tmp_path / "copy"))
    first = next(ox.parse(input=lines[0].encode(), format=ox.RdfFormat.N_TRIPLES))
    copy.remove(first)
    copy.flush()
    assert len(copy) == len(lines) - 1
    assert len(reader) == len(lines) and first in reader


def test_turtle_splice_equals_writing_again(tmp_path):
    from kg.store import splice_turtle, write_turtle

    fz = "<https://w3id.org/fazhi-kg/id/{}> <http://www.w3.org/2000/01/rdf-schema#label> \"{}\"@zh ."
    rng = random.Random(5)
    old = sorted({fz.format(f"agency/{rng.randrange(40)}/%E5%8F%B8", rng.choice("甲乙丙丁")) for _ in range(80)}
                 | {fz.format(f"region/{rng.randrange(40)}", "区") for _ in range(30)})
    (tmp_path / "old.nt").write_text("".join(f"{ln}\n" for ln in old), encoding="utf-8")
    write_turtle(tmp_path / "old.nt", tmp_path / "old.ttl", index=tmp_path / "old.idx")
    remove = [ln for ln in old if rng.random() < 0.2] + [ln for ln in old if "/region/3>" in ln]
    add = sorted({fz.format(f"agency/{rng.randrange(60)}/%E5%8F%B8", "戊") for _ in range(20)} - set(old))
    remove = sorted(set(remove))
    splice_sorted(tmp_path / "old.nt", remove, add, tmp_path / "new.nt")
    subjects = {ln.split(" ", 1)[0][1:-1] for ln in remove + add}
    splice_turtle(tmp_path / "old.ttl", tmp_path / "old.idx", tmp_path / "new.nt", subjects,
                  tmp_path / "new.ttl", tmp_path / "new.idx")
    write_turtle(tmp_path / "new.nt", tmp_path / "ref.ttl", index=tmp_path / "ref.idx")
    assert (tmp_path / "new.ttl").read_bytes() == (tmp_path / "ref.ttl").read_bytes()
    assert (tmp_path / "new.idx").read_bytes() == (tmp_path / "ref.idx").read_bytes()
    assert b"fzid:agency" in (tmp_path / "new.ttl").read_bytes()  # blocks of prefixed subjects


def test_sorted_lines_lookups_equal_counting():
    rng = random.Random(11)
    for trial in range(30):
        lines = _lines(rng.randrange(0, 60), 500 + trial)
        data = "".join(f"{ln}\n" for ln in lines).encode()
        probes = [ln.encode() for ln in lines] + [ln.encode() + b"x" for ln in lines] + \
            [ln.encode()[:-3] for ln in lines] + [b"", b"<", b"~", b"\xff"]
        for step in (1, 7, 64, 4096):
            index = SortedLines(data, step=step)
            for probe in probes:
                assert index.position(probe) == _position(lines, probe), (step, probe)
                assert index.contains(probe) == (probe in {ln.encode() for ln in lines})
        assert SortedLines.for_lookups(data, len(probes)).position(b"~") == len(data)


def _turtle_case(tmp_path, old, remove, add):
    from kg.store import SortedLines, splice_turtle, write_turtle

    (tmp_path / "old.nt").write_text("".join(f"{ln}\n" for ln in old), encoding="utf-8")
    write_turtle(tmp_path / "old.nt", tmp_path / "old.ttl", index=tmp_path / "old.idx")
    data = (tmp_path / "old.nt").read_bytes()
    splice_sorted(tmp_path / "old.nt", remove, add, tmp_path / "new.nt",
                  index=SortedLines(data, step=16))
    expected = sorted((set(old) - set(remove)) | set(add))
    assert (tmp_path / "new.nt").read_text(encoding="utf-8") == "".join(f"{ln}\n" for ln in expected)
    subjects = {ln.split(" ", 1)[0][1:-1] for ln in [*remove, *add]}
    splice_turtle(tmp_path / "old.ttl", tmp_path / "old.idx", tmp_path / "new.nt", subjects,
                  tmp_path / "new.ttl", tmp_path / "new.idx")
    write_turtle(tmp_path / "new.nt", tmp_path / "ref.ttl", index=tmp_path / "ref.idx")
    assert (tmp_path / "new.ttl").read_bytes() == (tmp_path / "ref.ttl").read_bytes()
    assert (tmp_path / "new.idx").read_bytes() == (tmp_path / "ref.idx").read_bytes()


FZ = "<https://w3id.org/fazhi-kg/id/{}> <http://www.w3.org/2000/01/rdf-schema#label> \"{}\"@zh ."


def test_turtle_splice_at_the_first_and_last_subjects(tmp_path):
    old = sorted({FZ.format(f"region/{k}", v) for k in range(10, 20) for v in "甲乙"})
    first, last = [ln for ln in old if "/region/10>" in ln], [ln for ln in old if "/region/19>" in ln]
    cases = [
        (first, []),  # the first subject goes
        (last, []),  # the last subject goes
        (first[:1] + last[:1], []),  # they lose a triple each
        ([], [FZ.format("agency/0", "丙")]),  # a new first subject (fzid:agency < fzid:region)
        ([], [FZ.format("region/99", "丙"), FZ.format("region/10", "丁")]),  # a new last subject; the first grows
        (first + last, [FZ.format("region/0", "戊"), FZ.format("region/9", "己")]),  # both replaced
        (old, [FZ.format("agency/1", "庚")]),  # everything replaced
        (old, []),  # nothing left
    ]
    for k, (remove, add) in enumerate(cases):
        case = tmp_path / str(k)
        case.mkdir()
        _turtle_case(case, old, remove, add)
    empty = tmp_path / "empty"
    empty.mkdir()
    _turtle_case(empty, [], [], [FZ.format("region/1", "甲")])  # from an empty graph


def test_turtle_splice_equals_writing_again_at_random(tmp_path):
    rng = random.Random(8)
    for trial in range(25):
        old = sorted({FZ.format(f"{rng.choice(['agency', 'region', 'report'])}/{rng.randrange(30)}",
                                rng.choice("甲乙丙丁")) for _ in range(rng.randrange(1, 80))})
        remove = [ln for ln in old if rng.random() < 0.25]
        add = sorted({FZ.format(f"{rng.choice(['agency', 'region', 'zz'])}/{rng.randrange(40)}", "戊")
                      for _ in range(rng.randrange(0, 15))} - set(old))
        case = tmp_path / str(trial)
        case.mkdir()
        _turtle_case(case, old, remove, add)
