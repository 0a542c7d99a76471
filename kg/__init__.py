"""fazhi-kg: a knowledge graph of Chinese legal-governance measures.

Public API (imported lazily, so ``import kg`` stays cheap)::

    kg.build(inputs, out)      # files/folders → graph.ttl, graph.nt, store/, manifest.json
    kg.read(path, source)      # one file → kg.types.Document
    kg.extract(document)       # Document → kg.types.Extraction
    kg.open(out)               # a build → KnowledgeGraph: .query(), .frame(), .queries()
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "build", "extract", "open", "read"]

_LAZY = {
    "build": ("kg.build", None),  # the package, callable as its run()
    "extract": ("kg.extract", "extract"),
    "open": ("kg.query", "open"),
    "read": ("kg.ingest", "read"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return import_module(module) if attr is None else getattr(import_module(module), attr)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
