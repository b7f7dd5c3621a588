"""Benchmark of the subgame-perfect equilibrium solver (run with ``NUMBA_NUM_THREADS=1``).

(a) Throughput: random perfect-information trees of 1,000 and 100,000 nodes, 100,000
    payoff samples drawn chunk by chunk (memory bounded by the chunk), solved with
    :func:`brink.solvers.spe.spe_payoffs` (the streaming backward induction: values and
    best-response regret, or values only; payoffs passed as arrays, or as a validated
    ``Game`` per chunk) and, for the small tree, with
    :func:`brink.solvers.solve_spe` (the full :class:`Solution` in sample-major layout).
    Reported in node-samples per second; drawing the payoffs is not timed.
(b) Versus pygambit: trees of about 40, 120 and 360 nodes; brink's time per sample
    against one pygambit equilibrium computation per game (``lcp_solve`` for 2 players,
    ``logit_solve`` otherwise), each pygambit call capped at 60 s in a subprocess (a cap
    is reported as a lower bound).

Usage::

    NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/bench_spe.py           # full run
    NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/bench_spe.py --quick   # tiny run

Prints JSON and writes ``benchmarks/results/spe.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from brink.efg import write_efg
from brink.games import Game, TreeBuilder
from brink.solvers import solve_spe
from brink.solvers.spe import spe_payoffs

HERE = Path(__file__).resolve().parent
GAMBIT_CAP_S = 60.0


#: Dyadic chance probabilities: exact in float64 and in the decimal ``.efg`` text, whose
#: sums pygambit checks exactly.
_SPLITS = {
    2: [[0.5, 0.5], [0.25, 0.75], [0.125, 0.875]],
    3: [[0.25, 0.25, 0.5], [0.5, 0.375, 0.125]],
}


def random_tree(nodes: int, players: int, seed: int, chance_share: float = 0.1) -> Game:
    """A random perfect-information tree of about ``nodes`` nodes (2-3 actions per move,
    ``chance_share`` of the moves by nature), one outcome per terminal, payoffs zero."""
    rng = np.random.default_rng(seed)
    b = TreeBuilder(f"random-{nodes}-{players}p", [f"P{i + 1}" for i in range(players)])
    frontier = [b.root]
    count = 1
    head = 0
    while head < len(frontier) and count + 3 <= nodes:
        node = frontier[head]
        head += 1
        k = int(rng.integers(2, 4))
        if rng.random() < chance_share:
            probs = _SPLITS[k][int(rng.integers(len(_SPLITS[k])))]
            kids = b.move(node, None, [f"c{i}" for i in range(k)], probs=probs)
        else:
            kids = b.move(node, int(rng.integers(players)), [f"a{i}" for i in range(k)])
        frontier.extend(kids)
        count += k
    for leaf in frontier[head:]:
        b.outcome(leaf, np.zeros(players))
    return b.build()


def throughput(nodes: int, samples: int, chunk: int, seed: int = 0) -> dict[str, Any]:
    """Node-samples per second of :func:`spe_payoffs` over freshly drawn payoff chunks.

    Three ways, each timed on the same draws (drawing is not timed): ``payoffs=`` arrays
    streamed through one tree, with the best-response regret (``node_samples_per_s``) and
    values only (``values_only_per_s``); and a validated :class:`Game` per chunk
    (``game_per_chunk_per_s``, ``Game.with_samples`` included in the time).
    """
    tree = random_tree(nodes, 2, seed)
    rng = np.random.default_rng(seed + 1)
    shape = (chunk, tree.n_outcomes, tree.n_players)
    spe_payoffs(tree.with_samples(rng.standard_normal(shape)))  # compile and plan
    spe_payoffs(tree, payoffs=rng.standard_normal(shape), regret=False)
    times = {"regret": 0.0, "values": 0.0, "game": 0.0}
    checksum = 0.0
    done = 0
    while done < samples:
        c = min(chunk, samples - done)
        pay = rng.standard_normal((c, tree.n_outcomes, tree.n_players))
        t0 = time.perf_counter()
        values, regret = spe_payoffs(tree, payoffs=pay)
        t1 = time.perf_counter()
        plain, _ = spe_payoffs(tree, payoffs=pay, regret=False)
        t2 = time.perf_counter()
        again, _ = spe_payoffs(tree.with_samples(pay))
        t3 = time.perf_counter()
        times["regret"] += t1 - t0
        times["values"] += t2 - t1
        times["game"] += t3 - t2
        assert np.array_equal(values, plain) and np.array_equal(values, again)
        checksum += float(values.sum())
        assert float(regret.max()) <= 1e-9
        done += c
    work = tree.n_nodes * samples
    return {
        "nodes": tree.n_nodes,
        "samples": samples,
        "chunk": chunk,
        "seconds": times["regret"],
        "node_samples_per_s": work / times["regret"],
        "values_only_per_s": work / times["values"],
        "game_per_chunk_per_s": work / times["game"],
        "checksum": checksum,
    }


def naive_level_pass(tree: Game, pay: np.ndarray) -> np.ndarray:
    """The reference point the issue names: a plain numpy backward pass, one depth level at a
    time (children padded to the widest move), payoffs ``(C, outcomes, players)``.  Returns
    the root's values ``(players, C)``."""
    C, P = pay.shape[0], tree.n_players
    width = int(tree.num_children.max())
    padded = np.full((tree.n_nodes, width), -1, dtype=np.int64)
    probs = np.zeros((tree.n_nodes, width))
    for v in np.flatnonzero(tree.num_children > 0):
        e0, e1 = tree.child_ptr[v], tree.child_ptr[v + 1]
        padded[v, : e1 - e0] = tree.children[e0:e1]
        probs[v, : e1 - e0] = tree.chance_probs[e0:e1]
    values = np.zeros((tree.n_nodes + 1, P, C))  # the extra row stands for a missing child
    values[-1] = -np.inf
    term = tree.terminals
    values[term] = pay[:, tree.outcome[term], :].transpose(1, 2, 0)
    for d in range(int(tree.depth.max()) - 1, -1, -1):
        level = np.flatnonzero((tree.depth == d) & (tree.num_children > 0))
        kids = values[padded[level]]  # (m, width, P, C)
        chance = tree.kind[level] == 2
        if chance.any():
            w = probs[level[chance]][:, :, None, None]
            missing = (padded[level[chance]] < 0)[:, :, None, None]
            values[level[chance]] = np.sum(np.where(missing, 0.0, kids[chance]) * w, axis=1)
        own = ~chance
        if own.any():
            k = kids[own]
            mover = tree.node_player[level[own]]
            mine = k[np.arange(k.shape[0]), :, mover, :]  # (m, width, C)
            pick = np.argmax(mine, axis=1)  # first maximum: the lowest index among ties
            values[level[own]] = np.take_along_axis(k, pick[:, None, None, :], axis=1)[:, 0]
    return values[0]


def naive_throughput(nodes: int, samples: int, chunk: int, seed: int = 0) -> dict[str, Any]:
    """Node-samples per second of :func:`naive_level_pass`, checked against brink's values."""
    tree = random_tree(nodes, 2, seed)
    rng = np.random.default_rng(seed + 1)
    seconds, done = 0.0, 0
    while done < samples:
        c = min(chunk, samples - done)
        pay = rng.standard_normal((c, tree.n_outcomes, tree.n_players))
        t0 = time.perf_counter()
        root = naive_level_pass(tree, pay)
        seconds += time.perf_counter() - t0
        values, _ = spe_payoffs(tree, payoffs=pay, regret=False)
        assert np.allclose(root.T, values)
        done += c
    return {"nodes": tree.n_nodes, "samples": samples, "node_samples_per_s": nodes * samples / seconds}


def full_solution(nodes: int, samples: int, seed: int = 0) -> dict[str, Any]:
    """Node-samples per second of :func:`solve_spe` returning every :class:`Solution` array."""
    tree = random_tree(nodes, 2, seed)
    rng = np.random.default_rng(seed + 2)
    game = tree.with_samples(rng.standard_normal((samples, tree.n_outcomes, 2)))
    solve_spe(game.with_samples(game.outcome_payoffs[:2]))
    t0 = time.perf_counter()
    sol = solve_spe(game)
    dt = time.perf_counter() - t0
    return {
        "nodes": tree.n_nodes,
        "samples": samples,
        "seconds": dt,
        "node_samples_per_s": tree.n_nodes * samples / dt,
        "max_regret": float(sol.max_regret.max()),
    }


_GAMBIT = """
import json, sys, time
import pygambit as gbt
game = gbt.read_efg(sys.argv[1])
t0 = time.perf_counter()
if len(game.players) == 2:
    result = gbt.nash.lcp_solve(game, rational=False)
else:
    result = gbt.nash.logit_solve(game)
dt = time.perf_counter() - t0
eq = result.equilibria[0]
print(json.dumps({"seconds": dt, "payoffs": [float(eq.payoff(p)) for p in game.players]}))
"""


def gambit_seconds(game: Game) -> dict[str, Any]:
    """One pygambit equilibrium computation, in a subprocess capped at 60 s."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "game.efg"
        path.write_text(write_efg(game))
        try:
            out = subprocess.run(
                [sys.executable, "-c", _GAMBIT, str(path)],
                capture_output=True,
                text=True,
                timeout=GAMBIT_CAP_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return {"seconds": GAMBIT_CAP_S, "lower_bound": True}
    if out.returncode != 0:
        raise RuntimeError(f"pygambit failed: {out.stderr.strip()[-2000:]}")
    res: dict[str, Any] = json.loads(out.stdout)
    res["lower_bound"] = False
    return res


def versus_gambit(nodes: int, players: int, samples: int, seed: int = 0) -> dict[str, Any]:
    tree = random_tree(nodes, players, seed)
    rng = np.random.default_rng(seed + 3)
    pays = rng.integers(-9, 10, size=(samples, tree.n_outcomes, players)).astype(float)
    game = tree.with_samples(pays)
    solve_spe(game.with_samples(pays[:2]))
    t0 = time.perf_counter()
    sol = solve_spe(game)
    per_sample = (time.perf_counter() - t0) / samples
    gb = gambit_seconds(game.sample(0))
    method = "lcp_solve" if players == 2 else "logit_solve"
    return {
        "nodes": tree.n_nodes,
        "players": players,
        "brink_seconds_per_sample": per_sample,
        "brink_payoffs_sample0": sol.payoffs[0].tolist(),
        "gambit_method": method,
        "gambit_seconds_per_game": gb["seconds"],
        "gambit_is_lower_bound": gb["lower_bound"],
        "gambit_payoffs": gb.get("payoffs"),
        "speedup": gb["seconds"] / per_sample,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it runs")
    args = parser.parse_args()
    if args.quick:
        sizes = [(1_000, 2_000, 1_000), (10_000, 512, 256)]
        full = (1_000, 2_000)
        cmp_sizes, cmp_samples = [40], 200
    else:
        sizes = [(1_000, 100_000, 4_096), (100_000, 100_000, 256)]
        full = (1_000, 20_000)
        cmp_sizes, cmp_samples = [40, 120, 360], 10_000
    report: dict[str, Any] = {
        "benchmark": "spe",
        "quick": args.quick,
        "python": platform.python_version(),
        "machine": platform.processor() or platform.machine(),
        "numba_threads": os.environ.get("NUMBA_NUM_THREADS"),
        "throughput": [throughput(n, s, c) for n, s, c in sizes],
        "naive_numpy_levels": naive_throughput(*sizes[0]),
        "full_solution": full_solution(*full),
        "versus_gambit": [
            versus_gambit(n, p, cmp_samples, seed=n + p) for n in cmp_sizes for p in (2, 3)
        ],
    }
    text = json.dumps(report, indent=2)
    print(text)
    out = HERE / "results" / "spe.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text + "\n")


if __name__ == "__main__":
    main()
