"""The clean build's forked children leave what they inherit out of the collector's passes."""

from __future__ import annotations

import gc
import multiprocessing

import pytest

from kg.build import processes
from kg.build.clean import _inherited_frozen


def _state() -> tuple[int, int]:
    return gc.get_freeze_count(), len(gc.get_objects())


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_a_forked_child_freezes_what_it_inherits() -> None:
    before = gc.get_freeze_count()
    held = [[i] for i in range(50_000)]  # tracked objects the child inherits
    frozen, tracked = processes.in_child(_inherited_frozen(_state))()
    assert frozen >= before + len(held)  # inherited objects moved to the permanent generation
    assert tracked < len(held)  # and no longer walked by a collection
    assert gc.get_freeze_count() == before  # this process untouched


def test_run_here_it_freezes_nothing() -> None:
    before = gc.get_freeze_count()
    frozen, _ = _inherited_frozen(_state)()  # no fork: the function runs in this process
    assert frozen == before
    assert gc.get_freeze_count() == before
