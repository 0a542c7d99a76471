"""The notebooks: committed without outputs, and executed end to end on the sample corpus."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
ORDER = ["01-quickstart.ipynb", "02-one-measure.ipynb", "03-diffusion.ipynb",
         "04-event-history.ipynb"]


def test_the_notebooks_exist():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == ORDER


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_committed_without_outputs(path):
    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name}: strip outputs"
            )


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("notebook-build")


@pytest.mark.parametrize("name", ORDER)
def test_notebook_runs_clean(name, build_dir, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("FAZHI_KG_BUILD", str(build_dir))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend shows figures
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(
        book, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    for cell in book.cells:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", f"{name}: {out}"
            text = out.get("text", "") if out.get("name") == "stderr" else ""
            assert "missing from font" not in text and "Traceback" not in text, f"{name}: {text}"
    if name in ("02-one-measure.ipynb", "03-diffusion.ipynb"):
        figures = sorted((build_dir / "figures").glob("*.png"))
        assert figures and all(p.stat().st_size > 10_000 for p in figures)
    images = sum(
        "image/png" in out.get("data", {}) for c in book.cells for out in c.get("outputs", [])
    )
    assert (
        images
        >= {"01-quickstart.ipynb": 0, "02-one-measure.ipynb": 3, "03-diffusion.ipynb": 5,
            "04-event-history.ipynb": 0}[name]
    )
    if name == "04-event-history.ipynb":  # the fit's table: every model covers the true beta
        shown = "".join(out.get("data", {}).get("text/plain", "") for c in book.cells
                        for out in c.get("outputs", []))
        assert "covers_truth" in shown and "False" not in shown.split("covers_truth")[1][:600]
    if name == "03-diffusion.ipynb":
        names = {p.name for p in (build_dir / "figures").glob("*.png")}
        assert {"adoption_curves.png", "hierarchy.png", "exposure.png", "coadoption.png"} <= names
        assert (build_dir / "exports" / "DATA_DICTIONARY.md").is_file()


def test_the_quickstart_builds_into_its_own_folder_not_output(tmp_path, monkeypatch):
    """Issue 15 item 1: run from notebooks/ with no FAZHI_KG_BUILD, the quickstart builds
    the sample into notebooks/sample-build and leaves the user's ../output alone."""
    from nbclient import NotebookClient

    folder = tmp_path / "notebooks"
    folder.mkdir()
    output = tmp_path / "output"
    output.mkdir()
    (output / "mine.txt").write_text("a user's own build lives here", encoding="utf-8")
    monkeypatch.delenv("FAZHI_KG_BUILD", raising=False)
    book = nbformat.read(NOTEBOOKS / ORDER[0], as_version=4)
    NotebookClient(book, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    assert sorted(p.name for p in output.iterdir()) == ["mine.txt"]
    assert (folder / "sample-build" / "manifest.json").is_file()
