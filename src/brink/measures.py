"""What each outcome and metric a run reports means: its group, one line and its unit.

A run reports *outcomes* (the probability of an event in each sample, averaged over the
samples) and *metrics* (a per-sample quantity, averaged).  A reader should never have to
guess what ``escalation_score 28`` or ``payoff.RUS 1.86`` is, or whether ``declared.X`` is
something that happened or something the scenario fixed.  This module is the one glossary
the command line (``brink run``, ``brink runs show``, ``brink measures``), the report and
the workbench read: each name a template declares in
:attr:`brink.templates.base.Capabilities.outcomes` / ``metrics`` has a :class:`Measure`
here, found by :func:`measure` (patterns such as ``rung.*`` match a family of names).  A
template of your own registers its measures with :func:`register` (the contract test over
every registered template checks that each declared name has one).

Groups order the printed tables: how the crisis ends, nuclear use, the defender's answers,
rungs reached, the declaration, after the war, payoffs and the model's own quantities.  A
setting of the scenario (the defender's declaration when the scenario fixes it) is an
input, not something that happened, and no template reports it as an outcome.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CORNER_CAUSE", "GROUPS", "MEASURES", "Measure", "headline", "measure", "register", "row_text", "solver_words"]

#: The groups of measures, in the order they are printed.
GROUPS: tuple[str, ...] = (
    "how the crisis ends",
    "nuclear use",
    "the defender's answers",
    "rungs reached",
    "the declaration",
    "after the war",
    "payoffs",
    "the model's quantities",
)

PROBABILITY = "probability"
STAKE = "units of the challenger's stake"


@dataclass(frozen=True)
class Measure:
    """One outcome or metric: ``group`` (one of :data:`GROUPS`), a one-line ``meaning`` and its ``unit``."""

    group: str
    meaning: str
    unit: str = PROBABILITY


_ENDS, _NUC, _ANS, _RUNG, _DECL, _AFTER, _PAY, _MODEL = GROUPS

#: Name (or ``fnmatch`` pattern) -> measure.  Exact names win over patterns.
MEASURES: dict[str, Measure] = {
    # how the crisis ends (escalation, crisis)
    "settlement": Measure(_ENDS, "the crisis ends in an accepted offer (a deal)"),
    "challenger_concedes": Measure(_ENDS, "the challenger backs down (concede)"),
    "target_concedes": Measure(_ENDS, "the target gives in to the challenger's demand"),
    "loss_of_control": Measure(_ENDS, "the crisis slips out of control into a war nobody chose (Schelling 1960)"),
    "war_decided": Measure(_ENDS, "a war is fought and decided for one side before the horizon"),
    "stalemate": Measure(_ENDS, "a war is still undecided at the last round"),
    "challenger_victory": Measure(_ENDS, "the challenger wins: a war won, or the target concedes"),
    "challenger_defeat": Measure(_ENDS, "the challenger loses: a war lost, or the challenger concedes"),
    "challenger_prevails": Measure(_ENDS, "the challenger gets its way: a war won, the target concedes, the share of the stake a deal gives it, or a war undecided at the horizon won later (at the fitted hazard of decision)"),
    "status_quo": Measure(_ENDS, "nobody challenges, or the challenge is dropped: the status quo holds"),
    "war": Measure(_ENDS, "the crisis ends in war (escalation: a war decided, undecided at the horizon, or out of control)"),
    "concession": Measure(_ENDS, "the defending side concedes the stake"),
    "defender_concedes": Measure(_ENDS, "the defender concedes to the challenger's demand"),
    "defender_prevails": Measure(_ENDS, "the defender resists and the crisis survives: the status quo is kept"),
    "challenge": Measure(_ENDS, "the challenger makes its demand"),
    "conflict": Measure(_ENDS, "the defender resists a demand: conflict"),
    "deal": Measure(_ENDS, "the offer is accepted (no war)"),
    "local_war": Measure(_ENDS, "the protégé fights alone, abandoned by the defender"),
    "back_down": Measure(_ENDS, "the challenger backs down after the defender supports its protégé"),
    "escalation": Measure(_ENDS, "the challenger escalates to a risk of disaster"),
    "submission": Measure(_ENDS, "the defender submits to the challenger's risk"),
    "disaster": Measure(_ENDS, "the crisis ends in disaster (the shared risk materialises)"),
    "agreement": Measure(_ENDS, "the two sides agree on a split before the deadline"),
    "immediate_agreement": Measure(_ENDS, "they agree in the first round"),
    "breakdown": Measure(_ENDS, "bargaining breaks down at the deadline"),
    "quit.*": Measure(_ENDS, "this side quits the war of attrition first"),
    "horizon": Measure(_ENDS, "neither side quits before the horizon"),
    "immediate": Measure(_ENDS, "one side quits at once, before any fighting"),
    "threat": Measure(_ENDS, "the defender threatens in public"),
    "threat.*": Measure(_ENDS, "this type of defender threatens in public"),
    "press.*": Measure(_ENDS, "the challenger presses after a threat (press.threat) or after silence (press.quiet)"),
    "audience_cost": Measure(_ENDS, "the defender backs down after a public threat and pays the audience cost"),
    "commit_*": Measure(_ENDS, "the defender's commitment to its protégé: firm, none or straddled"),
    # nuclear use
    "tactical_nuclear_use": Measure(_NUC, "the challenger fights at a nuclear rung below central war (Kahn 21-38)"),
    "strategic_nuclear_use": Measure(_NUC, "a central nuclear exchange: a central rung, or a slip or renewed climb after nuclear use"),
    # the defender's answers
    "defender_alert": Measure(_ANS, "the defender puts its forces on alert in answer to a climb"),
    "defender_deployment": Measure(_ANS, "the defender deploys forces in answer to a climb"),
    "defender_arms_supply": Measure(_ANS, "the defender supplies arms to the target in answer to a climb"),
    "defender_sanctions": Measure(_ANS, "the defender answers with sanctions"),
    "defender_conventional_response": Measure(_ANS, "the defender answers with a conventional strike"),
    "defender_nuclear_response": Measure(_ANS, "the defender answers with nuclear weapons"),
    "defender_responds": Measure(_ANS, "the defender answers a climb with anything but 'none' (unconditional: fewer climbs to answer lower it; see defender_responds_given_climb)"),
    "defender_intervenes": Measure(_ANS, "the defender acts (anything but 'none') against a challenger that holds its gain, without a climb to answer (a fait accompli)"),
    "target_counter_attacks": Measure(_ENDS, "the target carries the war one rung up the ladder (a counter-attack below the nuclear threshold)"),
    # rungs and the declaration
    "rung.*": Measure(_RUNG, "the highest rung of the ladder the crisis reaches is this one"),
    "declared.*": Measure(_DECL, "the defender chooses to declare this answer to a climb (reported only where process.declarations lets it choose; a fixed declaration is an input)"),
    # after the war
    "leader_survives": Measure(_AFTER, "the challenger's leader is still in office at the survival horizon"),
    "domestic_removal": Measure(_AFTER, "the leader's winning coalition removes him before the horizon"),
    "foreign_imposed_regime_change": Measure(_AFTER, "outside powers remove the leader before the horizon"),
    "partners_abandon": Measure(_AFTER, "the partners' mean share walked away from the challenger"),
    "partner_abandons.*": Measure(_AFTER, "this partner walks away from the challenger (mean share over the months)"),
    "discount_months": Measure(_AFTER, "months the leader pays an energy discount to his partners", "months"),
    "fiscal_cost_usd_bn": Measure(_AFTER, "reserves spent on energy discounts", "USD bn"),
    "sphere_influence": Measure(_AFTER, "the challenger's share of its sphere after the partners' contest (Tullock)", "share in [0, 1]"),
    "partner_support": Measure(_AFTER, "the partners' mean backing of the challenger", "share in [0, 1]"),
    "survival_given.*": Measure(_AFTER, "the leader is still in office at the survival horizon given that the crisis ends in this ending of the post-war game (victory, stalemate, defeat, concession, settlement; escalation: per sample, then averaged over the samples where the ending has a chance; blank where it has none)"),
    # payoffs
    "payoff.*": Measure(_PAY, "this player's expected payoff in the solution (escalation and crisis templates: units of the challenger's stake)", "utility"),
    # the model's quantities
    "escalation_score": Measure(_MODEL, "Rivera et al. (2024) score of the most severe act on the path (status quo 0, posturing 4, non-violent 12, violent 28, nuclear 60)", "score 0-60"),
    "rounds": Measure(_MODEL, "expected number of rounds the crisis lasts", "rounds"),
    "settlement_share": Measure(_MODEL, "the challenger's share of the stake given a settlement", "share in [0, 1]"),
    "defender_responds_given_climb": Measure(_ANS, "given that the challenger climbs, the chance the defender answers a climb with anything but 'none' (blank in a sample where no climb has a chance)"),
    "defender_responds_given_nuclear_use": Measure(_ANS, "given that the challenger climbs to a nuclear rung, the chance the defender answers that first nuclear climb with anything but 'none'"),
    "nuclear_use_when_losing": Measure(_NUC, "tactical nuclear use in the samples where the challenger is losing: its chance of winning a war decided in the last round, clip(balance + trend (rounds - 1), 0, 1) before nuclear use and answers, is below 1/2 (blank in the other samples)"),
    "nuclear_use_answered": Measure(_MODEL, "share of nuclear climbs the defender answers militarily (n/a where none happens)", "share in [0, 1]"),
    "first_offer": Measure(_MODEL, "the first proposer's demand", "share of the pie"),
    "share.*": Measure(_MODEL, "this player's share of the pie", "share of the pie"),
    "agreement_round": Measure(_MODEL, "round in which they agree", "rounds"),
    "stahl_share": Measure(_MODEL, "Stahl's (1972) closed-form share of the first proposer", "share of the pie"),
    "rubinstein_share": Measure(_MODEL, "Rubinstein's (1982) limit share of the first proposer", "share of the pie"),
    "bluff_threshold": Measure(_MODEL, "the audience cost above which the low type cannot bluff (Fearon 1994)", STAKE),
    "separating": Measure(_MODEL, "1 where the separating equilibrium's condition holds", "indicator"),
    "risk": Measure(_MODEL, "the risk of disaster the challenger runs", PROBABILITY),
    "resolve.*": Measure(_MODEL, "the greatest risk this side will run: V / (V + d) (Powell 1987)", PROBABILITY),
    "least_coercive_risk": Measure(_MODEL, "the least risk on the menu at or above the defender's resolve", PROBABILITY),
    "credibility_threshold": Measure(_MODEL, "the credibility below which the challenger challenges (Zagare & Kilgour 2000)", PROBABILITY),
    "offer": Measure(_MODEL, "the proposer's offer in equilibrium", "share of the stake"),
    "offer_theory": Measure(_MODEL, "Fearon's (1995) closed-form offer", "share of the stake"),
    "war_theory": Measure(_MODEL, "Fearon's (1995) closed-form probability of war", PROBABILITY),
    "range_low": Measure(_MODEL, "bottom of the bargaining range, p - c_A", "share of the stake"),
    "range_high": Measure(_MODEL, "top of the bargaining range, p + c_B", "share of the stake"),
    "rounds_fought": Measure(_MODEL, "expected rounds of the war of attrition", "rounds"),
    "endurance.*": Measure(_MODEL, "rounds this side will fight before quitting", "rounds"),
}


def register(name: str, entry: Measure) -> None:
    """Add the measure of a name (or pattern) a template reports; an existing one is kept only if equal."""
    if entry.group not in GROUPS:
        raise ValueError(f"measure {name!r}: unknown group {entry.group!r}; choose one of {', '.join(GROUPS)}")
    old = MEASURES.get(name)
    if old is not None and old != entry:
        raise ValueError(f"measure {name!r} is already registered with another meaning")
    MEASURES[name] = entry


def measure(name: str) -> Measure | None:
    """The :class:`Measure` of an outcome or metric ``name`` (exact name first, then the
    longest matching pattern), or ``None`` if none is registered."""
    if name in MEASURES:
        return MEASURES[name]
    matches = [p for p in MEASURES if any(c in p for c in "*?[") and fnmatch.fnmatchcase(name, p)]
    return MEASURES[max(matches, key=len)] if matches else None


#: The corner note: why an outcome can sit at 0 or 1 in every sample, per solver, and what changes it.
CORNER_CAUSE: dict[str, str] = {
    "spe": "under spe every player knows the others' types and plays a best response, so a deal every "
           "type prefers to fighting is taken at once (Fearon 1995); --solver qbi --lambda 1 adds noisy "
           "choices, --solver pbe makes resolve private",
    "pbe": "under pbe private resolve is the only source of war, and a deal every type prefers is still "
           "taken; --solver qbi --lambda 1 adds noisy choices",
    "qre": "the logit equilibrium's limit keeps only best responses; --lambda 1 keeps noisy choices",
    "qbi": "under qbi every action has a positive probability, so an outcome at 0 in every sample is one no "
           "play of the game reaches at these numbers (brink validate names unreachable rungs)",
}
#: The headline's outcomes after the likeliest ending, in order, with their words.
HEADLINE: tuple[tuple[str, str], ...] = (
    ("war", "war"), ("tactical_nuclear_use", "tactical nuclear use"),
    ("strategic_nuclear_use", "strategic nuclear use"), ("leader_survives", "the leader keeps office"),
)


def row_text(value: float | None, ci: Any) -> tuple[str, str]:
    """A value and its 95% interval as printed: ``("0.882", "[0.881, 0.883]")``, ``n/a`` for none."""
    lo, hi = ci if ci is not None else (None, None)
    return ("n/a" if value is None else f"{value:.3f}"), ("" if lo is None else f"[{lo:.3f}, {hi:.3f}]")


def solver_words(solver: str, lam: float | None = None, auto: str = "") -> str:
    """``"solver spe (auto)"``, ``"solver qbi, lambda 3"``: the solver that ran, ``auto`` resolved
    as a run resolves it (the perfect-information game's first accepting solver).  ``auto``: why
    a template's declared default was chosen (``"solver qbi (auto: fitted on ICB), lambda 0.58"``,
    the escalation template's default, :func:`brink.solvers.registry.template_default`)."""
    from brink.solvers.registry import SOLVERS, resolve

    if auto:
        return f"solver {solver} (auto: {auto})" + (f", lambda {lam:.2g}" if lam is not None else "")
    try:
        entry = resolve(solver, perfect_information=True) if solver == "auto" else SOLVERS[solver]
    except Exception:
        return f"solver {solver}"
    return f"solver {entry.name}" + (" (auto)" if solver == "auto" else "") + (f", lambda {lam:g}" if lam is not None else "")


def headline(
    outcomes: Mapping[str, Mapping[str, Any]], solver: str = "auto", lam: float | None = None, auto: str = ""
) -> list[str]:
    """A run in plain language, as ``brink run``, the report and the workbench open with.

    ``outcomes`` maps names to ``{"p": mean, "ci95": [low, high]}`` (a run's JSON summary).  The
    first line names the likeliest way the crisis ends (the largest probability in the group
    "how the crisis ends"), war, nuclear use and the leader's fate where the model reports them,
    each with its 95% Monte Carlo interval, and the solver.  A second line, a *corner note*, is
    added when an outcome is 1 or 0 in every sample (its interval is exactly [1, 1] or [0, 0]):
    it names them and says that this is a corner of the solution concept, not certainty about
    the world, why, and which flag changes it (:data:`CORNER_CAUSE`).
    """
    lines: list[str] = []

    def said(name: str, words: str) -> str | None:
        row = outcomes.get(name)
        if row is None or row.get("p") is None:
            return None
        value, interval = row_text(row["p"], row.get("ci95"))
        return f"{words} {value} {interval}".rstrip()

    ends = {k: r for k, r in outcomes.items()
            if (m := measure(k)) is not None and m.group == GROUPS[0] and r.get("p") is not None}
    parts: list[str] = []
    top = ""
    if ends:
        top = max(ends, key=lambda k: float(ends[k]["p"]))
        parts.append(str(said(top, f"most likely ending: {top.replace('_', ' ')}")))
    parts += [text for name, words in HEADLINE
              if not (ends and name == top) and (text := said(name, words)) is not None]
    if parts:
        lines.append("; ".join(parts) + f" ({solver_words(solver, lam, auto)}, 95% Monte Carlo intervals)")
    ones = [k for k, r in outcomes.items() if r.get("p") == 1.0 and list(r.get("ci95") or []) == [1.0, 1.0]]
    zeros = [k for k, r in outcomes.items() if r.get("p") == 0.0 and list(r.get("ci95") or []) == [0.0, 0.0]]
    if ones or zeros:
        shown = [z for z in zeros if z in dict(HEADLINE)]
        others = [z for z in zeros if z not in dict(HEADLINE)]
        parts = [", ".join(ones) + " = 1"] if ones else []
        if shown:
            parts.append(", ".join(shown) + " = 0")
        if others:
            listed = ", ".join(others[:6]) + (f" and {len(others) - 6} more" if len(others) > 6 else "")
            parts.append(f"{len(others)} other outcome{'s' if len(others) > 1 else ''} = 0 ({listed})")
        what = " and ".join(parts)
        name = solver_words(solver, lam, auto).split()[1].rstrip(",")
        cause = CORNER_CAUSE.get(name, "the solution concept leaves no room for another outcome at these numbers")
        lines.append(f"note: {what} in every sample: a corner of the model, not certainty about the world; {cause}")
    return lines
