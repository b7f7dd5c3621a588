"""The mechanisms of a crisis (M1-M9), Kahn's ladder and the sourced reference tables.

One module per idea, each mechanism once: a checked public function and its unchecked
core (``*_core``), which the crisis template calls on its sample arrays.

* :mod:`~brink.mechanisms.alliances`: M1 coverage, M2 commitment costs, M5, and Zagare &
  Kilgour's (2000) credibility threshold used by every template.
* :mod:`~brink.mechanisms.ladder`: M3, Kahn's (1965) 44 rungs, the one rung table, and
  Rivera et al.'s (2024) escalation scores.
* :mod:`~brink.mechanisms.survival`: M6, the leader's survival and punishment.
* :mod:`~brink.mechanisms.partners`: M6-M8, partner support, the energy discount, the
  sphere of influence.
* :mod:`~brink.mechanisms.removal`: M9, foreign-imposed regime change.
* :mod:`~brink.mechanisms.reference`: Archigos exit rates, alliance reliability,
  nuclear forces, blocs and energy.

The package imports none of its modules, so that importing one (the scenario language
imports the ladder) loads only what it needs.  Formulas, defaults and sources:
``docs/mechanisms.md``.
"""
