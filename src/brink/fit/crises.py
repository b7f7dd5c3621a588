"""The historical crisis table as observations of Signorino's deterrence tree.

A militarized dispute in the table (:func:`brink.history.crisis_table`) starts with the
challenger's (side A's) threat, display or use of force: the data hold no status quo that was
kept, so every case is observed from the target's move (``root`` = the target's node, the
likelihood conditional on the challenge).  The observed ending, by one stated rule:

* ``yield``: the target did not reciprocate (``recip = 0``);
* ``war``: it reciprocated and the challenger used force (``recip = 1``, ``hostlev_a >= 4``,
  GML's "use of force" or war);
* ``back down``: it reciprocated and the challenger did not use force.

GML codes each side's highest action over the whole dispute, not its order, so "used force
after the target resisted" is read off the highest level (a limit, stated in
``docs/fitting.md``).  :data:`DETERRENCE_TERMS` is the default specification: each side's payoff of
the war and of yielding, relative to backing down, as a linear function of covariates the
literature ties to deterrence (Huth 1988; Signorino & Tarar 2006): the balance of capabilities,
nuclear weapons on either side, the target's alliance with a nuclear power, a defence pact
between the two, joint democracy and rivalry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from brink.arrays import FloatArray, IndexArray
from brink.errors import InputError
from brink.fit.likelihood import Specification
from brink.fit.trees import DETERRENCE_TERMINALS, deterrence_tree

__all__ = ["COVARIATES", "DETERRENCE_TERMS", "CrisisData", "crisis_cases", "deterrence_specification", "target_node"]

#: Covariates derived from the crisis table's columns (name -> how).
COVARIATES: dict[str, str] = {
    "const": "1",
    "balance": "the challenger's share of the dyad's CINC (COW NMC), 0-1",
    "nuclear_a": "the challenger is nuclear-armed (Jo & Gartzke possession rule)",
    "nuclear_b": "the target is nuclear-armed",
    "umbrella_b": "the target has a defence pact with a nuclear-armed third state (ATOP)",
    "defense_ab": "the two have a defence pact (ATOP)",
    "joint_democracy": "both polity2 >= 6",
    "rivalry": "a strategic rivalry between them (Thompson & Dreyer)",
}

#: (player, terminal, covariate) of each parameter: the challenger's payoff of war and the
#: target's payoffs of yielding and of war, each relative to backing down (zero).  The target's
#: war payoff has no constant of its own: with the challenger's war probability nearly the same
#: across cases, a constant in both of the target's payoffs is not identified (the fit diverges),
#: so the target's yielding carries the constant and its war payoff varies with the balance and
#: the challenger's arsenal.
DETERRENCE_TERMS: tuple[tuple[str, str, str], ...] = (
    ("A", "war", "const"), ("A", "war", "balance"), ("A", "war", "nuclear_b"), ("A", "war", "umbrella_b"),
    ("A", "war", "rivalry"),
    ("B", "yield", "const"), ("B", "yield", "nuclear_a"), ("B", "yield", "defense_ab"),
    ("B", "yield", "joint_democracy"),
    ("B", "war", "balance"), ("B", "war", "nuclear_a"),
)


@dataclass(frozen=True)
class CrisisData:
    """Cases of the crisis table usable for the deterrence tree, with their covariates."""

    covariates: dict[str, FloatArray]
    observed: IndexArray  # terminal node of each case
    year: NDArray[np.int64]
    dispnum: NDArray[np.int64]
    dropped: int  # rows left out for a missing covariate or an uncoded action

    @property
    def cases(self) -> int:
        return int(self.observed.shape[0])

    def subset(self, keep: NDArray[np.bool_]) -> CrisisData:
        return CrisisData({k: v[keep] for k, v in self.covariates.items()}, self.observed[keep], self.year[keep],
                          self.dispnum[keep], self.dropped)


def crisis_cases(table: Mapping[str, NDArray[np.generic]]) -> CrisisData:
    """The cases of ``table`` (columns as :func:`brink.history.crisis_table` returns them) coded for
    the deterrence tree (module doc); rows with a missing covariate or action are dropped and counted."""
    need = ("recip", "hostlev_a", "balance", "nuclear_a", "nuclear_b", "umbrella_b", "defense_ab", "polity2_a",
            "polity2_b", "rivalry", "year", "dispnum")
    missing = [c for c in need if c not in table]
    if missing:
        raise InputError(f"the crisis table lacks {', '.join(missing)}", fix="build it with brink.history.crisis_table")
    recip = np.asarray(table["recip"], dtype=np.float64)
    host = np.asarray(table["hostlev_a"], dtype=np.float64)
    pol_a = np.asarray(table["polity2_a"], dtype=np.float64)
    pol_b = np.asarray(table["polity2_b"], dtype=np.float64)
    cov = {
        "const": np.ones(len(recip)),
        "balance": np.asarray(table["balance"], dtype=np.float64),
        "nuclear_a": np.asarray(table["nuclear_a"], dtype=np.float64),
        "nuclear_b": np.asarray(table["nuclear_b"], dtype=np.float64),
        "umbrella_b": np.asarray(table["umbrella_b"], dtype=np.float64),
        "defense_ab": np.asarray(table["defense_ab"], dtype=np.float64),
        "joint_democracy": ((pol_a >= 6) & (pol_b >= 6)).astype(np.float64),
        "rivalry": np.asarray(table["rivalry"], dtype=np.float64),
    }
    ok = np.isin(recip, (0.0, 1.0)) & (host >= 1) & np.isfinite(pol_a) & np.isfinite(pol_b)
    for v in cov.values():
        ok &= np.isfinite(v)
    game = deterrence_tree()
    node = dict(zip(DETERRENCE_TERMINALS, np.asarray(game.terminals, dtype=np.int64), strict=True))
    observed = np.where(recip == 0, node["yield"], np.where(host >= 4, node["war"], node["back down"]))
    return CrisisData(
        covariates={k: v[ok] for k, v in cov.items()}, observed=np.asarray(observed[ok], dtype=np.int64),
        year=np.asarray(table["year"], dtype=np.int64)[ok], dispnum=np.asarray(table["dispnum"], dtype=np.int64)[ok],
        dropped=int((~ok).sum()),
    )


def target_node() -> int:
    """The node where the target moves (the observations' root)."""
    game = deterrence_tree()
    challenge = int(game.children[game.child_ptr[0] + 1])
    return challenge


def deterrence_specification(
    data: CrisisData, terms: Sequence[tuple[str, str, str]] = DETERRENCE_TERMS,
) -> tuple[Specification, IndexArray]:
    """The deterrence tree's specification for ``data`` and the root of each case (the target's node)."""
    game = deterrence_tree()
    players = {"A": 0, "B": 1}
    K, T = len(terms), len(DETERRENCE_TERMINALS)
    W = np.zeros((K, T, 2))
    X = np.empty((data.cases, K))
    names = []
    for k, (player, terminal, covariate) in enumerate(terms):
        if player not in players or terminal not in DETERRENCE_TERMINALS or covariate not in data.covariates:
            raise InputError(f"unknown term {(player, terminal, covariate)}",
                             fix=f"players A/B, terminals {', '.join(DETERRENCE_TERMINALS)}, covariates "
                             f"{', '.join(data.covariates)}")
        W[k, DETERRENCE_TERMINALS.index(terminal), players[player]] = 1.0
        X[:, k] = data.covariates[covariate]
        names.append(f"{player}.{terminal}.{covariate}")
    return Specification(game, tuple(names), W, X), np.full(data.cases, target_node(), dtype=np.int64)


