"""The registered crisis template: its schema, checks and declared extension points.

The template is stateless: :meth:`CrisisTemplate.prepare` returns the per-chunk
quantities (:class:`~brink.templates.crisis.payoffs.ClassQuantities`) as a value; the
tree and its structure are a pure function of the scenario's ladder and moves
(:func:`~brink.templates.crisis.tree.skeleton`, cached by value).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, ClassVar, cast

import numpy as np

from brink.arrays import FloatArray
from brink.crisis.schema import MAX_ACTORS, MAX_PARTNERS, CrisisScenario
from brink.errors import InputError
from brink.games import Game
from brink.scenario import Scenario
from brink.templates.base import (
    Capabilities,
    Information,
    ParameterValues,
    Params,
    ReadOut,
    Template,
)
from brink.templates.crisis import readout
from brink.templates.crisis.payoffs import (
    CLASS_FEATURES,
    ClassQuantities,
    CrisisQuantities,
    prepare,
)
from brink.templates.crisis.theory import theory_terms
from brink.templates.crisis.tree import INDICATORS, Skeleton, skeleton

if TYPE_CHECKING:
    from brink.solvers.result import Solution

__all__ = ["CrisisTemplate"]


def _crisis(scenario: Scenario) -> CrisisScenario:
    """``scenario`` as the crisis template's scenario class (it is one once loaded)."""
    return cast(CrisisScenario, scenario)


class CrisisTemplate(Template):
    """Challenger, defender under strategic ambiguity, partners and the leader's fate (M1-M9)."""

    name: ClassVar[str] = "crisis"
    description: ClassVar[str] = "escalation ladder, defender types, partners and leader survival (M1-M9)"
    scenario_class: ClassVar[type[Scenario]] = CrisisScenario
    capabilities: ClassVar[Capabilities] = Capabilities(
        players=("challenger", "defender"),
        information_sets=True,
        solvers=("spe", "qre"),
        outcomes=(
            *INDICATORS,
            "challenger_victory", "challenger_defeat", "leader_survives", "foreign_imposed_regime_change",
            "partners_abandon", "partner_abandons.*", "rung.*",
        ),
        metrics=(
            "payoff.*", "escalation_score", "discount_months", "fiscal_cost_usd_bn", "sphere_influence",
            "partner_support",
        ),
        fast_read_out=True,
    )

    def check(self, scenario: Scenario) -> None:
        sc = _crisis(scenario)
        if sc.crisis is None:
            raise InputError(
                "the crisis template needs a crisis section",
                where=sc.source or sc.name,
                fix="add crisis: {challenger, target, defender, ladder}",
            )
        for section, count, limit in (
            ("actors", len(sc.actors), MAX_ACTORS),
            ("partners", len(sc.partners), MAX_PARTNERS),
        ):
            if count > limit:
                doc = sc.document
                raise InputError(
                    f"{count:,} {section} exceed the limit of {limit:,}",
                    where=f"{doc.locate([section]) if doc is not None else sc.source or sc.name}: {section}",
                    fix=f"model at most {limit:,} {section} (each adds numbers to every sample's memory and time); "
                    "group minor ones into a bloc or a region",
                )

    def sample_bytes(self, scenario: Scenario) -> int:
        """Partner arrays per sample: support, sphere weights and their temporaries, ``(U, J)``
        per war class ``U`` and partner ``J`` (measured: about 1.1 KB per partner and sample
        for the 22 war classes of ``ukraine-2022``; estimated 1.4 KB), plus two outcomes per partner."""
        sc = _crisis(scenario)
        if sc.crisis is None:
            return 0
        classes = len(self.skeleton(sc).representatives)
        partners = len(sc.partners)
        return 64 * classes * partners + 16 * partners

    # ----------------------------------------------------------- structure and quantities
    def skeleton(self, scenario: Scenario, information: Information = "perfect") -> Skeleton:
        """The tree and its sample-free structure (:func:`brink.templates.crisis.tree.skeleton`)."""
        return skeleton(_crisis(scenario), CLASS_FEATURES, information)

    def prepare(self, scenario: Scenario, params: Params) -> ClassQuantities:
        """The quantities of every war class for the samples ``params`` (:func:`brink.templates.crisis.payoffs.prepare`)."""
        sc = _crisis(scenario)
        return prepare(sc, params, self.skeleton(sc))

    def _prepared(self, scenario: Scenario, params: Params, prepared: Any) -> ClassQuantities:
        return prepared if isinstance(prepared, ClassQuantities) else self.prepare(scenario, params)

    def quantities(self, scenario: Scenario, params: Params) -> CrisisQuantities:
        """Per-sample, per-terminal quantities of the crisis (see the package doc)."""
        return self.prepare(scenario, params).expand(self.skeleton(scenario).war_class)

    # ----------------------------------------------------------- template API
    def build(
        self, scenario: Scenario, params: Params, *, information: Information = "perfect", prepared: Any = None
    ) -> Game:
        """The crisis game with ``(S, T, 2)`` payoffs and the type prior on the chance edges.

        The tree and its derived structure are built once per scenario (:func:`skeleton`);
        each call only fills the sampled arrays.  The copy is validated again only when a
        payoff is not finite (then :meth:`Game.with_samples` raises the usual error).
        """
        sc = _crisis(scenario)
        sk = self.skeleton(sc, information)
        q = self._prepared(sc, params, prepared)
        pay = q.payoffs(sk.war_class)
        n = pay.shape[0]
        cr = sc.crisis
        assert cr is not None
        resolve = np.clip(ParameterValues(params)(f"doctrines.{cr.defender}.resolve", 0.5), 0, 1)
        probs = np.zeros((n, sk.game.n_edges))
        probs[:, sk.type_edges[:, 0]] = resolve[:, None]
        probs[:, sk.type_edges[:, 1]] = 1 - resolve[:, None]
        if not (np.isfinite(pay).all() and np.isfinite(probs).all()):
            return sk.game.with_samples(outcome_payoffs=pay, chance_probs=probs)
        game = copy.copy(sk.game)  # shares the validated structure and its cached derivations
        object.__setattr__(game, "outcome_payoffs", pay)
        object.__setattr__(game, "chance_probs", probs)
        return game

    def terminal_reach(self, solution: Solution) -> FloatArray:
        """``(S, T)`` probability of each outcome (terminal) under ``solution``."""
        return readout.terminal_reach(solution)

    def read_out(self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None) -> ReadOut:
        """Outcomes and metrics in one pass over the terminals (:func:`brink.templates.crisis.readout.tally`)."""
        sc = _crisis(scenario)
        q = self._prepared(sc, params, prepared)
        r = readout.solution_tally(self.skeleton(sc), q, solution)
        metrics = super().metrics(sc, params, solution) | readout.metrics(q, r)
        return readout.outcomes(sc, q, r), metrics

    def outcomes(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        return self.read_out(scenario, params, solution, prepared)[0]

    def metrics(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        return self.read_out(scenario, params, solution, prepared)[1]

    def terminal_read_out(
        self,
        scenario: Scenario,
        params: Params,
        game: Game,
        payoffs: FloatArray,
        terminal_reach: FloatArray,
        prepared: Any = None,
    ) -> ReadOut:
        """:meth:`read_out` from the equilibrium payoffs and terminal reach (the same numbers)."""
        sc = _crisis(scenario)
        sk = self.skeleton(sc)
        q = self._prepared(sc, params, prepared)
        column = np.searchsorted(game.terminals, sk.outcome_node)
        r = readout.tally(sk, q, terminal_reach, column)
        metrics = {f"payoff.{p}": payoffs[:, i] for i, p in enumerate(game.players)} | readout.metrics(q, r)
        return readout.outcomes(sc, q, r), metrics

    # ----------------------------------------------------------- theory
    def theory_terms(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        """Theoretical thresholds per sample (:func:`brink.templates.crisis.theory.theory_terms`):
        ``credibility_threshold`` and ``credibility_margin`` (threshold minus the defender's
        resolve: the challenger climbs to the first nuclear rung, rather than stay below it,
        iff the margin is > 0)."""
        del prepared
        sc = _crisis(scenario)
        cr = sc.crisis
        assert cr is not None
        resolve = np.clip(ParameterValues(params)(f"doctrines.{cr.defender}.resolve", 0.5), 0, 1)
        terms = theory_terms(self.skeleton(sc), solution, resolve)
        return {k: terms[k] for k in ("credibility_threshold", "credibility_margin")}
