"""Who may take a free query worker: per-client counts and a runaway record.

A runaway query (one cut at the time limit, or one that blew its worker's
memory budget) holds a worker until it is killed. Without a rule, two of them
(one per default worker) block every other client for a whole time limit. The
rule here keeps capacity for the others:

* the pool keeps ``reserve`` workers (default 1) that only a client with
  nothing running and no runaway record may take: whoever else is busy, a new
  client's short query finds a worker;
* a client with a runaway record (within ``cooldown`` seconds of its last
  runaway) queues in a lane of its own: all such clients together run at most
  ``size - 1`` queries at once (at least 1), never on a reserved worker;
* a client may have at most ``per_client`` queries running or waiting; beyond
  that it is told to wait (HTTP 503) instead of filling the queue.

Clients are told apart by their address (``request.client.host``). Waiting
requests are granted in arrival order among those the rule admits, so a client
whose queries cannot run never holds up one whose can.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Client", "Lanes"]


@dataclass
class Client:
    """One client's counts: queries running, waiting, runaways and when the last was."""

    running: int = 0
    waiting: int = 0
    runaways: int = 0
    last_runaway: float = float("-inf")


@dataclass
class Lanes:
    """The admission rule over ``size`` ordinary and ``reserve`` reserved workers."""

    size: int
    reserve: int = 1
    cooldown: float = 300.0
    per_client: int = 8

    def __post_init__(self) -> None:
        self.clients: dict[str, Client] = {}
        self.suspects_running = 0

    def client(self, key: str) -> Client:
        return self.clients.setdefault(key, Client())

    def flagged(self, c: Client, now: float) -> bool:
        """Whether ``c`` has a runaway within the cooldown."""
        return c.runaways > 0 and now - c.last_runaway < self.cooldown

    def full(self, key: str) -> bool:
        """Whether ``key`` already has as many queries running or waiting as allowed."""
        c = self.clients.get(key)
        return c is not None and c.running + c.waiting >= self.per_client

    def admits(self, key: str, free: int, now: float) -> bool:
        """Whether a query of ``key`` may take one of ``free`` idle workers now."""
        c = self.client(key)
        if free <= 0:
            return False
        if self.flagged(c, now):
            return free > self.reserve and self.suspects_running < max(1, self.size - 1)
        return free > self.reserve or c.running == 0

    def queued(self, key: str) -> None:
        """Count a query of ``key`` as waiting."""
        self.client(key).waiting += 1

    def withdrawn(self, key: str, now: float) -> None:
        """A waiting query of ``key`` gave up (its time ran out, or its client left)."""
        self.client(key).waiting -= 1
        self._forget(key, now)

    def started(self, key: str, now: float) -> bool:
        """Move a waiting query of ``key`` to running; whether it runs in the runaway lane."""
        c = self.client(key)
        c.waiting -= 1
        c.running += 1
        suspect = self.flagged(c, now)
        self.suspects_running += suspect
        return suspect

    def finished(self, key: str, suspect: bool, runaway: bool, now: float) -> None:
        """Count a query of ``key`` as done; ``runaway`` records a time or memory kill."""
        c = self.client(key)
        c.running -= 1
        self.suspects_running -= suspect
        if runaway:
            c.runaways += 1
            c.last_runaway = now
        self._forget(key, now)

    def _forget(self, key: str, now: float) -> None:
        c = self.clients.get(key)
        if c is not None and not (c.running or c.waiting or self.flagged(c, now)):
            del self.clients[key]
