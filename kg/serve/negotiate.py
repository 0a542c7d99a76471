"""HTTP content negotiation for SPARQL answers (Accept header or ``format=``)."""

from __future__ import annotations

__all__ = ["GRAPH_TYPES", "RESULT_TYPES", "choose"]

# media type → format name, in order of preference when the client does not mind
RESULT_TYPES: dict[str, str] = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
GRAPH_TYPES: dict[str, str] = {
    "text/turtle": "ttl", "application/x-turtle": "ttl", "application/n-triples": "nt",
    "text/plain": "nt", "application/ld+json": "jsonld", "application/rdf+xml": "rdfxml",
    "application/xml": "rdfxml",
}
_NAMES = {"json", "xml", "csv", "tsv", "ttl", "nt", "jsonld", "rdfxml"}
_ALIASES = {"turtle": "ttl", "ntriples": "nt", "n-triples": "nt", "json-ld": "jsonld",
            "rdf": "rdfxml", "rdf/xml": "rdfxml"}


def _parse(accept: str) -> list[tuple[str, float, int]]:
    out = []
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if media:
            out.append((media, q, i))
    return out


def choose(accept: str | None, *, graph: bool, explicit: str | None = None) -> str | None:
    """The format name for an answer, or ``None`` if nothing acceptable is on offer.

    ``explicit`` (a ``format=`` parameter: a name or a media type) wins over
    the Accept header; no header or ``*/*`` gives JSON results or Turtle.

    >>> choose("text/csv;q=0.5, application/sparql-results+xml", graph=False)
    'xml'
    >>> choose("application/sparql-results+json, text/turtle;q=0.9", graph=True)
    'ttl'
    >>> choose(None, graph=False, explicit="csv")
    'csv'
    """
    table = GRAPH_TYPES if graph else RESULT_TYPES
    default = "ttl" if graph else "json"
    if explicit:
        name = _ALIASES.get(explicit.lower(), explicit.lower())
        if name in _NAMES:
            return name if name in set(table.values()) else None
        return table.get(name.split(";")[0].strip())
    if not accept:
        return default
    ranked = sorted(_parse(accept), key=lambda t: (-t[1], t[2]))
    for media, q, _ in ranked:
        if q <= 0:
            continue
        if media in table:
            return table[media]
        if media in ("*/*", "application/*") or (media == "text/*" and graph):
            return default
        if media == "text/*":
            return "csv"
    return None
