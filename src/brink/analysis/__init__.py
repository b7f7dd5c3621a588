"""Analyses of a model under uncertainty, generic over :class:`brink.evaluation.Evaluator`.

* :func:`sobol`, :func:`morris`: global sensitivity (SALib; Saltelli et al. 2010, Morris 1991).
* :func:`prim`, :func:`discover`: scenario discovery with PRIM (Friedman & Fisher 1999).
* :func:`compare`: counterfactual differences on common random numbers.
* :func:`explain`: the modal equilibrium path and the thresholds that decided it.
* :func:`policies`: every lever combination scored by regret (Lempert, Popper & Bankes 2003).

Every result has ``to_json()``; each analysis documents how it treats samples
whose game could not be solved (:attr:`brink.evaluation.Evaluation.failed`).
Every analysis that evaluates a design takes ``executor=`` and ``chunk=``: the
model runs go in chunks to local processes or a Dask cluster
(:func:`brink.analysis.experiments.evaluate_designs`), with the same numbers as in process.
"""

from __future__ import annotations

from brink.analysis.compare import CompareResult, compare
from brink.analysis.explain import ExplainResult, explain
from brink.analysis.policies import PoliciesResult, policies
from brink.analysis.prim import DiscoveryResult, discover, prim
from brink.analysis.sensitivity import SensitivityResult, morris, sobol

__all__ = [
    "CompareResult",
    "DiscoveryResult",
    "ExplainResult",
    "PoliciesResult",
    "SensitivityResult",
    "compare",
    "discover",
    "explain",
    "morris",
    "policies",
    "prim",
    "sobol",
]
