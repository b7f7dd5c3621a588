"""Trees the crisis data can identify, as brink games with named terminals.

:func:`deterrence_tree` is Signorino's (1999) three-move deterrence game (Kenkel & Signorino's
``egame12``): the challenger keeps the status quo or challenges; the target yields or resists;
the challenger backs down or fights.  With agent logit errors at scale 1 the choice
probabilities are (:func:`signorino_probabilities`, Signorino 1999, eqs. 5-7)::

    p_war   = Lambda(U_A(war) - U_A(back down))
    p_resist = Lambda(p_war U_B(war) + (1 - p_war) U_B(back down) - U_B(yield))
    p_challenge = Lambda((1 - p_resist) U_A(yield) + p_resist (p_war U_A(war) + (1 - p_war) U_A(back down))
                         - U_A(status quo))

``Lambda`` the logistic function.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from brink.arrays import FloatArray
from brink.games import Game, TreeBuilder

__all__ = ["DETERRENCE_TERMINALS", "deterrence_tree", "signorino_probabilities"]

#: The terminals of :func:`deterrence_tree`, in ``Game.terminals`` order.
DETERRENCE_TERMINALS: tuple[str, ...] = ("status quo", "yield", "back down", "war")


def deterrence_tree() -> Game:
    """Signorino's three-move deterrence game between a challenger ``A`` and a target ``B``."""
    b = TreeBuilder("deterrence (Signorino 1999)", ["A", "B"])
    quo, challenge = b.move(b.root, "A", ["status quo", "challenge"])
    b.outcome(quo, np.zeros(2), label="status quo")
    yields, resist = b.move(challenge, "B", ["yield", "resist"])
    b.outcome(yields, np.zeros(2), label="yield")
    back, war = b.move(resist, "A", ["back down", "war"])
    b.outcome(back, np.zeros(2), label="back down")
    b.outcome(war, np.zeros(2), label="war")
    game = b.build()
    labels = tuple(game.outcome_labels[game.outcome[t]] for t in game.terminals)
    assert labels == DETERRENCE_TERMINALS, labels
    return game


def signorino_probabilities(uA: FloatArray, uB: FloatArray) -> dict[str, FloatArray]:
    """Signorino's (1999) closed forms for the deterrence tree: ``uA``, ``uB`` are ``(..., 4)`` payoffs
    at status quo, yield, back down, war (scale 1)."""
    p_war = expit(uA[..., 3] - uA[..., 2])
    p_resist = expit(p_war * uB[..., 3] + (1 - p_war) * uB[..., 2] - uB[..., 1])
    value = (1 - p_resist) * uA[..., 1] + p_resist * (p_war * uA[..., 3] + (1 - p_war) * uA[..., 2])
    p_challenge = expit(value - uA[..., 0])
    return {"war": np.asarray(p_war), "resist": np.asarray(p_resist), "challenge": np.asarray(p_challenge)}
