"""Errors raised by fazhi-kg.

    KGError
    ├── IngestError      a file cannot be read, decoded or is not a report
    ├── OntologyError    the ontology or a lexicon is missing or malformed
    └── QueryError       a query is invalid or not allowed

Only the CLI (and the HTTP endpoint) catch these; messages are bilingual where a
user sees them and always name the file or term at fault.
"""


class KGError(Exception):
    """Base class of every error fazhi-kg raises on purpose."""


class IngestError(KGError):
    """A file could not be turned into a Document; ``path`` names it."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class OntologyError(KGError):
    """The ontology, the programme scheme or a lexicon is missing or malformed."""


class QueryError(KGError):
    """A SPARQL query is invalid or not allowed."""
