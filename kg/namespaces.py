"""The public vocabulary's namespaces and deterministic IRI minting."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from urllib.parse import quote

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

FZ = Namespace("https://w3id.org/fazhi-kg/ontology#")
ID = Namespace("https://w3id.org/fazhi-kg/id/")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
ORG = Namespace("http://www.w3.org/ns/org#")

PREFIXES = {
    "fz": FZ, "fzid": ID, "geo": GEO, "org": ORG, "skos": SKOS, "prov": PROV,
    "dcterms": DCTERMS, "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD,
}

__all__ = ["FZ", "GEO", "ID", "ORG", "PREFIXES", "digest", "mint"]


# The last long text digested and its full digest: a report's text is digested three
# times (the build's text key, the report IRI, its content hash). Kept by identity (the
# reference held keeps the object alive, so its id is never reused).
_LAST: tuple[object, str] = (None, "")
_CACHE_FROM = 256


def digest(*parts: str, length: int = 16) -> str:
    """A short stable hex digest of ``parts``.

    >>> digest("a", "b") == digest("a", "b")
    True
    """
    global _LAST
    if len(parts) == 1 and len(parts[0]) >= _CACHE_FROM:
        text = parts[0]
        last = _LAST  # one read: safe if threads interleave
        if last[0] is not text:
            last = _LAST = (text, hashlib.sha256(text.encode("utf-8")).hexdigest())
        return last[1][:length]
    h = hashlib.sha256("\x1f".join(parts).encode("utf-8"))
    return h.hexdigest()[:length]


def mint(kind: str, *parts: str) -> str:
    """A deterministic IRI under ``id/KIND/``; parts are percent-encoded UTF-8.

    >>> mint("region", "340202")
    'https://w3id.org/fazhi-kg/id/region/340202'
    >>> mint("agency", "司法部")
    'https://w3id.org/fazhi-kg/id/agency/%E5%8F%B8%E6%B3%95%E9%83%A8'
    """
    tail = "/".join(map(_segment, parts))
    return f"{ID}{kind}/{tail}"


@lru_cache(maxsize=200_000)
def _segment(part: str) -> str:
    """One percent-encoded path segment (memoised: codes and names repeat)."""
    return quote(part, safe="")
