"""Compile a scenario and parameter arrays into one :class:`brink.games.Game`.

The builder is the seam between the scenario layer and the solvers: it picks the
scenario's template (:mod:`brink.templates`) and asks it for a game whose payoffs
carry a sample dimension.  :func:`scenario_game` is what ``brink export`` uses: the
game at the central value of every distribution, or at the ``K``-th draw of seed 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from brink.errors import InputError
from brink.games import Game
from brink.scenario import Scenario, load_scenario
from brink.templates import get_template
from brink.templates.base import Information

__all__ = ["compile_game", "scenario_game"]


def compile_game(
    scenario: Scenario,
    params: Mapping[str, NDArray[np.float64]],
    information: Information = "perfect",
    prepared: Any = None,
) -> Game:
    """The scenario's game for the parameter rows in ``params`` (``(S,)`` arrays).

    ``prepared`` is what the template's :meth:`~brink.templates.base.Template.prepare`
    gave for these ``params`` (computed by the template when ``None``).
    """
    template = get_template(scenario.template, where=scenario.source or scenario.name)
    return template.build(scenario, params, information=information, prepared=prepared)


def scenario_game(
    source: str,
    sample: int | None = None,
    overrides: Sequence[str] = (),
    information: Information = "perfect",
) -> Game:
    """One game of a scenario: central values (``sample=None``) or draw ``sample`` of seed 0.

    The result has no sample dimension, so it can be written as a Gambit ``.efg`` file.
    """
    sc = load_scenario(source, overrides)
    if sample is None:
        params = sc.parameters.central()
    else:
        if sample < 0:
            raise InputError(f"sample {sample} is negative", where="--sample", fix="give a sample index >= 0")
        params = sc.parameters.draw(0, sample, sample + 1)
    return compile_game(sc, params, information).sample(0)
