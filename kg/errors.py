"""Errors raised by fazhi-kg.

    KGError
    ├── IngestError      a file cannot be read, decoded or is not a report
    ├── OntologyError    the ontology or a lexicon is missing or malformed
    └── QueryError       a query is invalid or not allowed
        └── UnknownNameError  a programme/region name matches nothing (closest names attached)

    UnknownNameWarning   (a UserWarning) the same, when the answer is still returned

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


class UnknownNameError(QueryError):
    """A programme, region or province name matches nothing in the build.

    ``names`` holds :class:`kg.names.UnknownName` records (the value and the closest names)."""

    def __init__(self, message: str, names: list | None = None) -> None:  # type: ignore[type-arg]
        super().__init__(message)
        self.names = list(names or [])


class UnknownNameWarning(UserWarning):
    """Warned by ``kg.open(...).query()``/``.frame()`` when a name parameter matches nothing
    (the answer is then empty); ``names`` holds the :class:`kg.names.UnknownName` records.
    Make it an error with ``warnings.simplefilter("error", UnknownNameWarning)``."""

    def __init__(self, message: str, names: list | None = None) -> None:  # type: ignore[type-arg]
        super().__init__(message)
        self.names = list(names or [])
