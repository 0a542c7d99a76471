"""A build folder as its user sees it: which inputs made it, the builds kept in
``.builds/``, and plain words when a build cannot be written.

``kg build`` calls these around :func:`kg.build.run`:

* :func:`check_inputs` before: a folder whose build came from other inputs is not
  replaced unless asked (``--replace``); the inputs a build read are recorded beside
  its manifest by the build itself (:func:`write_inputs`, ``.builds/ID/inputs.json``);
* :func:`builds` and :func:`restore` (``kg builds``): the live build and the previous
  one kept in ``.builds/``, and making the previous one live again in one step;
* :func:`write_error` and :func:`discard_incomplete` when writing fails (a full disk,
  a folder that is not writable): a bilingual message naming the folder, the partial
  build removed, the previous one untouched.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.errors import KGError
from kg.ingest import show
from kg.resources import SAMPLE_CORPUS
from kg.store import BUILDS, BuildLock, current_build, publish_build

__all__ = ["BuildInfo", "InputsChanged", "age", "builds", "check_inputs", "describe",
           "discard_incomplete", "input_paths", "os_reason", "restore", "write_error", "write_inputs"]

INPUTS = "inputs.json"  # beside a build's manifest.json: the inputs it was built from
COMPLETE = ".complete"  # written into a build folder when it is published (kg.store)


class InputsChanged(KGError):
    """The output folder holds a build of other inputs; ``kg build --replace`` replaces it."""


@dataclass(frozen=True, slots=True)
class BuildInfo:
    """One build kept in ``OUT/.builds``."""

    id: str
    path: Path
    live: bool
    complete: bool
    started: float  # seconds since the epoch (the folder's time)
    inputs: list[str] | None  # absolute paths; None for a build made before they were recorded
    reports: int | None  # reports built (manifest summary "ok"); None without a manifest


def input_paths(inputs: Sequence[Path] | None) -> list[str]:
    """The inputs as recorded: real absolute paths; the sample corpus's folder for none."""
    if not inputs:
        return [os.path.realpath(SAMPLE_CORPUS)]
    return sorted({os.path.realpath(p) for p in inputs})


def write_inputs(out: Path, inputs: Sequence[Path] | None) -> None:
    """Record ``inputs`` in the live build of ``out`` (after a successful build)."""
    build = current_build(out)
    if build is not None:
        text = json.dumps({"inputs": input_paths(inputs)}, ensure_ascii=False, indent=2)
        tmp = build / f".{INPUTS}.tmp"
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, build / INPUTS)


def _recorded(build: Path) -> list[str] | None:
    try:
        return list(json.loads((build / INPUTS).read_text(encoding="utf-8"))["inputs"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _covered(old: str, new: Iterable[str]) -> bool:
    return any(old == n or old.startswith(n.rstrip(os.sep) + os.sep) for n in new)


def _sources(build: Path) -> set[str]:
    try:
        manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
        return {e["source"] for e in manifest["entries"] if e.get("status") != "skipped"}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def check_inputs(out: Path, inputs: Sequence[Path] | None, *, sources: set[str]) -> None:
    """Refuse to replace the build in ``out`` when it was made from other inputs.

    A build is replaced without asking when every input it was made from is among
    ``inputs`` or inside one of them (the same folder again, a parent folder, one more
    folder), or when it is a build of the packaged sample (nothing of the user's is
    lost). A build that recorded no inputs is taken as the same when it shares a report
    file name with ``sources`` (what this build will read).

    Raises:
        InputsChanged: naming the old and the new inputs and ``--replace``.
    """
    build = current_build(out)
    if build is None:
        return
    new = input_paths(inputs)
    old = _recorded(build)
    if old is not None:
        if all(_covered(o, new) for o in old) or old == input_paths(None):
            return  # the same inputs, or the packaged sample (rebuilt any time by `kg build`)
        before = [o for o in old if not _covered(o, new)]
    else:
        before_sources = _sources(build)
        sample = {p.name for p in SAMPLE_CORPUS.glob("*.txt")}
        if not before_sources or before_sources & sources or before_sources <= sample:
            return
        before = [f"{len(before_sources)} 份报告 reports, e.g. {sorted(before_sources)[0]}"]
    shown_old, shown_new = describe(before), describe(new)
    raise InputsChanged(
        f"{show(str(out))}: 此目录中的构建来自其他输入 / this folder holds a build of other "
        f"inputs ({shown_old}); 本次输入 / this build reads {shown_new}.\n"
        f"未替换 / nothing was replaced: give another --out, or add --replace to replace it "
        f"(the replaced build stays in {BUILDS}/ and can be restored: kg builds --out {show(str(out))})")


def describe(inputs: Sequence[str]) -> str:
    """Recorded inputs for a message: the first five, the sample corpus by its name."""
    sample = os.path.realpath(SAMPLE_CORPUS)
    shown = ["样例语料 / the sample corpus" if p == sample else show(p) for p in inputs[:5]]
    return ", ".join(shown) + (f" … (+{len(inputs) - 5})" if len(inputs) > 5 else "")


def builds(out: Path) -> list[BuildInfo]:
    """The builds kept in ``out/.builds``, newest first."""
    folder = out / BUILDS
    if not folder.is_dir():
        return []
    live = current_build(out)
    found = []
    for path in folder.iterdir():
        if not path.is_dir():
            continue
        found.append(BuildInfo(
            id=path.name, path=path, live=live is not None and path.resolve() == live,
            complete=(path / COMPLETE).exists(), started=path.stat().st_mtime,
            inputs=_recorded(path), reports=_reports(path)))
    return sorted(found, key=lambda b: (b.live, b.started), reverse=True)


def _reports(build: Path) -> int | None:
    try:
        return int(json.loads((build / "manifest.json").read_text(encoding="utf-8"))["summary"]["ok"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def restore(out: Path, build_id: str) -> BuildInfo:
    """Make the kept build ``build_id`` (or a unique prefix of it) the live build of ``out``.

    The build that was live stays kept, as the previous one.

    Raises:
        KGError: no such build, an ambiguous prefix, or an incomplete build.
    """
    kept = builds(out)
    matches = [b for b in kept if b.id == build_id] or [b for b in kept if b.id.startswith(build_id)]
    if len(matches) != 1:
        listed = ", ".join(b.id for b in kept) or "—"
        what = "不唯一 / is ambiguous" if matches else "不存在 / no such build"
        raise KGError(f"{show(str(out))}: 构建 {build_id} {what}; kept: {listed}")
    chosen = matches[0]
    if not chosen.complete:
        raise KGError(f"{chosen.id}: 构建未完成,不能恢复 / this build never completed and "
                      "cannot be restored")
    with BuildLock(out):
        os.utime(chosen.path)  # the newest: the next build keeps it as the previous one
        publish_build(out, chosen.path)
    return next(b for b in builds(out) if b.id == chosen.id)


def discard_incomplete(out: Path) -> None:
    """Remove the build folders in ``out/.builds`` that never completed (after a failure)."""
    folder = out / BUILDS
    if not folder.is_dir():
        return
    with contextlib.suppress(KGError, OSError), BuildLock(out):
        live = current_build(out)
        for path in folder.iterdir():
            if path.is_dir() and path != live and not (path / COMPLETE).exists():
                shutil.rmtree(path, ignore_errors=True)


_FULL = {errno.ENOSPC, errno.EDQUOT}
_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}


def os_reason(error: OSError | sqlite3.Error) -> str:
    """What went wrong, bilingual: a full disk, a size limit, no permission, or the system's words."""
    code = getattr(error, "errno", None)
    text = str(error)
    if code in _FULL or "disk is full" in text or getattr(error, "sqlite_errorcode", None) == 13:
        return "磁盘已满 / the disk is full"
    if code == errno.EFBIG:
        return "文件超出大小上限 / a file grew past the size limit (disk quota or ulimit -f)"
    if code in _DENIED:
        return "没有写入权限 / the folder is not writable"
    if code == errno.ENOENT:
        return "找不到文件或目录 / no such file or folder"
    return f"读写失败 / reading or writing failed ({getattr(error, 'strerror', None) or text})"


def write_error(out: Path, error: OSError | sqlite3.Error, *, previous: bool) -> str:
    """A bilingual message for a build that could not be written into ``out``."""
    what = os_reason(error)
    name = getattr(error, "filename", None)
    where = f" ({show(os.fsdecode(name))})" if name and Path(os.fsdecode(name)) != out else ""
    kept = ("之前的构建完好,仍然有效 / the previous build is intact and still live" if previous
            else "没有替换任何内容 / nothing was replaced")
    return f"{show(str(out))}: 无法写入构建 / cannot write the build: {what}{where}. {kept}"


def age(started: float) -> str:
    """``2026-12-07 09:15`` (local time) for a build's time."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(started))
