"""``kg serve``: a read-only SPARQL 1.1 Protocol endpoint over a build.

pyoxigraph does the querying, in worker processes that are killed at the time
limit (:mod:`kg.serve.pool`); a small Starlette app speaks the protocol
(:mod:`kg.serve.app`) and serves an offline query page (:mod:`kg.serve.page`).
"""

from __future__ import annotations

from kg.serve.app import Settings, create_app

__all__ = ["Settings", "create_app"]
