"""The admission rule of kg.serve.lanes (issue 18 item 5), case by case: who may take
one of the free workers, and what a runaway record changes."""

from __future__ import annotations

from kg.serve.lanes import Lanes


def _start(lanes: Lanes, key: str, free: int, now: float = 0.0) -> bool:
    lanes.queued(key)
    if not lanes.admits(key, free, now):
        lanes.withdrawn(key, now)
        return False
    lanes.started(key, now)
    return True


def test_the_reserve_is_for_clients_with_nothing_running():
    lanes = Lanes(size=2, reserve=1)
    assert _start(lanes, "a", 3) and _start(lanes, "a", 2)   # two ordinary workers
    assert not _start(lanes, "a", 1)                         # not the reserved one
    assert _start(lanes, "b", 1)                             # a client with nothing running: yes


def test_a_runaway_record_puts_a_client_in_its_own_lane_until_the_cooldown():
    lanes = Lanes(size=3, reserve=1, cooldown=100.0)
    assert _start(lanes, "a", 4)
    lanes.finished("a", False, True, now=10.0)               # cut at the time limit
    assert lanes.flagged(lanes.client("a"), 20.0)
    assert _start(lanes, "a", 4, 20.0) and _start(lanes, "a", 3, 20.0)  # lane of size - 1 = 2
    assert not _start(lanes, "a", 2, 20.0)                   # lane full, though workers are free
    assert _start(lanes, "b", 2, 20.0) and _start(lanes, "c", 1, 20.0)
    lanes.finished("a", True, False, 30.0)
    lanes.finished("a", True, False, 30.0)
    assert not lanes.flagged(lanes.client("a"), 111.0)       # forgiven after the cooldown
    assert _start(lanes, "a", 1, 111.0)


def test_flagged_clients_never_take_the_reserve_and_counts_are_forgotten():
    lanes = Lanes(size=2, reserve=1, cooldown=100.0, per_client=2)
    _start(lanes, "a", 3)
    lanes.finished("a", False, True, 0.0)
    assert not lanes.admits("a", 1, 1.0)                     # only the reserve is free
    lanes.queued("a")
    lanes.queued("a")
    assert lanes.full("a")                                   # two waiting: no third
    lanes.withdrawn("a", 1.0)
    lanes.withdrawn("a", 1.0)
    assert "a" in lanes.clients                              # its record stays for the cooldown
    lanes._forget("a", 200.0)
    assert "a" not in lanes.clients
