"""Specifications read off a template's game: its own payoffs held fixed, the precision free.

The escalation game's payoffs are built from many scenario numbers; a data set that records
only paths through it identifies the logit precision ``lam`` of quantal backward induction given
those payoffs (McKelvey & Palfrey 1998; Signorino 1999), which is what
:func:`fixed_payoffs` sets up: every payoff (and every chance probability) is the game's, per
case when the game carries one sample per case.
"""

from __future__ import annotations

import numpy as np

from brink.errors import InputError
from brink.fit.likelihood import Specification
from brink.games import Game

__all__ = ["fixed_payoffs"]


def fixed_payoffs(game: Game, cases: int) -> Specification:
    """A specification with no payoff parameter: the game's terminal payoffs as the offset.

    ``game`` may carry one sample (its payoffs and chance probabilities then serve every
    case) or exactly ``cases`` samples (case ``n`` plays sample ``n``).
    """
    if not game.is_perfect_information:
        raise InputError("the game has information sets", fix="build the perfect-information version")
    pay = np.asarray(game.terminal_payoffs(), dtype=np.float64)
    samples = game.samples
    if samples is not None and samples not in (1, cases):
        raise InputError(f"the game carries {samples} samples for {cases} cases",
                         fix="build one sample, or one per case")
    T, P = len(game.terminals), game.n_players
    return Specification(game, (), np.zeros((0, T, P)), np.zeros((cases, 0)), offset=pay)
