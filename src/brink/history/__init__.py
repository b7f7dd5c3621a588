"""Historical crises from the shared reference data, for fitting and backtesting brink's games.

The crisis table has one row per directed dyad per militarized interstate dispute
(Gibler, Miller & Little 2016, GML MID 2.2.1, 1816-2010): from a state on the side that took
the first militarized action (side A) to a state on the other side (side B), at the dyad's
first year in the dispute.  Each row records what each side did (highest action, hostility
level), how the dispute ended (outcome, settlement), and the year's covariates that the
theory of crisis bargaining names: capabilities (COW NMC, Singer, Bremer & Stuckey 1972),
nuclear status (Jo & Gartzke 2007), defense pacts (ATOP, Leeds et al. 2002), regime (Polity,
V-Dem), strategic rivalry (Thompson & Dreyer 2012) and the leaders in office (Archigos,
Goemans, Gleditsch & Chiozza 2009).  The data sets are read from ``../shared``; none is
bundled.  Every column is documented in ``docs/crisis-data.md``.

Modules:

* :mod:`brink.history.crises`: builds the ``crises`` table in DuckDB, returns it as arrays
  and summarises it (rows, disputes, counts by decade and ending); its state-year readers
  (:func:`~brink.history.crises.create_state_year_views`) are shared with
* :mod:`brink.history.actors`: an actor's facts in a year (capability, leader, tenure,
  regime, nuclear status, defense pacts) for a scenario's ``from_data:``
  (:func:`brink.scenario.loading.fill_from_data`).
"""

from __future__ import annotations

from brink.history.actors import ActorYear, StateYears, state_codes
from brink.history.crises import (
    ENDINGS,
    build_crisis_table,
    crisis_summary,
    crisis_table,
    default_shared,
)

__all__ = [
    "ENDINGS",
    "ActorYear",
    "StateYears",
    "build_crisis_table",
    "crisis_summary",
    "crisis_table",
    "default_shared",
    "state_codes",
]
