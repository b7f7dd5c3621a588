"""The historical table of docs/scenarios.md: the bundled crises that name a record, under each solver.

For every bundled scenario with a ``record:`` (the nine historical escalation crises; the
hypothetical ``ukraine-in-nato`` has none) and each solver (the default, ``auto``: qbi at the
lambda fitted on ICB; ``spe``; ``pbe`` at a small sample count), brink's run is read as the
challenger's four ICB classes (:data:`brink.fit.scenarios.CLASS_RULE`), its modal class is set
against the record's, and the multi-class Brier score (Brier 1950: the sum over the four
classes of the squared gap, 0 to 2) is set against the ICB base rate of the crises before each
one, as ``brink backtest --bundled`` scores them (:func:`brink.fit.scenarios.scenario_backtest`).
No number of any scenario is set from its record.

Usage: ``.venv/bin/python scripts/historical_table.py [--samples 1000] [--pbe-samples 32]
[--seed 0] [--shared ../shared] [--out table.md]``.  Prints the Markdown table (and the wall
time of each solver); docs/scenarios.md holds the last one run.
"""

from __future__ import annotations

import argparse
import time
from importlib import resources
from pathlib import Path
from typing import Any

from brink.fit.icb import CLASSES
from brink.fit.scenarios import MODEL, scenario_backtest
from brink.history.crises import default_shared
from brink.history.icb import icb_table

SOLVERS = (("auto", "qbi at the fitted lambda (default)"), ("spe", "spe"), ("pbe", "pbe"))


def solver_rows(table: dict[str, Any], solver: str, samples: int, seed: int) -> dict[str, Any]:
    """``scenario_backtest`` of the bundled folder under ``solver`` (unrecorded files skipped)."""
    folder = Path(str(resources.files("brink.scenario.bundled")))
    return scenario_backtest(folder, table, samples=samples, seed=seed, replications=200, solver=solver,
                             skip_unrecorded=True)


def modal(model: dict[str, float]) -> str:
    """The most likely class; ties named together (``compromise=stalemate``)."""
    top = max(model.values())
    return "=".join(c for c in CLASSES if model[c] >= top - 1e-12)


def markdown(results: dict[str, dict[str, Any]], walls: dict[str, float], samples: dict[str, int]) -> str:
    """The table: per crisis the record and each solver's modal class with its probabilities."""
    first = next(iter(results.values()))
    names = [r["scenario"] for r in first["scenarios"]]
    head = "| crisis | record |" + "".join(f" {label} |" for s, label in SOLVERS if s in results)
    lines = [head, "|" + "---|" * (2 + len(results))]
    for name in names:
        cells = []
        observed = ""
        for s, _ in SOLVERS:
            if s not in results:
                continue
            row = next(r for r in results[s]["scenarios"] if r["scenario"] == name)
            observed = row["observed"]
            m = row["model"]
            mark = "**" if modal(m) == observed else ""
            probs = "/".join(f"{m[c]:.2f}" for c in CLASSES)
            cells.append(f" {mark}{modal(m)}{mark} ({probs}) |")
        lines.append(f"| {name} | {observed} |" + "".join(cells))
    hits = []
    for s, _ in SOLVERS:
        if s in results:
            rows = results[s]["scenarios"]
            hits.append(f" {sum(modal(r['model']) == r['observed'] for r in rows)} of {len(rows)} |")
    lines.append("| modal = record | |" + "".join(hits))
    briers = []
    for s, _ in SOLVERS:
        if s in results:
            sc = results[s]["by_time"]["scores"]
            briers.append(f" {sc[MODEL]['brier']:.3f} (base rate {sc['base rate']['brier']:.3f}) |")
    lines.append("| Brier (lower better) | |" + "".join(briers))
    lines.append("| samples, wall time | |" + "".join(
        f" {samples[s]:,}, {walls[s]:.0f} s |" for s, _ in SOLVERS if s in results))
    return "\n".join(lines) + "\n\nEach cell: the modal ICB class of brink's run (bold where it is the record's), then " \
        "p(victory/compromise/stalemate/defeat) for the challenger."


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--pbe-samples", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shared", type=Path, default=None)
    ap.add_argument("--solvers", default="auto,spe,pbe")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    table = icb_table(args.shared if args.shared is not None else default_shared())
    results: dict[str, dict[str, Any]] = {}
    walls: dict[str, float] = {}
    samples: dict[str, int] = {}
    for s in args.solvers.split(","):
        n = args.pbe_samples if s == "pbe" else args.samples
        start = time.perf_counter()
        results[s] = solver_rows(table, s, n, args.seed)
        walls[s], samples[s] = time.perf_counter() - start, n
        print(f"# {s}: {n} samples, {walls[s]:.0f} s", flush=True)
    text = markdown(results, walls, samples)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
