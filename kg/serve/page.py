"""The browser query page: one self-contained HTML file, no network but /sparql.

The research queries are embedded as examples: their text as shipped (header
comment included) and, for each declared parameter, one input filled with the
value of the query's example. A value is written in one place only, its input:
the page sends it as ``param.NAME`` and the server binds it as an RDF term in
every part of the query that uses it (the same VALUES mechanism as ``kg query
-p``), so editing the input changes the question. The answer's format follows
the query form (SELECT/ASK: a table; CONSTRUCT/DESCRIBE: Turtle) unless the
reader picks one.
"""

from __future__ import annotations

import json
import shlex
from importlib import resources

from kg.errors import KGError
from kg.query import engine, library

__all__ = ["CSP", "example_params", "examples", "render_page"]

# The page may talk to its own origin only; everything else is inline.
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'")


def example_params(example: str) -> dict[str, str]:
    """``-p name=value`` pairs of a header's example command line.

    >>> example_params("kg query --name x -p programme=枫桥经验 -p before=2020")
    {'programme': '枫桥经验', 'before': '2020'}
    """
    words = shlex.split(example.splitlines()[0]) if example else []
    out = {}
    for i, w in enumerate(words[:-1]):
        if w in ("-p", "--param"):
            key, _, value = words[i + 1].partition("=")
            out[key] = value
    return out


def examples() -> list[dict[str, object]]:
    """Each library query as {name, title, purpose, sparql, form, params}; each parameter
    as {name, type, optional, doc, value} with the value of the query's example."""
    out: list[dict[str, object]] = []
    for nq in library.library().values():
        given = example_params(nq.example)
        try:
            form = engine.prepare(nq.name, given).form
        except KGError:
            form = "SELECT"
        params = [{"name": p.name, "type": p.kind, "optional": p.optional, "doc": p.doc,
                   "value": given.get(p.name, "")} for p in nq.params]
        out.append({"name": nq.name, "title": nq.title, "purpose": nq.purpose, "sparql": nq.text,
                    "form": form, "params": params})
    return out


def render_page() -> str:
    """The page's HTML with the examples embedded as inert JSON."""
    template = (resources.files("kg.serve") / "page.html").read_text(encoding="utf-8")
    data = json.dumps(examples(), ensure_ascii=False)
    # inert inside <script type="application/json">: no "</script>" or "<!--" can form
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return template.replace("__EXAMPLES_JSON__", data)
