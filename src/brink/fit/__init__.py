"""Fitting crisis games to data: structural estimation, its tests, and the trees the data identify.

The strategic logit of Signorino (1999, 2003) for any perfect-information crisis tree: payoffs
linear in parameters and covariates, agent logit choices solved backward (quantal backward
induction), maximum likelihood on the observed paths with analytic gradients.

* :mod:`~brink.fit.likelihood`: the specification, the log-likelihood and its gradient,
  predicted probabilities, simulated data.
* :mod:`~brink.fit.estimate`: the MLE, standard errors (Hessian, sandwich, bootstrap), the
  likelihood-ratio and Vuong tests.
* :mod:`~brink.fit.trees`: Signorino's deterrence tree and his closed forms.
* :mod:`~brink.fit.structural`: the escalation game estimated on ICB crises' endings (quantal
  backward induction at a fitted precision; docs/icb-fit.md), and the priors it gives scenarios.
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
from brink.fit.structural import (
    StructuralFit,
    fit_structural,
    fitted_lambda,
    fitted_priors,
    load_fit,
)
from brink.fit.trees import DETERRENCE_TERMINALS, deterrence_tree, signorino_probabilities

__all__ = [
    "DETERRENCE_TERMINALS",
    "FitResult",
    "Specification",
    "StructuralFit",
    "bootstrap",
    "choice_probabilities",
    "deterrence_tree",
    "fit",
    "fit_structural",
    "fitted_lambda",
    "fitted_priors",
    "likelihood_ratio",
    "load_fit",
    "log_likelihood",
    "predicted",
    "signorino_probabilities",
    "simulate_paths",
    "terminal_probabilities",
    "vuong",
]
