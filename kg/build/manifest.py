"""``manifest.json``: the summary, one entry per input, the SHACL violations and the build's
figures, written as ``json.dumps(..., ensure_ascii=False, indent=2)`` would write them, only
quicker."""

from __future__ import annotations

import json
from collections import Counter
from json.encoder import encode_basestring as _string  # what the encoder writes a str with
from typing import Any

from kg.build.results import BuildResult, ManifestEntry


def _entry_dict(e: ManifestEntry) -> dict[str, Any]:
    # dataclasses.asdict deep-copies field by field: 10x slower for 10,000 entries
    return {"source": e.source, "status": e.status, "reason": e.reason, "report": e.report,
            "counts": dict(e.counts), "flags": list(e.flags)}


def manifest_text(result: BuildResult) -> str:
    """manifest.json exactly as ``json.dumps(manifest(result), ensure_ascii=False, indent=2)``
    writes it, with the entries (the bulk) laid out by hand: the indenting encoder is pure
    Python, ten times slower for 10,000 entries."""
    head = manifest(result, entries=False)
    head["entries"] = "\x00ENTRIES\x00"
    text = json.dumps(head, ensure_ascii=False, indent=2)
    body = ",\n".join(map(_entry_text, result.entries))
    return text.replace('"\\u0000ENTRIES\\u0000"', f"[\n{body}\n  ]" if body else "[]")


_encode = json.JSONEncoder(ensure_ascii=False).encode


def _value(v: object) -> str:
    """``_encode(v)`` for the values entries hold, without the encoder's own dispatch (a
    string goes straight to the C function the encoder calls)."""
    if isinstance(v, str):
        return _string(v)
    if v is None:
        return "null"
    if type(v) is int:
        return int.__repr__(v)
    return _encode(v)


def _entry_text(e: ManifestEntry) -> str:
    counts = ",\n".join(f"        {_string(k)}: {_value(v)}" for k, v in e.counts.items())
    flags = ",\n".join(f"        {_string(f)}" for f in e.flags)
    return (f'    {{\n      "source": {_value(e.source)},\n      "status": {_value(e.status)},\n'
            f'      "reason": {_value(e.reason)},\n      "report": {_value(e.report)},\n'
            f'      "counts": {f"{{{chr(10)}{counts}{chr(10)}      }}" if counts else "{}"},\n'
            f'      "flags": {f"[{chr(10)}{flags}{chr(10)}      ]" if flags else "[]"}\n    }}')


def manifest(result: BuildResult, *, entries: bool = True) -> dict[str, object]:
    status = Counter(e.status for e in result.entries)
    return {
        "summary": {
            "inputs": len(result.entries),
            "ok": status["ok"],
            "failed": status["failed"],
            "duplicate": status["duplicate"],
            "skipped": status["skipped"],
            "triples": result.triples,
            "shacl_violations": len(result.violations),
            "validation": result.stats.get("validation"),
        },
        "entries": [_entry_dict(e) for e in result.entries] if entries else [],
        "shacl_violations": result.violations,
        "build": result.stats,
    }
