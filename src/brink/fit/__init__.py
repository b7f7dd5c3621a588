"""Fitting crisis games to data: structural estimation, its tests, and the trees the data identify.

The strategic logit of Signorino (1999, 2003) for any perfect-information crisis tree: payoffs
linear in parameters and covariates, agent logit choices solved backward (quantal backward
induction), maximum likelihood on the observed paths with analytic gradients.

* :mod:`~brink.fit.likelihood`: the specification, the log-likelihood and its gradient,
  predicted probabilities, simulated data.
* :mod:`~brink.fit.estimate`: the MLE, standard errors (Hessian, sandwich, bootstrap), the
  likelihood-ratio and Vuong tests.
* :mod:`~brink.fit.trees`: Signorino's deterrence tree and his closed forms.
"""

from __future__ import annotations

from brink.fit.estimate import FitResult, bootstrap, fit, likelihood_ratio, predicted, vuong
from brink.fit.likelihood import (
    Specification,
    choice_probabilities,
    log_likelihood,
    simulate_paths,
    terminal_probabilities,
)
from brink.fit.trees import DETERRENCE_TERMINALS, deterrence_tree, signorino_probabilities

__all__ = [
    "DETERRENCE_TERMINALS",
    "FitResult",
    "Specification",
    "bootstrap",
    "choice_probabilities",
    "deterrence_tree",
    "fit",
    "likelihood_ratio",
    "log_likelihood",
    "predicted",
    "signorino_probabilities",
    "simulate_paths",
    "terminal_probabilities",
    "vuong",
]
