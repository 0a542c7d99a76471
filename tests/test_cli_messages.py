"""Issue 15 items 4 and 5, through the real `kg` command and `kg.open()`: names that match
nothing say so with the closest names; `kg --version`; bilingual messages for a busy port,
an undeclared prefix and a missing gold folder; CJK-aligned `kg analyse` tables; the
`notebooks` extra; control characters from file names escaped in `kg query` tables."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tomllib
import warnings
from importlib import metadata
from pathlib import Path

import pytest
import wcwidth

import kg
from kg.errors import UnknownNameWarning
from kg.resources import SAMPLE_CORPUS

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "PYTHONIOENCODING": "utf-8"})


def test_a_programme_that_matches_nothing_in_kg_query(sample_build):
    out, _ = sample_build
    res = run("query", "--out", out, "--name", "adoption-table", "-p", "programme=枫桥精验")
    assert res.returncode == 1
    assert "举措 / programme “枫桥精验” 未在图谱中找到 / matches nothing in this build" in res.stderr
    close = res.stderr.split("相近 / close: ", 1)[1].split(", ")
    assert close[0] == "枫桥经验"
    ok = run("query", "--out", out, "--name", "adoption-table", "-p", "programme=枫桥经验")
    assert ok.returncode == 0 and "未在图谱中找到" not in ok.stderr and "枫桥经验" in ok.stdout


def test_a_region_and_a_province_that_match_nothing(sample_build):
    out, _ = sample_build
    res = run("query", "--out", out, "--name", "reports-by-year-region", "-p", "province=浙江x")
    assert res.returncode == 1 and "省份 / province “浙江x”" in res.stderr
    assert re.search(r"相近 / close: .*浙江", res.stderr)
    res = run("query", "--out", out, "--name", "region-programmes", "-p", "region=宣汉x")
    assert res.returncode == 1 and "地区 / region “宣汉x”" in res.stderr and "宣汉县" in res.stderr
    ok = run("query", "--out", out, "--name", "region-programmes", "-p", "region=宣汉")  # a short name
    assert ok.returncode == 0 and "未在图谱中找到" not in ok.stderr


def test_the_python_api_warns_with_the_closest_names(sample_build):
    out, _ = sample_build
    g = kg.open(out)
    with pytest.warns(UnknownNameWarning) as caught:
        rows = g.query("adoption-table", programme="枫桥精验")
    assert rows == []
    names = caught[0].message.names
    assert [(n.param, n.value) for n in names] == [("programme", "枫桥精验")]
    assert "枫桥经验" in names[0].close
    with pytest.warns(UnknownNameWarning):
        assert g.frame("reports-by-year-region", province="浙江x").empty
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a known name: no warning
        assert g.query("adoption-table", programme="枫桥经验")


def test_kg_analyse_refuses_an_unknown_programme(sample_build, tmp_path):
    out, _ = sample_build
    res = run("analyse", "--out", out, "--programme", "枫桥精验", "--write", tmp_path / "a")
    assert res.returncode == 2
    assert "“枫桥精验” 未在图谱中找到" in res.stderr and "枫桥经验" in res.stderr
    assert not (tmp_path / "a" / "figures" / "map.png").exists()  # no all-grey map


def test_kg_analyse_tables_line_up_in_display_width(sample_build):
    out, _ = sample_build
    res = run("analyse", "--out", out, "--top", "6")
    assert res.returncode == 0, res.stderr
    block = res.stdout.split("most adopted programmes:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(block) == 7 and any(re.search("[\u4e00-\u9fff]", ln) for ln in block)
    assert len({wcwidth.wcswidth(ln) for ln in block}) == 1, block  # right edges aligned


def test_version():
    res = run("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"kg (fazhi-kg) {kg.__version__}"


def test_a_busy_port_is_said_before_any_banner(sample_build):
    out, _ = sample_build
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        res = run("serve", "--out", out, "--port", port, timeout=60)
    assert res.returncode == 2
    assert f"端口 {port} 已被占用 / port {port} on 127.0.0.1 is already in use" in res.stderr
    assert "SPARQL endpoint" not in res.stdout and "Traceback" not in res.stderr


def test_an_undeclared_prefix_is_named(sample_build):
    out, _ = sample_build
    res = run("query", "--out", out, 'SELECT * WHERE {\n  ?s fz:region ?r .\n  ?r zz:name ?n }')
    assert res.returncode == 2
    assert "line 3, column 6" in res.stderr
    assert "前缀 zz: 未声明 / prefix zz: is not declared" in res.stderr and "fz:" in res.stderr


def test_a_missing_gold_folder(tmp_path):
    res = run("eval", "--gold", tmp_path / "gold")
    assert res.returncode == 2
    assert "标注目录不存在 / no such gold folder" in res.stderr and str(tmp_path / "gold") in res.stderr


def test_file_names_in_query_tables_are_escaped(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(sorted(SAMPLE_CORPUS.glob("*.txt"))[0], src / "evil\x1b[2J\x1b]0;t\x07.txt")
    assert run("build", src, "--out", tmp_path / "out").returncode == 0
    res = subprocess.run([sys.executable, "-m", "kg", "query", "--out", str(tmp_path / "out"),
                          "SELECT ?s WHERE { ?r a fz:Report ; dcterms:source ?s }"],
                         capture_output=True, timeout=120)
    shown = res.stdout.decode("utf-8")
    assert "\x1b" not in shown and "\x07" not in shown
    assert "evil\\x1b[2J\\x1b]0;t\\x07.txt" in shown


def _requirement_names(extra: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {re.split(r"[<>=!~\[; ]", r, 1)[0].lower() for r in project["optional-dependencies"][extra]}


def _closure(names: set[str]) -> set[str]:
    """The distributions ``names`` install, with what they require here (markers evaluated)."""
    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        for line in metadata.requires(name) or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def test_the_notebooks_extra_installs_what_running_them_needs():
    needed = _closure(_requirement_names("notebooks"))
    assert {"nbconvert", "nbclient", "ipykernel", "ipython"} <= needed
    imported = set()
    for book in (ROOT / "notebooks").glob("*.ipynb"):
        imported |= set(re.findall(r'"(?:from|import) ([A-Za-z_]\w*)', book.read_text(encoding="utf-8")))
    dists = metadata.packages_distributions()
    core = _closure({re.split(r"[<>=!~\[; ]", r, 1)[0].lower() for r in
                     tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]})
    for module in imported - set(sys.stdlib_module_names) - {"kg"}:
        assert {d.lower() for d in dists.get(module, [])} & (needed | core), module
    assert any(ep.name == "jupyter-nbconvert" for ep in metadata.entry_points(group="console_scripts"))


def test_the_endpoint_names_unknown_names_in_a_header(sample_build):
    import urllib.parse
    import urllib.request

    from conftest import free_port, wait_until_up

    out, _ = sample_build
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--out", str(out), "--port", str(port),
                             "--workers", "1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, f"{base}/queries", tries=150)

        def get(**params: str) -> tuple[dict[str, str], bytes]:
            url = f"{base}/queries/adoption-table?" + urllib.parse.urlencode(params)
            with urllib.request.urlopen(url, timeout=30) as resp:
                return {k.lower(): v for k, v in resp.headers.items()}, resp.read()

        headers, body = get(programme="枫桥精验", format="csv")
        item = headers["x-kg-unknown-names"]
        name, close = item.split(";close=")
        assert urllib.parse.unquote(name) == "programme=枫桥精验"
        assert "枫桥经验" in [urllib.parse.unquote(c) for c in close.split("|")]
        assert len(body.decode().strip().splitlines()) == 1  # the header row only
        headers, _ = get(programme="枫桥经验", format="csv")
        assert "x-kg-unknown-names" not in headers and int(headers["x-kg-rows"]) > 0
    finally:
        proc.terminate()
        proc.wait(10)


def test_usage_errors_are_bilingual_and_point_to_help():
    res = run("build", "--workers", "0")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.startswith("错误 / error: 用法有误 / usage: Invalid value for '--workers'")
    assert "`kg build --help`" in res.stderr
    res = run("--versio")
    assert res.returncode == 2 and "用法有误 / usage: No such option '--versio'" in res.stderr
