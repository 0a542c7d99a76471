"""Writing a build: graph.nt (sorted), graph.ttl and the on-disk Oxigraph store.

Every file is written beside its target first and moved into place with
``os.replace``, and the store is built in a fresh folder that replaces the old
one only once complete, so a reader never sees half a build.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kg.namespaces import PREFIXES

__all__ = ["open_store", "sorted_ntriples", "write_graph"]


def sorted_ntriples(g: Graph) -> str:
    """The graph as N-Triples, one triple a line, sorted and unique: the diffable artefact."""
    lines = {ln for ln in g.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines() if ln}
    return "".join(f"{ln}\n" for ln in sorted(lines))


def write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8, atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_graph(g: Graph, out: Path) -> dict[str, int]:
    """Write graph.nt, graph.ttl and store/ into ``out``; return their sizes."""
    out.mkdir(parents=True, exist_ok=True)
    nt_path = out / "graph.nt"
    write_text(nt_path, sorted_ntriples(g))

    new_store = out / ".store.new"
    shutil.rmtree(new_store, ignore_errors=True)
    store = ox.Store(str(new_store))
    store.bulk_load(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES)
    store.optimize()
    ttl_tmp = out / ".graph.ttl.tmp"
    store.dump(
        str(ttl_tmp), format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(),
        prefixes={k: str(v) for k, v in PREFIXES.items()},
    )
    triples = len(store)
    del store  # release the RocksDB lock before moving the folder
    os.replace(ttl_tmp, out / "graph.ttl")
    old_store = out / ".store.old"
    shutil.rmtree(old_store, ignore_errors=True)
    if (out / "store").exists():
        os.replace(out / "store", old_store)
    os.replace(new_store, out / "store")
    shutil.rmtree(old_store, ignore_errors=True)
    return {"triples": triples}


def open_store(out: Path) -> ox.Store:
    """The build's store, read-only (several readers may open it at once)."""
    path = out / "store"
    if not path.is_dir():
        from kg.errors import KGError

        raise KGError(f"{path}: 没有找到图谱存储 / no store here: run `kg build --out {out}` first")
    return ox.Store.read_only(str(path))
