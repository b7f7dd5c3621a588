"""The allowed range of every scenario number, and the checks that hold values to it.

One rule, applied at three moments so that a number is refused the same way however
it is written:

* a **number or distribution** is checked when the scenario loads, on the support of
  the distribution (``beta(2, 3)`` lies in [0, 1]; ``normal(0.5, 1)`` does not);
* a **constant expression** (one that reads only fixed numbers, such as ``"3 + 4"``) is
  evaluated when the scenario loads and checked like a number, so ``brink validate``
  refuses it; a constant expression that is not a finite number (``"log(-1)"``,
  ``"5 % 0"``) is refused there too;
* an **expression over uncertain numbers** is checked on every sample after it is
  evaluated (:meth:`brink.scenario.Parameters.check`).  A sample outside the range
  refuses the whole run, as a distribution that *can* leave the range is refused at
  load time: the scenario is wrong, not the sample (bound it with ``clip(...)``,
  ``min``/``max``).  Values that are not finite numbers are not range errors: such a
  sample is *failed* (counted, reported, never dropped; :mod:`brink.model`).

The rule (:func:`quantity_range`): the fields listed in :data:`PROBABILITY_FIELDS` and those
a template's scenario class adds (the crisis template's ``resolve``, ``balance``, every
``partners.<id>.sphere_interest.<region>``, ...) are probabilities or shares in [0, 1];
every other number outside ``game:`` (arsenals, capabilities, costs, rates, months) is
``>= 0`` unless its scenario class lists it as signed (``signed_fields``: a battlefield trend); a template declares which of its ``game:`` numbers are probabilities
(``probabilities`` of its :class:`brink.scenario.registry.TemplateSchema`) or non-negative
(``nonnegative``), the rest are free.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from brink.arrays import FloatArray
from brink.errors import InputError

__all__ = [
    "NONNEGATIVE",
    "PROBABILITY",
    "PROBABILITY_FIELDS",
    "UNBOUNDED",
    "Limit",
    "Range",
    "first_failure",
    "non_finite",
    "quantity_range",
]


#: Fields of the common sections (by the last component of their path) that hold
#: probabilities or shares in [0, 1]: the selectorate's W and S (Bueno de Mesquita et al.
#: 2003), resource wealth and culpability.  A template's scenario class adds its own
#: (:attr:`brink.scenario.Scenario.probability_fields`).
PROBABILITY_FIELDS = frozenset({"W", "S", "resource_wealth", "culpability"})

#: Parameters for which ``+inf`` is a meaningful value rather than a failure: a discount
#: of zero costs nothing and so "lasts" forever.
UNBOUNDED = frozenset({"energy_discount.sustainable_months"})


@dataclass(frozen=True)
class Range:
    """A closed interval ``[low, high]`` (``high`` may be ``inf``) and what it means."""

    low: float
    high: float
    meaning: str

    def __str__(self) -> str:
        high = "inf)" if math.isinf(self.high) else f"{self.high:g}]"
        return f"[{self.low:g}, {high}"


PROBABILITY = Range(0.0, 1.0, "a probability or share must lie in [0, 1]")
NONNEGATIVE = Range(0.0, math.inf, "this quantity (arsenal, capability, cost, rate) must be >= 0")


def quantity_range(
    path: str,
    game_probabilities: frozenset[str] = frozenset(),
    game_nonnegative: frozenset[str] = frozenset(),
    is_probability: Callable[[str], bool] = lambda path: path.rsplit(".", 1)[-1] in PROBABILITY_FIELDS,
    is_signed: Callable[[str], bool] = lambda path: False,
) -> Range | None:
    """The range of the number at dotted ``path`` (``None``: any real number).

    ``game_probabilities`` and ``game_nonnegative`` are the ``game.<key>`` paths the
    scenario's template declares; ``is_probability`` tells the probabilities outside
    ``game:`` (the scenario class's :meth:`~brink.scenario.Scenario.is_probability`) and
    ``is_signed`` the numbers outside ``game:`` that may take any real value (a trend).
    """
    if path.startswith("game."):
        if path in game_probabilities:
            return PROBABILITY
        return NONNEGATIVE if path in game_nonnegative else None
    if is_signed(path):
        return None
    return PROBABILITY if is_probability(path) else NONNEGATIVE


@dataclass(frozen=True)
class Limit:
    """The range of one parameter and where the scenario writes it.

    Attributes:
        range: The allowed interval.
        where: ``file:line:col`` (or ``--set path=value``) of the number.
        source: How the value is computed, for messages: ``expression '3+4'``,
            ``distribution beta(2, 3)`` or ``""`` for a number.
    """

    range: Range
    where: str
    source: str = ""

    def check(self, path: str, values: FloatArray, origin: str = "") -> None:
        """Refuse finite ``values`` outside the range (non-finite ones are failures, not range errors).

        ``origin`` overrides :attr:`source` in the message (e.g. ``a lever setting``).
        """
        arr = np.asarray(values, dtype=np.float64).reshape(-1)
        with np.errstate(invalid="ignore"):
            bad = (arr < self.range.low) | (arr > self.range.high)
        if not bad.any():
            return
        first = int(np.argmax(bad))
        count = int(bad.sum())
        source = origin or self.source
        text = f"{path} = {arr[first]:.6g}"
        if source:
            text += f" (from {source})"
        text += f" is outside {self.range}"
        if arr.size > 1:
            text += f" in {count} of {arr.size} samples (the first shown)"
        fix = self.range.meaning
        if source.startswith("expression "):
            expr = source.removeprefix("expression ").strip("'")
            bound = f"clip({expr}, 0, 1)" if self.range.high == 1.0 else f"max(0, {expr})"
            fix += f"; bound the expression, e.g. {bound}"
        raise InputError(text, self.where, fix)


def non_finite(path: str, values: FloatArray) -> NDArray[np.bool_]:
    """Samples where ``values`` is not a usable number: NaN, or infinite unless ``path`` allows ``inf``."""
    arr = np.asarray(values, dtype=np.float64)
    return np.isnan(arr) if path in UNBOUNDED else ~np.isfinite(arr)


def first_failure(
    values: Mapping[str, FloatArray], limits: Mapping[str, Limit], failed: NDArray[np.bool_]
) -> str:
    """The first parameter (in evaluation order) that is not finite in the first failed sample.

    ``values`` must be in evaluation order (fixed numbers and distributions, then the
    expressions in dependency order), so the parameter named is where the failure starts.
    Returns ``""`` if no parameter is at fault (the solver failed the sample).
    """
    if not failed.any():
        return ""
    s = int(np.argmax(failed))
    for path, arr in values.items():
        a = np.asarray(arr).reshape(-1)
        if a.size > s and bool(non_finite(path, a[s : s + 1])[0]):
            limit = limits.get(path)
            where = f"{limit.where}: " if limit is not None and limit.where else ""
            source = f" (from {limit.source})" if limit is not None and limit.source else ""
            return f"{where}{path} = {a[s]}{source}"
    return ""
