"""A build's forked children (kg.build.processes.in_child) leave what they inherit out of the
collector's passes; run in the build's own process instead, they freeze nothing."""

from __future__ import annotations

import gc
import multiprocessing

import pytest

from kg.build import processes


def _state() -> tuple[int, int]:
    return gc.get_freeze_count(), len(gc.get_objects())


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_a_forked_child_freezes_what_it_inherits() -> None:
    before = gc.get_freeze_count()
    held = [[i] for i in range(50_000)]  # tracked objects the child inherits
    frozen, tracked = processes.in_child(_state)()
    assert frozen >= before + len(held)  # inherited objects moved to the permanent generation
    assert tracked < len(held)  # and no longer walked by a collection
    assert gc.get_freeze_count() == before  # this process untouched


def test_run_here_it_freezes_nothing(monkeypatch) -> None:
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])  # no fork
    before = gc.get_freeze_count()
    frozen, _ = processes.in_child(_state)()  # the function runs in this process
    assert frozen == before
    assert gc.get_freeze_count() == before
