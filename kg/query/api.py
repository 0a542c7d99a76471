"""The Python API: ``kg.open(DIR)`` → :class:`KnowledgeGraph`.

>>> import kg                                          # doctest: +SKIP
>>> g = kg.open("output")                              # doctest: +SKIP
>>> g.query("adoption-table", programme="枫桥经验")[0]  # doctest: +SKIP
{'region': '坪山区', 'code': '440310', 'province': '广东省', 'programme': '枫桥经验', 'firstYear': 2021, ...}
>>> g.frame("reports-by-year-region").dtypes["year"]   # doctest: +SKIP
Int64Dtype()
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.errors import QueryError, UnknownNameWarning
from kg.names import unknown_names
from kg.query import engine, library
from kg.query.library import NamedQuery
from kg.query.terms import to_python

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KnowledgeGraph", "open_graph", "solutions_to_rows"]


class KnowledgeGraph:
    """A read-only handle on one build's store (``DIR/store``).

    Args:
        store: an open pyoxigraph store (see :func:`open_graph`).
        path: the build folder it came from, for messages.
    """

    def __init__(self, store: ox.Store, path: Path | None = None) -> None:
        self._store = store
        self.path = path

    def __repr__(self) -> str:
        return f"<KnowledgeGraph {self.path} ({len(self._store)} triples)>"

    def __len__(self) -> int:
        return len(self._store)

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the store (its RocksDB files) now rather than at garbage collection."""
        self._store = None  # type: ignore[assignment]

    def raw(self, query: str | Path, **bindings: Any) -> Any:
        """The pyoxigraph result object (solutions, boolean or triples), unconverted."""
        return engine.execute(self._store, engine.prepare(query, bindings))

    def _rows(self, query: str | Path, bindings: dict[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
        """(raw result, its rows if SELECT); an empty answer of a library query whose
        programme/region/province matches nothing warns :class:`UnknownNameWarning`."""
        prepared = engine.prepare(query, bindings)
        result = engine.execute(self._store, prepared)
        rows = solutions_to_rows(result) if isinstance(result, ox.QuerySolutions) else []
        if not rows and prepared.source is not None:
            found = unknown_names(self._store, [p.name for p in prepared.source.params], bindings)
            if found:
                warnings.warn(UnknownNameWarning("; ".join(u.message() for u in found), found),
                              stacklevel=3)
        return result, rows

    def query(self, query: str | Path, **bindings: Any) -> Any:
        """Run a library query (by name), an ``.rq`` file or SPARQL text.

        Keyword arguments are bound as RDF terms (typed by the query's header
        when it declares them; ``str`` → literal, ``int`` → xsd:integer,
        ``"<iri>"`` → IRI otherwise). The project's prefixes (fz:, fzid:,
        skos:, …) are predeclared.

        Returns:
            SELECT: a list of dicts, one per row, values as Python types
            (``int`` for integers and xsd:gYear, ``bool``, ``datetime.date``,
            ``str`` for IRIs and strings, ``None`` when unbound).
            ASK: a ``bool``. CONSTRUCT/DESCRIBE: a list of ``pyoxigraph.Triple``.

        Raises:
            kg.errors.QueryError: unknown name, bad parameter, syntax error
                (one line with the position), update or SERVICE.

        Warns:
            kg.errors.UnknownNameWarning: the answer is empty and a ``programme``,
                ``region`` or ``province`` given matches nothing (the closest names
                are in the message and in ``.names``).
        """
        result, rows = self._rows(query, bindings)
        if isinstance(result, ox.QuerySolutions):
            return rows
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        return list(result)

    def frame(self, query: str | Path, **bindings: Any) -> pd.DataFrame:
        """Like :meth:`query` for SELECT, as a pandas DataFrame with typed columns.

        Column dtypes follow the values: ``Int64`` (integers, years), ``boolean``,
        ``Float64``, ``datetime64[ns]`` (dates), ``string`` otherwise; all are
        nullable, so an unbound cell is ``<NA>``.
        """
        import pandas as pd

        result, rows = self._rows(query, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("frame() 只接受 SELECT 查询 / frame() needs a SELECT query")
        columns = [v.value for v in result.variables]
        data = {c: _typed_column(pd, [r[c] for r in rows]) for c in columns}
        return pd.DataFrame(data, columns=columns)

    def queries(self) -> list[NamedQuery]:
        """The shipped research queries, sorted by name (name, title, purpose, params, example)."""
        return list(library.library().values())


def solutions_to_rows(solutions: ox.QuerySolutions) -> list[dict[str, Any]]:
    """Rows as dicts in projection order, values converted by :func:`kg.query.terms.to_python`."""
    names = [v.value for v in solutions.variables]
    return [{n: to_python(sol[n]) for n in names} for sol in solutions]


def _typed_column(pd: Any, values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    kinds = {type(v) for v in present}
    if kinds == {bool}:
        return pd.array(values, dtype="boolean")
    if kinds == {int}:
        return pd.array(values, dtype="Int64")
    if kinds and kinds <= {int, float}:
        return pd.array(values, dtype="Float64")
    if kinds == {dt.date}:
        return pd.to_datetime(pd.Series(values, dtype="object"))
    if kinds <= {str}:
        return pd.array(values, dtype="string")
    return pd.array([str(v) if v is not None else None for v in values], dtype="string")


def open_graph(out: Path | str = "output") -> KnowledgeGraph:
    """Open the build in ``out`` read-only (several processes may do so at once).

    Raises:
        kg.errors.KGError: no ``store/`` folder there (run ``kg build`` first).
    """
    from kg.store import open_store

    path = Path(out)
    return KnowledgeGraph(open_store(path), path)


def iter_rows(graph: KnowledgeGraph, query: str, **bindings: Any) -> Iterator[dict[str, Any]]:
    """Rows one at a time, for large answers."""
    result = graph.raw(query, **bindings)
    names = [v.value for v in result.variables]
    for sol in result:
        yield {n: to_python(sol[n]) for n in names}
