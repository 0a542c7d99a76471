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
