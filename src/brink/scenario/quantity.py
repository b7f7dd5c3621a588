"""The one kind of scenario number: a :class:`Quantity`.

Every numeric field of a scenario, common or template-owned, is a :class:`Quantity`: a
number, a distribution string (``"beta(6, 3)"``, :mod:`brink.scenario.distributions`) or an
expression string over other parameters (:mod:`brink.scenario.expressions`).  The
scenario layer collects them by dotted path and draws them (:mod:`brink.scenario.parameters`);
anything given as a distribution is an *uncertainty* in the sense of exploratory
modelling (Bankes 1993).
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, RootModel, ValidationInfo, field_validator

__all__ = ["Q", "Quantity", "Section"]


def _numeric_kinds(annotation: Any) -> set[type]:
    """The plain number types (``int``, ``float``) a field annotation admits, if it admits no
    ``bool`` or ``str`` of its own (``int``, ``float | None``, ``int | float``...)."""
    args = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) else (annotation,)
    if bool in args or str in args:
        return set()
    return {a for a in args if a in (int, float)}


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors, values are frozen.

    Plain number fields (a count of rounds, a horizon) are typed strictly: ``true`` or a
    quoted ``"3"`` is refused rather than read as 1 or 3 (pydantic's lax mode would accept
    both, so ``--set process.rounds=true`` ran one round).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_numbers(cls, v: Any, info: ValidationInfo) -> Any:
        if isinstance(v, bool | str) and info.field_name is not None:
            field = cls.model_fields.get(info.field_name)
            kinds = _numeric_kinds(field.annotation) if field is not None else set()
            if kinds:
                kind = "a whole number" if kinds == {int} else "a number"
                raise ValueError(f"must be {kind}, not {'true/false' if isinstance(v, bool) else 'text'} ({v!r})")
        return v


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
