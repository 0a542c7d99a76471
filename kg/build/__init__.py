"""The build: the only loop over documents (``kg build``).

files → worker processes (:mod:`~kg.build.worker`: :func:`kg.ingest.read` →
:func:`kg.extract.extract` → :func:`kg.graph.report_lines`) → sorted runs of N-Triples
lines (and the sampled reports' subgraphs, for SHACL) → one merged, sorted ``graph.nt`` →
Oxigraph store, ``graph.ttl``, SHACL, ``spread.html`` → ``manifest.json``. No whole-corpus
graph is ever held in memory: memory is bounded by the run size, the load slice and the
worker batches, not by the corpus. Results come back in input order, so the output is
byte-identical whatever the number of workers. Everything is written into a fresh build
folder swapped in atomically (:mod:`kg.store`). A file that fails is recorded with its
reason and the others are built; nothing here raises on a bad document.

Modules, in the order a build runs them: :mod:`~kg.build.run` (entry point, inputs, plan),
:mod:`~kg.build.cache` (per-file results by content and code version),
:mod:`~kg.build.processes` and :mod:`~kg.build.worker` (extraction in worker processes),
:mod:`~kg.build.clean` (a build from scratch, the store loaded meanwhile by
:mod:`~kg.build.loader`) or :mod:`~kg.build.update` (``--update``: the
previous build changed in place, with :mod:`~kg.build.state` and :mod:`~kg.build.artefacts`),
:mod:`~kg.build.validation` (SHACL), :mod:`~kg.build.publish` and :mod:`~kg.build.manifest`
(the end: manifest, cache, swap); :mod:`~kg.build.results`, :mod:`~kg.build.plan` and
:mod:`~kg.build.clock` hold what they pass around.

The module itself can be called: ``kg.build(inputs, out)`` is :func:`run` (``kg.build``
is the public API's name of the build, and also this package's).
"""

from __future__ import annotations

import sys
import types
from typing import Any

from kg.build.cache import code_version, file_key
from kg.build.results import BuildResult, ManifestEntry
from kg.build.run import run
from kg.build.validation import ValidateMode

__all__ = ["BuildResult", "ManifestEntry", "ValidateMode", "code_version", "file_key", "run"]


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> BuildResult:
        return run(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
