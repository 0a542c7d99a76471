"""One document, in a worker process: read, extract, serialise to N-Triples lines, and
validate its subgraph when sampled (:func:`work`); a batch of documents with their cache
rows encoded and their lines written as one sorted run, the sampled ones' lines handed
back for the parent to validate together (:func:`work_batch`), so that the parent process
only files the results; the workers' memory cap and the lexicons loaded before forking."""

from __future__ import annotations

import logging
import os
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kg import gazetteer as gaz
from kg import ingest
from kg import thesaurus as thes
from kg.build import validation
from kg.build.cache import encode, file_key
from kg.build.results import Done, counts
from kg.errors import IngestError
from kg.namespaces import digest
from kg.store import write_run

log = logging.getLogger(__name__)

WORKER_MEMORY_MB = int(os.environ.get("KG_WORKER_MEMORY_MB", "2048") or 0)  # per build worker; 0: no cap


def limit_worker_memory(budget_mb: int) -> None:
    """Pool initializer: cap a build worker's address space (``RLIMIT_AS``) at its size
    at start plus ``budget_mb`` MiB, so one file that needs more fails with a reason
    (MemoryError, caught in :func:`work`) instead of taking the machine's memory."""
    if budget_mb <= 0:
        return
    try:
        import resource

        with open("/proc/self/status", encoding="ascii") as f:
            vm = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = vm + budget_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    except (ImportError, OSError, StopIteration, ValueError):  # not Linux: bounded decoding only
        pass


def work(item: tuple[Path, str, bool]) -> Done:
    """Read, extract and serialise one file (runs in a worker process); its subgraph
    validated when ``item`` says so."""
    path, source, validate_it = item
    done, lines = _work(path, source)
    if validate_it and done.ok:
        done.violations = validation.validate_report(lines, done.codes)
    return done


def _work(path: Path, source: str) -> tuple[Done, list[str]]:
    """:func:`work` without the validation: the result and its lines as a list (the
    batch counts them as they are, without splitting ``done.lines`` again)."""
    from kg.extract import extract
    from kg.graph import report_iri, report_lines

    data: bytes | None
    try:
        size = path.stat().st_size  # a file too large to read is refused by ingest.read
        data = path.read_bytes() if size <= ingest.MAX_BYTES else None
        key = file_key(path, source, data)
    except OSError:
        size, data, key = 0, b"", file_key(path, source, b"")
    done = Done(source=source, file_key=key, nbytes=size if data is None else len(data))
    try:
        document = ingest.read(path, source, data=data or None)
        done.text_key = digest(document.text)
        ext = extract(document)
        shared: set[str] = set()
        lines = report_lines(ext, gazetteer=gaz.load(), thesaurus=thes.load(), shared=shared)
    except IngestError as e:
        done.reason = e.reason
        return done, []
    except MemoryError:
        done.reason = (f"内存超限 / out of memory: reading this file needed more than the build "
                       f"worker's {WORKER_MEMORY_MB} MiB budget")
        return done, []
    except Exception as e:  # one bad document never stops a build
        log.debug("unexpected error on %s", source, exc_info=True)
        done.reason = f"内部错误 / internal error: {type(e).__name__}: {e}"
        done.flags.append(traceback.format_exc(limit=1).strip().splitlines()[-1])
        return done, []
    done.ok = True
    done.report = str(report_iri(ext))
    done.counts = counts(ext)
    done.flags.extend(document.flags)
    done.flags.extend(ext.warnings)
    done.lines = "\n".join(lines)
    done.codes = tuple(sorted(shared))
    return done, lines


def warm() -> None:
    """Load the lexicons before forking, so workers share them."""
    from kg.extract import extract
    from kg.types import Document

    extract(Document(source="<warm>", text="镜湖区司法局推进“枫桥经验”。《法治政府建设实施纲要》"))


@dataclass
class Batch:
    """What a worker returns for a batch of files: their results (without their lines,
    unless asked for), their cache rows, the sorted run holding their lines, and the
    lines of the files to validate (by file key), which the parent validates together."""

    dones: list[Done] = field(default_factory=list)
    rows: list[tuple[str, bytes, bytes]] = field(default_factory=list)  # key, blob, meta
    run: Path | None = None
    sampled: dict[str, list[str]] = field(default_factory=dict)  # file key -> lines


def work_batch(task: tuple[Path, int, list[tuple[Path, str, bool]], bool]) -> Batch:
    """:func:`work` on each file of a batch (``folder``, its number, its items, whether
    the lines come back too); the lines of every report read go into one sorted run in
    ``folder``. The run holds the lines of reports that turn out to be duplicates, too:
    the parent takes them away again. The files to validate are not validated here: their
    lines come back in ``sampled``, and the parent validates them all in one SHACL run
    (:func:`kg.build.validation.validate_reports`; some 12 ms per report alone, a
    fraction of that together)."""
    folder, number, items, keep_lines = task
    batch = Batch()
    counts: Counter[str] = Counter()
    for path, source, validate_it in items:
        done, lines = _work(path, source)
        batch.rows.append((done.file_key, *encode(done)))
        counts.update(lines)
        if validate_it and done.ok:
            batch.sampled[done.file_key] = lines
        if not keep_lines:
            done.lines = ""
        batch.dones.append(done)
    if counts:
        batch.run = folder / f"batch-{number:05d}.nt"
        write_run(batch.run, counts)
    return batch
