"""Connection limits below the ASGI app: idle, slow and too many connections.

uvicorn's HTTP protocol (h11) closes a keep-alive connection after a response,
but not one that never finishes its request, and counts connections only
overall, so 1,000 idle sockets make every other client get 503. This protocol
adds, per connection:

* a **request deadline**: the request line, headers and body must arrive within
  ``request_timeout`` seconds of the connection opening (or of the previous
  response ending); a client that sends nothing, or one byte at a time, gets
  408 and is closed;
* a **write deadline**: while the answer waits on a client that does not read
  (the send buffer full), the connection is closed after ``write_timeout``
  seconds without progress, so slow readers cannot pile up;
* a **per-client count**: one address may hold ``per_client`` connections at
  once; more are answered 503 and closed at once.

The answer a slow reader holds is a file in the spool folder, never memory
(see :mod:`kg.serve.stream`). Every refusal is bilingual.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["ConnectionLimits", "guarded_protocol"]


@dataclass(frozen=True)
class ConnectionLimits:
    """Seconds to send a whole request, seconds a stalled answer is kept, connections per address."""

    request_timeout: float = 10.0
    write_timeout: float = 30.0
    per_client: int = 32


def _raw(status: int, reason: str, message: str, extra: str = "") -> bytes:
    body = (message + "\n").encode("utf-8")
    head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n{extra}\r\n")
    return head.encode("ascii") + body


class GuardedH11Protocol(H11Protocol):
    """H11Protocol with a request deadline, a write deadline and a per-address cap."""

    limits: ClassVar[ConnectionLimits] = ConnectionLimits()
    open_by_client: ClassVar[dict[str, int]] = {}
    closed_slow: ClassVar[list[int]] = [0, 0, 0]  # requests too slow, writes stalled, over the cap

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._stall: asyncio.TimerHandle | None = None
        self._key = self.client[0] if self.client else ""
        count = self.open_by_client.get(self._key, 0) + 1
        self.open_by_client[self._key] = count
        if count > self.limits.per_client:
            self.closed_slow[2] += 1
            transport.write(_raw(503, "Service Unavailable",
                                 f"连接过多 / too many connections from your address (limit "
                                 f"{self.limits.per_client}); close some and retry", "Retry-After: 5\r\n"))
            transport.close()
            return
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        left = self.open_by_client.get(self._key, 1) - 1
        if left > 0:
            self.open_by_client[self._key] = left
        else:
            self.open_by_client.pop(self._key, None)
        self._disarm()
        if self._stall is not None:
            self._stall.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.limits.request_timeout, self._request_too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def handle_events(self) -> None:
        super().handle_events()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and not cycle.more_body:
            self._disarm()  # the whole request is in: the deadline is the query's own now

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection has the same deadline

    def _request_too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        self.closed_slow[0] += 1
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(_raw(408, "Request Timeout",
                                      f"请求超时 / the request did not arrive within "
                                      f"{self.limits.request_timeout:g} s; connection closed"))
        self.transport.close()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._stall is None:
            self._stall = self.loop.call_later(self.limits.write_timeout, self._write_stalled)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._stall is not None:
            self._stall.cancel()
            self._stall = None

    def _write_stalled(self) -> None:
        self._stall = None
        self.closed_slow[1] += 1
        self.transport.abort()  # the client stopped reading: drop its answer


def guarded_protocol(limits: ConnectionLimits) -> type[GuardedH11Protocol]:
    """A protocol class for ``uvicorn.run(http=…)`` with these limits and its own counts."""
    attrs: dict[str, Any] = {"limits": limits, "open_by_client": {}, "closed_slow": [0, 0, 0]}
    return type("KGGuardedH11Protocol", (GuardedH11Protocol,), attrs)
