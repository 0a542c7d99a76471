"""Shared fixtures: one build of the packaged sample corpus per test session."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from kg import build

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
GOLD = SHARED / "gold"


# Five reports built for the diffusion edges and coverage of the spread view: 永嘉县 says
# it learnt 枫桥经验 from 诸暨 (fz:learnedFrom); 富阳区, a neighbour of 诸暨市, mentions it
# a year after 诸暨; 慈溪市 (2022) and 镜湖区 (2021) report other measures only.
DIFFUSION_REPORTS = {
    "zhuji-2020.txt": ("诸暨市司法局2020年法治政府建设情况报告",
                       "2020年,诸暨市坚持和发展新时代“枫桥经验”,建成市级矛盾纠纷调处化解中心,实现矛盾不上交。"),
    "yongjia-2022.txt": ("永嘉县司法局2022年法治政府建设情况报告",
                         "2022年,永嘉县学习借鉴浙江诸暨“枫桥经验”,建成县级矛盾纠纷调处化解中心。"),
    "fuyang-2021.txt": ("杭州市富阳区司法局2021年法治政府建设情况报告",
                        "2021年,富阳区深入推进“枫桥经验”,完善人民调解、行政调解、司法调解联动工作体系。"),
    "cixi-2022.txt": ("慈溪市司法局2022年法治政府建设情况报告", "2022年,慈溪市深化“最多跑一次”改革,推行“一窗受理”。"),
    "jinghu-2021.txt": ("芜湖市镜湖区司法局2021年法治政府建设情况报告", "2021年,镜湖区深化“最多跑一次”改革。"),
}


@pytest.fixture(scope="session")
def diffusion_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("diffusion")
    folder = root / "in"
    folder.mkdir()
    for name, (title, body) in DIFFUSION_REPORTS.items():
        (folder / name).write_text(f"标题:{title}\n\n{body}\n", encoding="utf-8")
    result = build.run([folder], root / "out")
    assert not result.failed
    return root / "out"


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample-build")
    result = build.run(None, out)
    return out, result


def free_port() -> int:
    """A TCP port free on loopback now (for a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(proc: subprocess.Popen, url: str, *, tries: int, pause: float = 0.1) -> None:
    """Poll ``url`` until the server started as ``proc`` answers; fail with its output if it
    exits first."""
    for _ in range(tries):
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None:
                output = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"server exited ({proc.returncode}) before answering: {output}")
            time.sleep(pause)
