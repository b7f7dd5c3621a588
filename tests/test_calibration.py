"""The bundled crises' priors that the data identify are fitted, each from what was known
before the crisis: the chance a war is decided within a round (``process.decisiveness``) is the
exponential hazard of the war-level disputes begun before the scenario's year (GML MID 2.2.1;
:func:`brink.mechanisms.reference.war_decisiveness`), with the round length each scenario states
in its provenance."""

from __future__ import annotations

import re

import pytest

from brink.mechanisms.reference import war_decisiveness
from brink.scenario import load_scenario

#: Each crisis's round in months and its year (its provenance says why).
ROUNDS = {
    "ukraine-2022": (3.5, 2022), "ukraine-in-nato": (3.5, 2022), "cuban-missile-crisis-1962": (0.15, 1962),
    "july-1914": (0.15, 1914), "berlin-1961": (2.0, 1961), "sino-soviet-border-1969": (2.0, 1969),
    "kargil-1999": (0.8, 1999), "taiwan-strait-1995": (2.7, 1995), "georgia-2008": (0.5, 2008),
    "crimea-2014": (0.33, 2014),
}


@pytest.mark.parametrize("name", sorted(ROUNDS))
def test_decisiveness_prior_is_fitted_from_wars_before_the_crisis(name: str) -> None:
    sc = load_scenario(name)
    months, year = ROUNDS[name]
    assert int(sc.as_of[:4]) == year  # type: ignore[index]
    fitted = war_decisiveness(months, year)
    spec = sc.parameters.distributions["process.decisiveness"].spec
    a, b = (float(x) for x in re.fullmatch(r"beta\(([\d.]+), ([\d.]+)\)", spec).groups())  # type: ignore[union-attr]
    assert a == pytest.approx(fitted.beta_a, abs=0.051) and b == pytest.approx(fitted.beta_b, abs=0.051)
    assert sc.provenance_of("process.decisiveness") == "gml"
    assert a / (a + b) == pytest.approx(fitted.decided, rel=0.02)
