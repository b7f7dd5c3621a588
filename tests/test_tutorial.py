"""The tutorial notebook (docs/tutorial.ipynb) runs as written: its code cells, in order, in one
namespace from the repository root (what a kernel would do, without starting one)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import ROOT

NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"


@pytest.mark.shared
def test_the_tutorial_notebook_runs(shared_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert notebook["nbformat"] == 4
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert len(cells) >= 5
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("BRINK_STORE", str(tmp_path / "runs.duckdb"))
    monkeypatch.setenv("BRINK_SHARED", str(shared_dir))
    assert os.getcwd() == str(ROOT)
    namespace: dict[str, object] = {}
    for i, cell in enumerate(cells):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        exec(compile(source, f"tutorial.ipynb cell {i}", "exec"), namespace)
    assert not any(c.get("outputs") for c in cells), "commit the notebook without outputs"
