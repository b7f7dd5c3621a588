"""Agent logit QRE on a crisis-sized game: brink over many samples vs pygambit on one.

The game (113 nodes, 3 players): nature draws the challenger's resolve; the challenger
holds, demonstrates or escalates (2 information sets, one per type); nature draws the
defender's commitment; the defender, who sees its own type and the challenger's move but
not the challenger's type, answers with none / sanctions / conventional / nuclear (4 sets);
a partner who sees only the answer supports or abandons (4 sets).  Payoffs and the two
priors are drawn per sample around a fixed structure (seeded, deterministic).

Prints one JSON object (also written to ``benchmarks/results/qre.json``):

* ``brink``: samples, wall seconds of ``solve_qre`` to the limiting profile over all
  samples at once (best of ``--repeat`` runs, after a 2-sample warm-up that compiles the
  numba kernels; the warm-up's seconds are reported as ``jit_warmup_s``), samples/s,
  failed samples, largest max regret / payoff range, median accepted steps and mean
  attempted steps (accepted + rejected) per sample;
* ``gambit``: wall seconds of pygambit's ``nash.logit_solve`` (agent form) on sample 0,
  and pygambit's ``max_regret`` of brink's sample-0 profile;
* ``speedup_per_sample``: gambit seconds / (brink seconds per sample); target >= 100.

Usage::

    .venv/bin/python benchmarks/bench_qre.py --quick        # 200 samples, seconds
    .venv/bin/python benchmarks/bench_qre.py --repeat 3     # 10,000 samples: quiet machine
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from brink.efg import write_efg
from brink.games import Game, TreeBuilder
from brink.solvers.qre import solve_qre

RESULTS = Path(__file__).resolve().parent / "results" / "qre.json"

ANSWERS = ["none", "sanctions", "conventional", "nuclear"]


def crisis_game(samples: int, seed: int) -> Game:
    """The benchmark game with ``samples`` payoff and prior draws."""
    rng = np.random.default_rng(seed)
    p_resolute = rng.beta(4, 4, samples)
    p_committed = rng.beta(6, 3, samples)
    # Gambit needs chance probabilities that sum to one exactly as written: round sample 0
    p_resolute[0], p_committed[0] = 0.375, 0.625
    b = TreeBuilder("crisis-qre-bench", ["Challenger", "Defender", "Partner"])
    c_types = b.move(
        b.root, None, ["resolute", "irresolute"], probs=np.stack([p_resolute, 1 - p_resolute], 1)
    )

    def noisy(base: list[float]) -> np.ndarray:
        return np.asarray(base)[None, :] + rng.normal(0.0, 0.5, (samples, 3))

    for ci, c_node in enumerate(c_types):
        hold, demo, esc = b.move(c_node, "Challenger", ["hold", "demonstrate", "escalate"],
                                 infoset=("C", ci))  # fmt: skip
        b.outcome(hold, noisy([0.0, 1.0, 0.5]))
        for mi, move in enumerate((demo, esc)):
            d_types = b.move(
                move, None, ["committed", "restrained"],
                probs=np.stack([p_committed, 1 - p_committed], 1),
            )  # fmt: skip
            for di, d_node in enumerate(d_types):
                answers = b.move(d_node, "Defender", ANSWERS, infoset=("D", di, mi))
                for ai, a_node in enumerate(answers):
                    sup, aban = b.move(a_node, "Partner", ["support", "abandon"], infoset=("P", ai))
                    gain = (1.5 if ci == 0 else 0.5) * (mi + 1) - ai * (0.8 if ci == 0 else 1.2)
                    cost = ai * (0.6 if di == 0 else 1.1) - (mi + 1) * (1.0 if di == 0 else 0.4)
                    b.outcome(sup, noisy([gain + 0.5, -cost, 0.3 * ai - 0.5 * mi]))
                    b.outcome(aban, noisy([gain - 0.5, -cost - 0.3, 0.2 - 0.1 * ai]))
    return b.build()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 samples")
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--repeat", type=int, default=1, help="best of this many runs")
    args = parser.parse_args()
    samples = args.samples or (200 if args.quick else 10_000)
    game = crisis_game(samples, args.seed)

    t0 = time.perf_counter()
    solve_qre(crisis_game(2, args.seed + 1))
    warmup_s = time.perf_counter() - t0
    brink_s = float("inf")
    for _ in range(max(args.repeat, 1)):
        t0 = time.perf_counter()
        sol = solve_qre(game)
        brink_s = min(brink_s, time.perf_counter() - t0)
    scaled = np.asarray(sol.info["regret_scaled"])

    import pygambit as gbt  # GPL: benchmarks and tests only

    fd, name = tempfile.mkstemp(suffix=".efg")
    with os.fdopen(fd, "w") as fh:
        fh.write(write_efg(game, sample=0))
    try:
        ggame = gbt.read_efg(name)
    finally:
        os.unlink(name)
    t0 = time.perf_counter()
    gres = gbt.nash.logit_solve(ggame, use_strategic=False)
    gambit_s = time.perf_counter() - t0
    sample0 = [list(map(list, player)) for player in sol.behavior(0)]
    gambit_regret_of_brink = float(ggame.mixed_behavior_profile(data=sample0).max_regret())

    per_sample = brink_s / samples
    out = {
        "benchmark": "qre",
        "game": {
            "nodes": game.n_nodes,
            "players": game.n_players,
            "infosets_per_player": [int(game.player_infosets(p).size) for p in range(3)],
        },
        "brink": {
            "samples": samples,
            "seconds": round(brink_s, 4),
            "repeat": max(args.repeat, 1),
            "jit_warmup_s": round(warmup_s, 3),
            "samples_per_s": round(samples / brink_s, 2),
            "failed": int(np.sum(sol.info["failed"])),
            "max_regret_over_range": float(scaled.max()),
            "median_steps": float(np.median(sol.info["steps"])),
            "mean_attempts": float(np.mean(sol.info["steps"] + sol.info["rejected"])),
        },
        "gambit": {
            "seconds_one_sample": round(gambit_s, 4),
            "equilibria": len(gres.equilibria),
            "max_regret_of_brink_sample0": gambit_regret_of_brink,
            "payoff_range_sample0": game.sample(0).payoff_range,
        },
        "speedup_per_sample": round(gambit_s / per_sample, 1),
        "quick": bool(args.quick),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    text = json.dumps(out, indent=2)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text + "\n")


if __name__ == "__main__":
    main()
