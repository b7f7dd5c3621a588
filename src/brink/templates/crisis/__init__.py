"""The general crisis game (template ``crisis``): ladder, ambiguity, partners and the leader's fate.

Tree (one per scenario; payoffs and chance probabilities carry a sample dimension)::

    Challenger picks a rung of the ladder (Kahn 1965)
      ├─ a rung at Kahn 0 ("concede"): terminal, the challenger backs down
      └─ any other rung -> Nature draws the defender's type:
            resolute (prior = doctrines.<D>.resolve, the credibility of Zagare & Kilgour 2000)
            or restrained
           -> Defender responds: none / sanctions / conventional-strike / nuclear-response
           -> Challenger counters: de-escalate / hold / escalate / concede -> terminal

Each terminal is a lottery over how the war ends for the challenger: victory, stalemate,
defeat, concession.  ``concede`` ends in concession, ``de-escalate`` in stalemate; ``hold``
fights on at the current rung and ``escalate`` one rung higher.  A contest at Kahn rung
``k`` is decided with probability ``min(1, k / 12)`` (below "large conventional war" a
show of force or a mobilization is often indecisive: stalemate otherwise; assumption),
and if decided the challenger wins with probability ``pi(level, response)``: the
conventional balance ``p`` (``crisis.balance``, else the capability ratio), raised by nuclear coercion to ``p + (1 - p) * nuclear_coercion`` at
nuclear rungs (Schelling 1966's "threat that leaves something to chance"), and cut by the
defender's response (``1 - sanctions_effect``, ``1 - strike_effect``).  All further terms
are expected values over that lottery:

Challenger payoff (units of its stake; each weight in ``costs``, assumptions unless sourced)
  * stake ``V_C * (P(victory) + share * P(stalemate))`` with ``share = stalemate_share``,
    or ``stalemate_share + (1 - stalemate_share) * nuclear_coercion`` for a settlement
    reached at a nuclear rung: "escalate to de-escalate" (Sokov 2000), nuclear use
    coerces a better ceasefire;
  * war cost ``conventional_war * min(1, k / 12)``; the nuclear taboo cost (Tannenwald
    2007) if it used nuclear weapons;
  * the defender's response: sanctions, conventional strike, nuclear retaliation scaled by
    the damage ``1 - 0.5 ** (warheads / 400)`` the defender's arsenal can do (assumption
    after McNamara's 400-EMT assured-destruction criterion; Enthoven & Smith 1971);
  * a strategic exchange (central rung, or escalation after a nuclear response):
    ``strategic_exchange * damage``;
  * partners (M6-M8): ``partner_value * mean support`` (:func:`brink.mechanisms.partners.partner_support`:
    bandwagoning, the taboo, energy dependence, the discount while reserves last) and
    ``sphere_value * influence share`` in the former sphere
    (:func:`brink.mechanisms.partners.sphere_influence`, Tullock contest);
  * the leader's ``office_value * P(keeps office)`` (M6, M9): the domestic hazard of
    :func:`brink.mechanisms.survival.survival_core` (Chiozza & Goemans 2004; Goemans 2000;
    selectorate loyalty norm, Bueno de Mesquita et al. 2003) times one minus foreign-imposed
    removal, :func:`brink.mechanisms.removal.foreign_imposed_core` (Downes & Monten 2013),
    more likely after defeat and in resource-rich states (Bove, Gleditsch & Sekeris 2016);
  * minus ``punishment_cost * P(removed) * P(punished | removed, outcome)``, the
    exile, prison or death that follows removal (Escribà-Folch 2013's 47% for dictators,
    odds doubled after defeat; :func:`brink.mechanisms.survival.punishment_core`).
    A leader for whom conceding or losing means removal and punishment gains little
    from a safe settlement and values the risky climb more: gambling for resurrection
    (Downs & Rocke 1994; Goemans 2000) emerges from these two terms.

Defender payoff
  * its stake ``V_D`` in the challenger's failure; response costs divided by its cost
    tolerance; the strategic exchange scaled by the challenger's strategic arsenal;
  * for either type: if the challenger used nuclear weapons against a target under the
    umbrella and the answer is not nuclear, reputational cost ``credibility * (1 +
    ln(1 + n))`` with ``n`` the protégés under its umbrella (the non-nuclear members of
    its alliance and every umbrella commitment; :func:`brink.mechanisms.alliances.coverage`,
    :func:`brink.mechanisms.alliances.commitment_costs_core`). M2: attacking a covered target puts the
    whole umbrella at stake (Schelling 1966's interdependence of commitments); the
    logarithm (diminishing reputational returns) is an assumption; and after any attack
    on a target it is legally bound to defend (ATOP defense pact, Leeds et al. 2002; M1,
    M5), ``legal_weight`` for a weak answer -- commitments bind whatever the defender's
    private resolve;
  * the **resolute** type alone (Zagare & Kilgour 2000's "hard" defender, who prefers
    resisting to conceding) also pays ``norm`` for leaving the taboo unanswered, pays
    ``credibility * rank gap / 3`` for falling short of its declared response once the
    challenger reaches the rung it covers (``doctrines.<D>.applies_from``, default Kahn
    21, nuclear use; audience costs, Fearon 1994; M4) and gains ``self_preservation`` from a military answer (M5:
    it answers without legal duty, out of self-preservation).  The restrained ("soft")
    type weighs only material costs and commitments; so against an uncovered target the
    prior ``resolve`` is the credibility of Zagare & Kilgour and the challenger climbs
    to a nuclear rung iff ``resolve < (u(DC) - u(SQ)) / (u(DC) - u(DD))``
    (:func:`brink.mechanisms.alliances.credibility_threshold`).

Perfect- vs imperfect-information versions.  The type changes only the defender's own
payoffs; the challenger's terminal payoffs do not depend on it.  In the information-set
version (``information="imperfect"``) the challenger's counter nodes that differ only by
the type form one information set.  Because the challenger's payoffs below both nodes of
such a set are identical, its best counter is the same at both whatever its beliefs, and
backward induction with a deterministic tie rule picks the same action at both; so the
subgame-perfect equilibrium of the perfect-information version (types as chance, counters
as singletons) is a behaviour profile of the imperfect-information game under which every
information set's action is optimal for any belief — a perfect Bayesian (hence Nash)
equilibrium of it (Kreps & Wilson 1982).  ``tests/test_builder.py`` checks this against
the QRE limit.

The package holds one module per role: :mod:`.tree` (the game tree and terminal
features), :mod:`.payoffs` (mechanisms M1-M9 per war class and the payoff terms),
:mod:`.readout` (outcomes and metrics off a solution), :mod:`.theory` (Zagare & Kilgour's
threshold) and :mod:`.template` (the registered :class:`CrisisTemplate`).  The scenario
sections (:class:`~brink.crisis.schema.CrisisScenario`), the rungs, the war lottery's
outcomes and the terms both crisis templates compute alike (the balance, coverage,
damage) are shared with the escalation template and live in :mod:`brink.crisis`.
"""

from __future__ import annotations

from brink.templates.base import register
from brink.templates.crisis.payoffs import ClassQuantities, CrisisQuantities
from brink.templates.crisis.template import CrisisTemplate
from brink.templates.crisis.tree import Terminals, response_category

__all__ = [
    "ClassQuantities",
    "CrisisQuantities",
    "CrisisTemplate",
    "Terminals",
    "response_category",
]

register(CrisisTemplate())
