"""The registered escalation template: schema, checks, build and read-out."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, cast

import numpy as np

from brink.aftermath.game import GRID_POINTS
from brink.aftermath.inputs import CrisisEndings, actions
from brink.arrays import FloatArray, IndexArray
from brink.crisis.schema import MAX_ACTORS, MAX_PARTNERS
from brink.errors import InputError
from brink.games import Game
from brink.scenario import Scenario
from brink.templates.base import Capabilities, FusedReadOut, Information, Params, ReadOut, Template
from brink.templates.escalation import readout
from brink.templates.escalation.payoffs import (
    Quantities,
    chance_layout,
    outcome_classes,
    post_war_endings,
    prepare,
    war_classes,
)
from brink.templates.escalation.spec import EscalationScenario
from brink.templates.escalation.tree import TERM_KINDS, Skeleton, skeleton, structure

if TYPE_CHECKING:
    from brink.solvers.result import Solution
    from brink.solvers.spe import FusedResult, PayoffParts, ReadOutSink

#: The solvers :meth:`EscalationTemplate.fused_read_out` runs fused.
_FUSED = ("spe", "qbi")

__all__ = ["MAX_INTERVENERS", "MAX_NODES", "MAX_POST_WAR_WORK", "EscalationTemplate"]

#: The most nodes an escalation tree may have (rounds, rungs, responses and offers multiply).
MAX_NODES = 200_000
#: The most outside powers a scenario may name.
MAX_INTERVENERS = 50
#: The most choices the post-war game may weigh per sample (a few seconds per 100 samples at
#: the limit; the bundled crises weigh 5,000 to 250,000).
MAX_POST_WAR_WORK = 20_000_000


def _escalation(scenario: Scenario) -> EscalationScenario:
    return cast(EscalationScenario, scenario)


class EscalationTemplate(Template):
    """A crisis fought over rounds: private resolve on both sides, the target as a player,
    alternating offers, a risk that slips out of control and a war of attrition."""

    name: ClassVar[str] = "escalation"
    description: ClassVar[str] = (
        "multi-round crisis: alternating offers, risk of losing control, attrition, two-sided private resolve"
    )
    scenario_class: ClassVar[type[Scenario]] = EscalationScenario
    capabilities: ClassVar[Capabilities] = Capabilities(
        players=("challenger", "defender", "target"),
        information_sets=True,
        solvers=("spe", "qbi", "qre"),
        outcomes=readout.OUTCOME_PATTERNS,
        metrics=("payoff.*", "escalation_score", "rounds", "settlement_share", "nuclear_use_answered",
                 "defender_responds_given_climb", "defender_responds_given_nuclear_use", "nuclear_use_when_losing",
                 "discount_months",
                 "fiscal_cost_usd_bn", "sphere_influence", "partner_support", *readout.SURVIVAL_GIVEN),
        fast_read_out=True,
        private_information=True,
        post_war=True,
        fused_read_out=True,
        default_solver="qbi",  # issue 22 item 2: qbi at the precision fitted on ICB (issue 23)
        default_lambda="fit:icb",
    )

    def check(self, scenario: Scenario) -> None:
        sc = _escalation(scenario)
        if sc.crisis is None:
            raise InputError(
                "the escalation template needs a crisis section", where=sc.source or sc.name,
                fix="add crisis: {challenger, target, defender, ladder}",
            )
        for section, count, limit in (("actors", len(sc.actors), MAX_ACTORS), ("partners", len(sc.partners), MAX_PARTNERS)):
            if count > limit:
                raise InputError(f"{count:,} {section} exceed the limit of {limit:,}", where=sc.where(section),
                                 fix=f"model at most {limit:,} {section}")
        if len(sc.interveners) > MAX_INTERVENERS:
            raise InputError(f"{len(sc.interveners):,} interveners exceed the limit of {MAX_INTERVENERS}",
                             where=sc.where("interveners"), fix=f"name at most {MAX_INTERVENERS} outside powers")
        work = self.post_war_work(sc)
        if work > MAX_POST_WAR_WORK:
            raise InputError(
                f"the post-war game would weigh about {work:,} choices per sample (endings x months x reserve "
                f"levels x discount choices x players), over the limit of {MAX_POST_WAR_WORK:,}",
                where=sc.where("energy_discount.levels"),
                fix="give fewer discount levels or buying partners (imports_mbd), fewer interveners, "
                "or a shorter survival.horizon_months",
            )
        nodes = self.node_estimate(sc)
        if nodes > MAX_NODES:
            raise InputError(
                f"the escalation tree would have about {nodes:,} nodes, over the limit of {MAX_NODES:,}",
                where=sc.where("process.rounds"),
                fix="use fewer rounds, responses, offers or a smaller max_climb",
            )

    @staticmethod
    def node_estimate(scenario: EscalationScenario) -> int:
        """An upper bound of the tree's node count, computed without building it."""
        cr = scenario.crisis
        assert cr is not None
        pr = scenario.process
        climbs = min(pr.max_climb, max(0, len([r for r in cr.ladder if r.rung > 0]) - 1))
        m = len(pr.offers)
        resp = len(cr.responses)
        held = len(pr.interventions) if pr.interventions is not None else len(
            [r for r in cr.responses if r != "nuclear-response"])
        counter = int(pr.counter_attack)
        c_paths, t_paths = max(1, held) + climbs * resp + m, 1 + counter + m
        c_nodes = 2 + int(held > 0) + climbs * (1 + resp) + 2 * m + 4 * c_paths
        t_nodes = 2 + 2 * m + 4 * t_paths
        types = 4 if pr.challenger_resolve is not None else 2
        total, paths = 1, types * max(1, len(pr.declarations))
        for r in range(pr.rounds):
            mover = (r % 2 == 0) == (pr.first_mover == "challenger")
            total += paths * (c_nodes if mover else t_nodes)
            paths *= c_paths if mover else t_paths
        return total + types * (1 + len(pr.declarations))

    @staticmethod
    def post_war_work(scenario: EscalationScenario) -> int:
        """Choices the post-war game weighs per sample: endings x months x grid x actions x (1 +
        players whose choice each weighing evaluates)."""
        cr = scenario.crisis
        assert cr is not None
        starts = post_war_endings(scenario).starts.shape[0]
        A = actions(scenario).shape[0]
        H = int(scenario.survival.horizon_months)
        return int(starts * H * (GRID_POINTS + 1) * A * (1 + len(scenario.partners) + len(scenario.interveners)))

    def skeleton(self, scenario: Scenario, information: Information = "perfect") -> Skeleton:
        return skeleton(structure(_escalation(scenario), information))

    def sample_bytes(self, scenario: Scenario) -> int:
        """Per sample, beyond the game's arrays: the reach of every terminal and its copy for
        the read-out, and about forty ``(U,)`` arrays per war class (lottery, partners,
        survival and their temporaries; partners add theirs per partner), and the post-war game's
        ``(endings, actions, partners)`` backing, cost and mean arrays and their temporaries."""
        sc = _escalation(scenario)
        sk = self.skeleton(sc)
        classes = len(war_classes(sk.structure)[0])
        cr = sc.crisis
        assert cr is not None
        starts = post_war_endings(sc).starts.shape[0]
        post_war = 4 * int(starts) * actions(sc).shape[0] * (len(sc.partners) + 2) + 64 * starts
        return int(8 * (2 * sk.game.n_outcomes + (40 + 8 * len(sc.partners)) * classes + post_war))

    def fused_sample_bytes(self, scenario: Scenario, solver: str) -> int:
        """Per sample on the fused path (:meth:`fused_read_out`): :meth:`sample_bytes` less the
        terminal reach and its copy, plus the per-round coefficients, the distinct chance
        columns and the outcome and metric sums of a block; no ``(T, 3)`` payoffs, ``edges``
        chance probabilities or node arrays (``ukraine-2022``: 1.23 MB estimated for the built
        game, 0.27 MB fused; measured peaks 209 KB and 55 KB)."""
        if solver not in _FUSED:
            return 0
        sc = _escalation(scenario)
        sk = self.skeleton(sc)
        distinct, _, _, types = chance_layout(sk.structure)
        coefficients = len(TERM_KINDS) * sk.structure.rounds
        columns = int(types) + 3 * distinct.shape[0]
        sums = 2 * (len(readout.tally_structure(sk).names) + len(outcome_classes(sk.structure)[0]))
        return int(self.sample_bytes(sc) - 16 * sk.game.n_outcomes + 8 * (coefficients + columns + sums))

    def prepare(self, scenario: Scenario, params: Params) -> Quantities:
        sc = _escalation(scenario)
        return prepare(sc, params, self.skeleton(sc))

    def _prepared(self, scenario: Scenario, params: Params, prepared: Any) -> Quantities:
        return prepared if isinstance(prepared, Quantities) else self.prepare(scenario, params)

    def build(
        self, scenario: Scenario, params: Params, *, information: Information = "perfect", prepared: Any = None
    ) -> Game:
        """The game with ``(S, T, 3)`` payoffs and per-sample chance probabilities."""
        sk = self.skeleton(scenario, information)
        q = self._prepared(scenario, params, prepared)
        pay = q.payoffs()
        probs = q.chance
        if not (np.isfinite(pay).all() and np.isfinite(probs).all()):
            return sk.game.with_samples(outcome_payoffs=pay, chance_probs=probs)
        game = copy.copy(sk.game)
        object.__setattr__(game, "outcome_payoffs", pay)
        object.__setattr__(game, "chance_probs", probs)
        return game

    def crisis_endings(self, scenario: Scenario, prepared: Any = None) -> CrisisEndings:
        """The post-war game's starting points whose probabilities :meth:`endings` gives
        (:func:`.payoffs.post_war_endings`: a settlement at each share on the menu is its own)."""
        return post_war_endings(_escalation(scenario))

    def endings(
        self, scenario: Scenario, params: Params, reach: FloatArray, terminals: IndexArray, prepared: Any = None
    ) -> FloatArray:
        """``(S, K)`` probability of each crisis ending of :meth:`crisis_endings` (the post-war
        game's starting points) given an equilibrium's reach ``(S, T)`` of the terminal nodes
        ``terminals``."""
        sc = _escalation(scenario)
        q = self._prepared(sc, params, prepared)
        sk = self.skeleton(sc)
        column = np.searchsorted(terminals, sk.outcome_node)
        return readout.endings(sc, sk, q, np.ascontiguousarray(reach[:, column]))

    def read_out(self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None) -> ReadOut:
        q = self._prepared(scenario, params, prepared)
        g = solution.game
        reach = np.asarray(solution.reach, dtype=np.float64).reshape(-1, g.n_nodes)
        sk = self.skeleton(scenario)
        r = readout.tally(sk, q, np.ascontiguousarray(reach[:, sk.outcome_node]))
        pay = np.asarray(solution.payoffs, dtype=np.float64).reshape(-1, g.n_players)
        return readout.outcomes(r), {f"payoff.{p}": pay[:, i] for i, p in enumerate(g.players)} | readout.metrics(q, r)

    def outcomes(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        return self.read_out(scenario, params, solution, prepared)[0]

    def metrics(
        self, scenario: Scenario, params: Params, solution: Solution, prepared: Any = None
    ) -> dict[str, FloatArray]:
        return self.read_out(scenario, params, solution, prepared)[1]

    def fused_read_out(
        self, scenario: Scenario, params: Params, solver: str, parameters: Mapping[str, Any], prepared: Any = None,
    ) -> FusedReadOut | None:
        """SPE or quantal backward induction and the read-out in one pass (``None`` for other
        solvers, or when a payoff part is not finite: :meth:`build` then reports it).

        The solver computes every terminal's payoffs from the class values and the per-round
        coefficients (:meth:`Quantities.parts`) and every chance probability from the few
        distinct distributions (:func:`.payoffs.chance_table`) as it visits them, so neither
        the ``(S, T, 3)`` payoffs nor the ``(S, edges)`` chance probabilities are written;
        the terminal reach is summed into the read-out's columns (terminals read alike share
        one, ``Tally.columns``) and tallied per block of samples (:func:`.readout.tally`)
        instead of held as an ``(S, T)`` array.  The numbers are :meth:`terminal_read_out`'s on the
        built game, bit for bit (``tests/test_fused.py``).
        """
        q = self._prepared(scenario, params, prepared) if solver in _FUSED else None
        parts = q.parts() if q is not None else None
        if q is None or parts is None or not parts.finite():
            return None
        sk = self.skeleton(scenario)
        game = sk.game
        columns = np.ascontiguousarray(readout.tally_structure(sk).columns[game.outcome[game.terminals]], dtype=np.int64)
        blocks: list[dict[str, FloatArray]] = []

        def sink(start: int, stop: int, rows: FloatArray) -> None:
            blocks.append(readout.tally(sk, q, rows, slice(start, stop), compiled=True, narrowed=True))

        result = self._fused(game, parts, columns, sink, solver, parameters, readout.block_rows(sk))
        r = blocks[0] if len(blocks) == 1 else {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
        pays = {f"payoff.{p}": result.payoffs[:, i] for i, p in enumerate(game.players)}
        return FusedReadOut(readout.outcomes(r), pays | readout.metrics(q, r), result.modal, game)

    @staticmethod
    def _fused(
        game: Game, parts: PayoffParts, columns: IndexArray, sink: ReadOutSink, solver: str,
        parameters: Mapping[str, Any], block: int,
    ) -> FusedResult:
        if solver == "spe":
            from brink.solvers.spe import spe_fused

            return spe_fused(game, parts, columns, sink, block=block)
        from brink.solvers.qbi import qbi_fused

        return qbi_fused(game, parts, columns, sink, lam=parameters.get("lam"), block=block)

    def fused_reach(
        self, scenario: Scenario, params: Params, solver: str, parameters: Mapping[str, Any], prepared: Any = None,
    ) -> tuple[FloatArray, IndexArray] | None:
        """The reach of every terminal ``(S, T)`` in ``game.terminals`` order under ``solver``,
        solved as :meth:`fused_read_out` solves (no payoff, chance or node arrays built): what
        :meth:`brink.model.CrisisModel.reach` hands to :meth:`endings` for ``brink simulate``.
        Bit-identical to the built game's (``tests/test_fused.py``); ``None`` as for
        :meth:`fused_read_out`."""
        q = self._prepared(scenario, params, prepared) if solver in _FUSED else None
        parts = q.parts() if q is not None else None
        if parts is None or not parts.finite():
            return None
        game = self.skeleton(scenario).game
        reach = np.empty((parts.samples, game.terminals.size))

        def sink(start: int, stop: int, rows: FloatArray) -> None:
            reach[start:stop] = rows

        columns = np.arange(game.terminals.size, dtype=np.int64)
        self._fused(game, parts, columns, sink, solver, parameters, 2)
        return reach, np.asarray(game.terminals, dtype=np.int64)

    def terminal_read_out(
        self, scenario: Scenario, params: Params, game: Game, payoffs: FloatArray, terminal_reach: FloatArray,
        prepared: Any = None,
    ) -> ReadOut:
        sk = self.skeleton(scenario)
        q = self._prepared(scenario, params, prepared)
        column = np.searchsorted(game.terminals, sk.outcome_node)
        r = readout.tally(sk, q, np.ascontiguousarray(terminal_reach[:, column]))
        pays = {f"payoff.{p}": payoffs[:, i] for i, p in enumerate(game.players)}
        return readout.outcomes(r), pays | readout.metrics(q, r)
