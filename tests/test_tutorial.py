"""The tutorial notebook (docs/tutorial.ipynb) runs as written and teaches the analyst's loop: its
code cells, in order, in one namespace from the repository root (what a kernel would do, without
starting one), and every section ends in a figure (a cell whose last expression is one, as Jupyter
would draw it inline)."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
#: The steps of the loop the tutorial must cover, one section each (issue 24).
STEPS = ("run and read", "solution concept", "compare two policies", "sobol", "prim", "robust policy",
         "after the war", "history")


def _source(cell: dict[str, Any]) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else str(cell["source"])


def _run_cell(source: str, name: str, namespace: dict[str, Any]) -> Any:
    """Execute a cell and return the value of its last expression (None if it ends in a statement)."""
    tree = ast.parse(source)
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        exec(compile(ast.Module(tree.body[:-1], type_ignores=[]), name, "exec"), namespace)
        return eval(compile(ast.Expression(tree.body[-1].value), name, "eval"), namespace)
    exec(compile(tree, name, "exec"), namespace)
    return None


@pytest.mark.shared
@pytest.mark.slow
def test_the_tutorial_notebook_runs_and_every_section_draws_a_figure(
    shared_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import plotly.graph_objects as go

    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert notebook["nbformat"] == 4
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("BRINK_STORE", str(tmp_path / "runs.duckdb"))
    monkeypatch.setenv("BRINK_SHARED", str(shared_dir))
    assert os.getcwd() == str(ROOT)
    namespace: dict[str, Any] = {}
    figures: dict[str, int] = {}
    section = ""
    for i, cell in enumerate(notebook["cells"]):
        text = _source(cell)
        if cell["cell_type"] == "markdown":
            heading = next((line[3:].strip() for line in text.splitlines() if line.startswith("## ")), None)
            if heading is not None:
                section = heading
                figures[section] = 0
            continue
        assert not cell.get("outputs"), "commit the notebook without outputs"
        value = _run_cell(text, f"tutorial.ipynb cell {i}", namespace)
        if isinstance(value, go.Figure) and section:
            assert value.data, f"{section}: an empty figure"
            figures[section] += 1
    assert figures and all(n >= 1 for n in figures.values()), f"sections without a figure: {figures}"
    for step in STEPS:
        assert any(step in s.lower() for s in figures), f"no section on {step!r}: {list(figures)}"
