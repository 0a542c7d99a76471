"""Build with the single-module build of an earlier commit (``kg/pipeline.py`` read from
git, run against today's package): the reference that ``kg/build/`` must write the same
graph.nt, graph.ttl and spread.html as (``bench_scale.py --reference``, and
tests/test_build_identity.py for small corpora).

    python benchmarks/reference_build.py COMMIT INPUT_FOLDER OUT_FOLDER
"""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "kg._reference_pipeline"


def load(commit: str) -> types.ModuleType:
    """``kg/pipeline.py`` at ``commit`` as a module (registered, so that forked workers
    and dataclasses find it)."""
    text = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:kg/pipeline.py"],
                          capture_output=True, check=True, text=True).stdout
    module = types.ModuleType(NAME)
    module.__file__ = str(ROOT / "kg" / "pipeline.py")
    sys.modules[NAME] = module
    exec(compile(text, f"{commit[:10]}:kg/pipeline.py", "exec"), module.__dict__)
    return module


if __name__ == "__main__":
    commit, inputs, out = sys.argv[1:4]
    load(commit).run([Path(inputs)], Path(out))
