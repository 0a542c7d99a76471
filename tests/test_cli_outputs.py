"""Issue 15 items 1, 2, 7 and issue 18 item 14, through the real `kg` command: a build never
replaces a build of other inputs unasked, the replaced build can be restored (`kg builds`),
every input left out is named on the terminal, a build of no report exits non-zero, and a
full disk or an unwritable folder is said plainly with the previous build intact."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kg.resources import SAMPLE_CORPUS

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and rlimits")

SAMPLE = sorted(SAMPLE_CORPUS.glob("*.txt"))


def kg(*args: str | Path, preexec=None, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """``kg ARGS`` in a child process (stdout, stderr as text)."""
    return subprocess.run([*prefix, sys.executable, "-m", "kg", *map(str, args)], capture_output=True,
                          text=True, timeout=300, preexec_fn=preexec,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})


def corpus(folder: Path, reports: list[int]) -> Path:
    folder.mkdir(parents=True)
    for i in reports:
        shutil.copy(SAMPLE[i], folder / f"r{i}.txt")
    return folder


def reports_in(out: Path) -> int:
    res = kg("query", "--out", out, "--format", "csv",
             "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a fz:Report }")
    assert res.returncode == 0, res.stderr
    return int(res.stdout.split()[-1])


def test_a_build_of_other_inputs_is_refused_replaced_on_request_and_restored(tmp_path):
    mine = corpus(tmp_path / "我的报告", [0, 1])
    out = tmp_path / "output"
    assert kg("build", mine, "--out", out).returncode == 0
    graph = (out / "graph.nt").read_bytes()

    refused = kg("build", "--out", out)  # the sample corpus into the user's output/
    assert refused.returncode == 2
    assert "此目录中的构建来自其他输入 / this folder holds a build of other inputs" in refused.stderr
    assert str(mine) in refused.stderr and "--replace" in refused.stderr
    assert (out / "graph.nt").read_bytes() == graph and len(list((out / ".builds").iterdir())) == 1

    shutil.copy(SAMPLE[2], mine / "r2.txt")  # the same folder again, and its parent: not "other"
    assert kg("build", mine, "--out", out).returncode == 0
    assert kg("build", tmp_path / "我的报告", mine, "--out", out).returncode == 0
    three = (out / "graph.nt").read_bytes()
    assert reports_in(out) == 3

    assert kg("build", "--out", out, "--replace").returncode == 0
    assert reports_in(out) == len(SAMPLE)
    listing = kg("builds", "--out", out)
    assert listing.returncode == 0
    lines = [ln for ln in listing.stdout.splitlines() if "份报告 reports" in ln]
    assert len(lines) == 2 and lines[0].startswith("*") and "the sample corpus" in lines[0]
    assert f"3 份报告 reports" in lines[1] and str(mine) in lines[1]
    previous = lines[1].split()[0]

    restored = kg("builds", "--out", out, "--restore", previous[:24])
    assert restored.returncode == 0, restored.stderr
    assert (out / "graph.nt").read_bytes() == three and reports_in(out) == 3
    # the build live before the restore is kept in turn, and a new build keeps the restored one
    assert kg("build", mine, "--out", out).returncode == 0
    kept = [p.name for p in (out / ".builds").iterdir()]
    assert previous in kept and len(kept) == 2

    # a build made before inputs were recorded: other inputs are told by their file names
    (out / ".current" / "inputs.json").unlink()
    legacy = kg("build", "--out", out)
    assert legacy.returncode == 2 and "other inputs" in legacy.stderr
    assert (out / "graph.nt").read_bytes() == three


def test_the_build_before_stays_with_a_relative_out_folder(tmp_path, monkeypatch):
    """``--out graph`` (relative, as typed at a prompt): after a second build the first one
    is still kept, complete, beside the live one (it was taken for a stale folder)."""
    monkeypatch.chdir(tmp_path)
    docs = corpus(tmp_path / "docs", [0, 1])
    for _ in range(2):
        res = kg("build", docs.name, "--out", "graph")
        assert res.returncode == 0, res.stderr
    live = (tmp_path / "graph" / ".current").resolve()
    kept = [p for p in (tmp_path / "graph" / ".builds").iterdir() if p != live]
    assert len(kept) == 1 and (kept[0] / ".complete").is_file() and (kept[0] / "graph.nt").is_file()


def test_a_build_made_from_python_is_guarded_too(tmp_path):
    import kg as api

    out = tmp_path / "output"
    api.build([corpus(tmp_path / "mine", [0])], out, workers=1)
    res = kg("build", corpus(tmp_path / "other", [0, 1]), "--out", out)  # same file names
    assert res.returncode == 2 and "this folder holds a build of other inputs" in res.stderr
    assert str(tmp_path / "mine") in res.stderr


def test_a_build_of_the_sample_is_replaced_freely(tmp_path):
    out = tmp_path / "output"
    assert kg("build", "--out", out).returncode == 0  # the quickstart, then one's own reports
    res = kg("build", corpus(tmp_path / "mine", [0]), "--out", out)
    assert res.returncode == 0, res.stderr
    assert reports_in(out) == 1


def test_every_input_left_out_is_named_and_counted(tmp_path):
    src = corpus(tmp_path / "in", [0, 1, 2])
    (src / "旧格式.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    (src / "表格.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    (src / "sub").mkdir()
    (src / "sub" / "台账.xlsx").write_bytes(b"PK\x03\x04" + b"\0" * 64)
    (src / "sub" / "b.doc").write_bytes(b"\0" * 64)
    (src / "空.txt").write_bytes(b"")
    shutil.copy(SAMPLE[0], src / "sub" / "副本.txt")
    (src / "菜谱.txt").write_text("红烧肉的做法\n\n五花肉切块,冰糖炒出糖色,加酱油焖煮一小时即可。\n" * 3,
                                 encoding="utf-8")
    assert kg("build", corpus(tmp_path / "elsewhere", [3]), "--out", src / "old-build").returncode == 0

    res = kg("build", src, "--out", tmp_path / "out")
    assert res.returncode == 1  # one file failed
    err = res.stderr
    assert "未读取 / not read: 2 个 .doc 文件 files (不支持的类型 / unsupported type): sub/b.doc, 旧格式.doc" in err
    assert "1 个 .xls 文件 files" in err and "1 个 .xlsx 文件 files" in err and "sub/台账.xlsx" in err
    assert "未读取 / not read: old-build: 构建输出目录" in err  # 18.14: another build's output
    assert "失败 / failed: 空.txt: 空文件 / empty file" in err
    assert "重复 / duplicate: sub/副本.txt: 与 r0.txt 内容相同" in err
    assert "not-a-report" in err and "菜谱.txt" in err
    assert "4 份报告 reports built, 1 失败 failed, 1 重复 duplicate, 5 未读取 not read" in res.stdout
    sources = {e["source"] for e in json.loads((tmp_path / "out" / "manifest.json").read_text())["entries"]}
    assert not any(s.startswith("old-build/") for s in sources)  # its spread.html is no report


def test_inputs_with_no_report_exit_non_zero_and_replace_nothing(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a.doc", "b.xlsx", "c.xls"):
        (docs / name).write_bytes(b"\0" * 32)
    res = kg("build", docs, "--out", tmp_path / "out")
    assert res.returncode == 2
    assert "没有可读取的报告 / no report to read here" in res.stderr and "a.doc" in res.stderr
    assert not (tmp_path / "out").exists()

    out = tmp_path / "out"
    src = corpus(tmp_path / "in", [0])
    assert kg("build", src, "--out", out).returncode == 0
    graph = (out / "graph.nt").read_bytes()
    (src / "r0.txt").write_bytes(b"")  # every report now fails: a build of zero reports
    res = kg("build", src, "--out", out)
    assert res.returncode == 1
    assert "没有构建任何报告 / no report was built" in res.stderr
    assert "the previous build was made live again" in res.stderr
    assert (out / "graph.nt").read_bytes() == graph and reports_in(out) == 1


def _file_size_limit(limit: int):
    def apply() -> None:  # the child writes at most ``limit`` bytes per file: EFBIG past it
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_is_said_plainly_and_the_previous_build_stays(tmp_path):
    out = tmp_path / "out"
    src = corpus(tmp_path / "in", [0, 1])
    assert kg("build", src, "--out", out).returncode == 0
    graph = (out / "graph.nt").read_bytes()
    shutil.copy(SAMPLE[2], src / "r2.txt")
    res = kg("build", src, "--out", out, preexec=_file_size_limit(300_000))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert f"{out}: 无法写入构建 / cannot write the build: 文件超出大小上限" in res.stderr
    assert "之前的构建完好,仍然有效 / the previous build is intact and still live" in res.stderr
    assert (out / "graph.nt").read_bytes() == graph and reports_in(out) == 2
    assert [p for p in (out / ".builds").iterdir() if not (p / ".complete").exists()] == []


def test_the_disk_full_reason_of_a_real_enospc():
    from kg.outputs import write_error

    with pytest.raises(OSError) as caught, open("/dev/full", "w") as f:
        f.write("x")
        f.flush()
    message = write_error(Path("output"), caught.value, previous=False)
    assert "磁盘已满 / the disk is full" in message and message.startswith("output: ")


def _without_root_override() -> tuple[str, ...]:
    """Root ignores permission bits: drop the capabilities that let it (setpriv)."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions cannot be enforced")
    caps = "-dac_override,-dac_read_search"
    return ("setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}", "--")


def test_an_unwritable_output_folder_is_said_plainly(tmp_path):
    prefix = _without_root_override()
    out = tmp_path / "out"
    src = corpus(tmp_path / "in", [0])
    assert kg("build", src, "--out", out).returncode == 0
    graph = (out / "graph.nt").read_bytes()
    locked = tmp_path / "locked"
    locked.mkdir()
    subprocess.run(["chmod", "-R", "a-w", str(out), str(locked)], check=True)
    try:
        res = kg("build", src, "--out", out, prefix=prefix)
        fresh = kg("build", src, "--out", locked / "new", prefix=prefix)
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(out), str(locked)], check=True)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert f"{out}: 无法写入构建 / cannot write the build: 没有写入权限 / the folder is not writable" in res.stderr
    assert "the previous build is intact" in res.stderr
    assert (out / "graph.nt").read_bytes() == graph and reports_in(out) == 1
    assert fresh.returncode == 2 and f"{locked / 'new'}: 无法写入构建" in fresh.stderr
    assert "nothing was replaced" in fresh.stderr


def test_other_commands_name_a_folder_they_cannot_write(tmp_path, sample_build):
    prefix = _without_root_override()
    out, _ = sample_build
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        viz = kg("viz", "--out", out, "-o", locked / "map.html", prefix=prefix)
        export = kg("export", "--out", out, "--to", locked / "exports", "--format", "csv", prefix=prefix)
    finally:
        locked.chmod(0o755)
    for res, name in ((viz, ".map.html"), (export, "exports")):
        assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
        assert f"错误 / error: {locked}/{name}" in res.stderr
        assert "没有写入权限 / the folder is not writable" in res.stderr
