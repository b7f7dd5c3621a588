"""The tie rule of the backward-induction solvers (spe, and qbi's modal path).

A mover whose best actions' values lie within ``TIE_TOLERANCE * (1 + |best|)`` of the best is
indifferent among them and mixes uniformly over them, its value their mean: any mix over tied
best replies is subgame perfect, and the uniform one is the only one that does not depend on
how the actions are labelled (Harsanyi & Selten 1988); it is also the limit the logit QRE gives
when the tied values stay equal at every precision (McKelvey & Palfrey 1998).  The tolerance is
relative to the payoff's magnitude so that rounding in sums of flows never breaks a tie.
"""

from __future__ import annotations

__all__ = ["TIE_TOLERANCE"]

#: Relative tolerance of the tie rule: values within ``TIE_TOLERANCE * (1 + |best|)`` tie.
TIE_TOLERANCE = 1e-12
