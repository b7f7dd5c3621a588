"""Write the numbers fixture: every bundled scenario's outcome probabilities and metric means.

``python scripts/derive_numbers_fixture.py OUT.json [--samples 20000] [--seeds 0 1 2]`` runs
``brink.run(load_scenario(NAME), samples, seed).to_json()`` for every bundled scenario and keeps
``failed``, each outcome's ``p`` and each metric's ``mean``, as ``tests/test_numbers.py`` compares
them.  Run it with the ``brink`` of the commit whose numbers the fixture should hold (the fixture
names that commit and version); it reads no shared data.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", nargs="*", default=None, help="scenario names (default: every bundled one)")
    args = parser.parse_args()

    import brink
    from brink.runs import run
    from brink.scenario import bundled_scenarios, load_scenario

    root = Path(brink.__file__).resolve().parents[2]
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    runs: dict[str, dict[str, object]] = {}
    for name in args.only or bundled_scenarios():
        runs[name] = {}
        for seed in args.seeds:
            t0 = time.perf_counter()
            result = run(load_scenario(name), samples=args.samples, seed=seed).to_json()
            runs[name][str(seed)] = {
                "failed": result["failed"],
                "outcomes": {k: v["p"] for k, v in result["outcomes"].items()},
                "metrics": {k: v["mean"] for k, v in result["metrics"].items()},
            }
            print(f"{name} seed {seed}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    doc = {"version": brink.__version__, "commit": commit, "samples": args.samples, "runs": runs}
    args.out.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
