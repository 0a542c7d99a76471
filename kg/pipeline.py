"""Former home of the build, now :mod:`kg.build`; these names stay importable from here
for code written against it."""

from kg.build import BuildResult, ManifestEntry, code_version, file_key, run

__all__ = ["BuildResult", "ManifestEntry", "code_version", "file_key", "run"]
