"""The crisis as a process (template ``escalation``): rounds of moves, answers and chance.

One exchange is not how crises run.  This template plays a crisis over ``process.rounds``
rounds between three players -- the challenger ``C``, the defender ``D`` and the target ``T``
-- and reads its outcomes off the equilibrium (or the quantal response) of the whole game.

Tree (built once per scenario by :mod:`.tree`; payoffs and chance carry a sample dimension)::

    Nature draws the private types once:
      the defender's side (D and T) resolute (prior doctrines.<D>.resolve) or
        restrained                                                -- Zagare & Kilgour 2000
      C resolute (prior process.challenger_resolve) or irresolute, when the prior is given
    D declares its doctrine (only if process.declarations lists choices; else it is fixed
      at doctrines.<D>.declared)                                 -- Zagare & Kilgour 2003
    Round r = 1..R, the side to move alternating (process.first_mover first):
      C's turn: concede | hold | climb 1..max_climb rungs | offer x     -- Rubinstein 1982
          a climb is answered by D from crisis.responses (none, alert, deployment,
          arms-supply, sanctions, conventional-strike, nuclear-response)
          an offer x (C's share of the stake, from process.offers) is accepted by T
          (settlement) or rejected
      T's turn: concede | hold | offer x, which C accepts or rejects
      then chance at the rung k fought at:                             -- Schelling 1960;
          out of control  slip  = min(1, loss_of_control (k/21)^2 (1 + alert_risk [alert]))
          decided         (1 - slip) decisiveness min(1, k/12)         -- Powell 2004
          the war goes on otherwise (after round R: undecided, worth its continuation)

In the perfect-information version (``information="perfect"``, what ``spe`` and ``qbi``
solve) every mover sees the types; in the information-set version (``qre``, ``pbe``) each
side knows only its own type (the target and the defender share theirs): every move is observed, so beliefs
follow Bayes' rule along the path (a multi-stage game with observed actions; Fudenberg &
Tirole 1991, ch. 8) and the equilibrium is a perfect Bayesian one.  With complete
information and a settlement both prefer to fighting, the crisis ends at once in a deal
(Fearon 1995's puzzle); war, and nuclear risk, come from private resolve, from noisy
choices (quantal response) or from an empty bargaining range (a leader whose office is at
stake may value no offer on the menu above a gamble).

The war lottery.  A war decided in round ``r`` is won by C with probability
``pi = clip(balance + trend (r - 1), 0, 1)`` (``crisis.balance`` or the capability ratio;
``process.trend`` per round: a war of attrition whose front moves), raised at a nuclear
rung to ``pi + (1 - pi) nuclear_coercion`` and cut by ``(1 - effect)`` for each kind of
answer D gave (sanctions, arms supply, deployment, and once for a military strike).  A
crisis that slips out of control is decided the same way; at a nuclear rung it is a
central exchange, below it a general war nobody chose: each round from the one it slipped
in to the horizon (that round once) costs C and T a full-intensity war and D a conventional
campaign.

Payoffs (units of C's stake; ``delta = process.discount``; a term of round ``r`` is
discounted by ``delta^(r-1)``):

* C: ``V_C theta won + partner_value support + sphere_value influence + office_value
  P(keeps office) - punishment_cost P(punished)`` at the end (``theta = 1``, or
  ``irresolute_stake`` for the irresolute type; ``won`` = ``x`` for a settlement, ``pi`` for a
  decided war, 1 if T concedes, 0 if C concedes; an undecided war is worth its continuation
  at the fitted hazard of decision, :func:`.payoffs.continuation`), minus,
  per round, the war cost ``c_C min(1, k/12)`` (``costs.conventional_war``, or
  ``2 war_dissipation decisiveness (1 - balance) V_C``: :func:`.payoffs.war_costs`), D's answers (sanctions,
  conventional strike, ``nuclear_retaliation`` times the damage D's arsenal can do), the
  taboo ``nuclear_taboo`` in the round it first stands on a nuclear rung, and
  ``strategic_exchange`` times damage if the crisis becomes a central exchange.  The
  leader's survival and the partners come from the post-war game solved from each ending
  (:mod:`brink.aftermath`, M6-M9), mixed over the lottery of the ending: a settlement at
  share ``x`` is its own start of the post-war game, an undecided war a stalemate.  The taboo
  is counted once: the crisis charges ``max(0, nuclear_taboo - charged)``, ``charged`` what the
  post-war game already charges through the partners' backing (:func:`.payoffs.after_crisis`).
* D: ``V_D (1 - won)`` (an undecided war: the continuation's ``kept``) minus its answers' costs divided by ``cost_tolerance``; the
  umbrella cost when nuclear use is answered below a nuclear response and the legal cost
  of a weak (non-military) answer (M1, M2, as in the crisis template); the **audience
  cost** ``credibility * (declared rank - answer rank) / 6`` whenever an answer to a climb
  at or above ``applies_from`` falls short of the declaration (half for a straddle) --
  for both types, so a declaration binds and the challenger can count on it (Fearon 1994);
  the resolute type also pays ``norm`` for a weak answer to nuclear use and gains
  ``self_preservation`` from a military one (M5).
* T: ``V_T theta_T (1 - won)`` (``theta_T = 1`` on a resolute side, ``restrained_stake``
  on a restrained one: how much the side values the stake is its private resolve, so a
  proposal the restrained side accepts may be refused by the resolute one -- the
  risk-return trade-off of Fearon 1995) minus ``c_T min(1, k/12)`` per round of war (``costs.target_war``, or ``2 war_dissipation
  decisiveness balance V_T``) and
  ``target_nuclear`` when nuclear weapons are used on it.

Outcomes: how the crisis ended (``settlement``, ``challenger_concedes``,
``target_concedes``, ``loss_of_control``, ``war_decided``, ``stalemate``),
``challenger_victory``/``challenger_defeat`` (a war won or lost, or the other side
conceding; a settlement is neither), ``tactical_nuclear_use``,
``strategic_nuclear_use``, each kind of answer (0.1's ``defender_sanctions``,
``defender_conventional_response``, ``defender_nuclear_response``, and
``defender_alert``, ``defender_deployment``, ``defender_arms_supply``,
``defender_responds``), the leader's survival, partners, the highest rung reached
(``rung.<name>``) and the declaration (``declared.<d>``).  Metrics: payoffs,
``escalation_score`` (Rivera et al. 2024), expected ``rounds``, ``settlement_share``
(C's share given a settlement), ``nuclear_use_answered`` (the share of nuclear climbs D
answers militarily) and the partner metrics of the crisis template.

One module per role: :mod:`.spec` (the ``process`` section and the wider response set),
:mod:`.tree` (the tree and terminal features), :mod:`.payoffs` (payoffs and chance),
:mod:`.readout` and :mod:`.template`.  The single exchange of brink 0.1 remains the
``crisis`` template.
"""

from __future__ import annotations

from brink.templates.base import register
from brink.templates.escalation.spec import DECLARATIONS, RESPONSES, EscalationScenario
from brink.templates.escalation.template import EscalationTemplate

__all__ = ["DECLARATIONS", "RESPONSES", "EscalationScenario", "EscalationTemplate"]

register(EscalationTemplate())
