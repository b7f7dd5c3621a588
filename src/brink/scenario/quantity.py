"""The one kind of scenario number: a :class:`Quantity`.

Every numeric field of a scenario, common or template-owned, is a :class:`Quantity`: a
number, a distribution string (``"beta(6, 3)"``, :mod:`brink.scenario.distributions`) or an
expression string over other parameters (:mod:`brink.scenario.expressions`).  The
scenario layer collects them by dotted path and draws them (:mod:`brink.scenario.parameters`);
anything given as a distribution is an *uncertainty* in the sense of exploratory
modelling (Bankes 1993).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, RootModel, field_validator

__all__ = ["Q", "Quantity", "Section"]


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Quantity(RootModel[float | str]):
    """A number, a distribution string or an expression string (resolved at load time)."""

    @field_validator("root", mode="before")
    @classmethod
    def _scalar(cls, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, int | float | str):
            raise ValueError("must be a number, a distribution such as 'uniform(0.3, 0.8)' or an expression")
        return v


#: Short alias used in section declarations (``strategic: Q = Q(0.0)``).
Q = Quantity
