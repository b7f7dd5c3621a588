"""A scenario's numbers: collected by dotted path, classified, ordered and range-checked.

Every :class:`~brink.scenario.quantity.Quantity` of a scenario (its common sections, its
template's own sections and the numbers of its ``game:`` section) is collected by dotted
path (``actors.RUS.nuclear.non_strategic``) into :class:`Parameters`: fixed numbers and
distributions (:mod:`brink.scenario.distributions`) drawn with common random numbers
(:mod:`brink.scenario.random`), and expressions (:mod:`brink.scenario.expressions`)
evaluated in dependency order.  Ranges follow :mod:`brink.scenario.ranges`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ValidationError

from brink.arrays import FloatArray
from brink.errors import InputError
from brink.scenario.distributions import Distribution, is_distribution_text, parse_distribution
from brink.scenario.expressions import Expression, compile_expression, evaluation_order
from brink.scenario.quantity import Quantity
from brink.scenario.ranges import Limit, first_failure, non_finite, quantity_range
from brink.scenario.registry import schema_of

if TYPE_CHECKING:
    from brink.scenario.schema import Scenario

__all__ = ["USER_PARAMETERS", "Parameters", "collect"]

#: The top-level section of user-defined parameters (``parameters:``): quantities an
#: analyst names (``semiconductor_dependence``) and reads by name in any expression.
USER_PARAMETERS = "parameters"

#: Words that mark a user parameter as deliberately read by nothing (in its provenance).
_INERT_MARKS = ("unused", "inert")



def _walk(value: Any, path: str) -> Iterator[tuple[str, Quantity]]:
    if isinstance(value, Quantity):
        yield path, value
    elif isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            if name in ("source", "game", "levers", "provenance", "sources"):
                continue
            key = info.alias or name  # the key the file writes (``parameters:`` for user_parameters)
            yield from _walk(getattr(value, name), f"{path}.{key}" if path else key)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            key = getattr(v, "id", None) or str(i)
            yield from _walk(v, f"{path}.{key}")


def _walk_raw(value: Any, path: str) -> Iterator[tuple[str, float | str]]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float | str) and path:
        yield path, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _walk_raw(v, f"{path}.{k}" if path else str(k))


@dataclass(frozen=True)
class Parameters:
    """A scenario's numbers: fixed values, distributions (uncertainties) and expressions."""

    distributions: dict[str, Distribution]
    expressions: dict[str, Expression]
    order: tuple[str, ...]
    #: The range of each number and where it is written (:mod:`brink.scenario.ranges`).
    limits: Mapping[str, Limit] = field(default_factory=dict)

    @property
    def uncertainties(self) -> list[str]:
        return [k for k, d in self.distributions.items() if not d.is_fixed]

    @property
    def names(self) -> list[str]:
        return [*self.distributions, *self.order]

    def derive(self, base: Mapping[str, FloatArray], n: int) -> dict[str, FloatArray]:
        """Complete ``base`` (draws of the distributions) with the expressions, in order."""
        out = {k: np.asarray(v, dtype=np.float64) for k, v in base.items()}
        for name in self.order:
            expr = self.expressions[name]
            env = {ref: out[target] for ref, target in _bindings(name, expr, out).items()}
            out[name] = expr.evaluate(env, size=n)
        return out

    def check(self, values: Mapping[str, FloatArray], origins: Mapping[str, str] | None = None) -> None:
        """Refuse any finite value outside its parameter's range (after expressions are evaluated).

        ``values`` are per-sample arrays by dotted path (as :meth:`derive` gives them);
        ``origins`` names where a value came from when it is not the scenario's own
        (e.g. ``a lever setting``).  Non-finite values are left to the caller: they make
        a sample *failed*, not the scenario wrong.
        """
        for path, arr in values.items():
            limit = self.limits.get(path)
            if limit is not None:
                limit.check(path, arr, (origins or {}).get(path, ""))

    def failure(self, values: Mapping[str, FloatArray], failed: NDArray[np.bool_]) -> str:
        """``where: path = nan (from expression '...')`` of the first non-finite parameter of
        the first failed sample (``""`` if none)."""
        return first_failure(values, self.limits, failed)

    def draw(self, seed: int, start: int, stop: int) -> dict[str, FloatArray]:
        """Samples ``start..stop-1`` of every parameter (chunk-invariant, common random numbers)."""
        from brink.scenario.random import draw

        return self.derive(draw(self.distributions, seed, start, stop), stop - start)

    def central(self) -> dict[str, FloatArray]:
        """One sample at the central value of every distribution."""
        return self.derive({k: np.array([d.central]) for k, d in self.distributions.items()}, 1)


def _bindings(name: str, expr: Expression, known: Mapping[str, Any]) -> dict[str, str]:
    """Resolve each name an expression reads to a dotted parameter path.

    A name is looked up as a full path, then relative to the expression's own section
    (siblings and their parents), then as the unique path ending in that name.
    """
    out: dict[str, str] = {}
    parts = name.split(".")
    for ref in expr.names:
        if ref in known:
            out[ref] = ref
            continue
        if f"{USER_PARAMETERS}.{ref}" in known:  # a user-defined parameter, by its bare name
            out[ref] = f"{USER_PARAMETERS}.{ref}"
            continue
        target = None
        for i in range(len(parts) - 1, 0, -1):
            cand = ".".join([*parts[:i], ref])
            if cand in known:
                target = cand
                break
        if target is None:
            tails = [k for k in known if k.endswith("." + ref)]
            if len(tails) == 1:
                target = tails[0]
            elif len(tails) > 1:
                raise InputError(
                    f"{expr.text}: {ref!r} is ambiguous ({', '.join(sorted(tails))})",
                    expr.where,
                    "write the full dotted path",
                )
        if target is None:
            hyphenated = [
                token
                for token in re.findall(r"[A-Za-z_][\w.]*(?:-[A-Za-z_][\w.]*)+", expr.text)
                if ref in token.split("-")
            ]
            if hyphenated:
                token = hyphenated[0]
                raise InputError(
                    f"{expr.text}: unknown parameter {ref!r}: names in expressions must be "
                    f"identifiers, so {token!r} reads as {' - '.join(token.split('-'))!r}",
                    expr.where,
                    "give the item an id or key without hyphens (e.g. nato_ukr instead of nato-ukr), "
                    "or refer to the number by its sibling name from inside the same item",
                )
            raise InputError(
                f"{expr.text}: unknown parameter {ref!r}",
                expr.where,
                "use a parameter of the scenario by its dotted path or a sibling name",
            )
        out[ref] = target
    return out


def collect(sc: Scenario) -> Parameters:
    where = sc.source or sc.name
    dists: dict[str, Distribution] = {}
    exprs: dict[str, Expression] = {}
    leaves = list(_walk(sc, ""))
    if sc.game:
        settings = _game_settings(sc)
        for p, v in _walk_raw(sc.game, "game"):
            if p.split(".")[1] in settings:
                continue
            try:
                leaves.append((p, Quantity(v)))
            except ValidationError:  # e.g. a whole number no float holds
                raise InputError(
                    f"{v!r:.40} is not a number, a distribution or an expression",
                    sc.where(p),
                    "give a number such as 0.4, a distribution such as beta(2, 3) or an expression",
                ) from None
    for path, q in leaves:
        v = q.root
        loc = sc.where(path)
        if isinstance(v, str) and not is_distribution_text(v):
            try:
                dists[path] = parse_distribution(v, loc)
            except InputError:
                exprs[path] = compile_expression(v, loc)
        else:
            dists[path] = parse_distribution(v, loc)
    known = {**dists, **exprs}
    _check_user_parameters(sc, known)
    for path, expr in exprs.items():
        _bindings(path, expr, known)
    _check_user_parameters_read(sc, exprs, known)
    resolved = {p: e for p, e in exprs.items()}
    order = tuple(evaluation_order(_renamed(resolved, known)))
    game_probabilities = _game_probabilities(sc)
    game_nonnegative = _game_nonnegative(sc)
    for path, dist in dists.items():
        _check_range(sc, path, dist, game_probabilities, game_nonnegative)
    del where
    limits = _limits(sc, dists, exprs, order, game_probabilities, game_nonnegative)
    _check_constants(dists, exprs, order, known, limits)
    return Parameters(dists, exprs, order, limits)


def _limits(
    sc: Scenario,
    dists: Mapping[str, Distribution],
    exprs: Mapping[str, Expression],
    order: Sequence[str],
    game_probabilities: frozenset[str],
    game_nonnegative: frozenset[str],
) -> dict[str, Limit]:
    """The range of every number with a range, in evaluation order (see :mod:`brink.scenario.ranges`)."""
    out: dict[str, Limit] = {}
    for path in [*dists, *order]:
        rng = quantity_range(path, game_probabilities, game_nonnegative, sc.is_probability, sc.is_signed)
        if rng is None:
            continue
        where = sc.where(path).removesuffix(f": {path}")
        if path in exprs:
            source = f"expression '{exprs[path].text}'"
        else:
            source = "" if dists[path].is_fixed else f"distribution {dists[path].spec}"
        out[path] = Limit(rng, where, source)
    return out


def _check_constants(
    dists: Mapping[str, Distribution],
    exprs: Mapping[str, Expression],
    order: Sequence[str],
    known: Mapping[str, Any],
    limits: Mapping[str, Limit],
) -> None:
    """Evaluate the expressions that read only fixed numbers, and check them like numbers.

    ``"3 + 4"`` for a probability, ``"0 - 1e6"`` for a cost or ``"log(-1)"`` anywhere is
    then refused when the scenario loads (and by ``brink validate``), not at run time.
    """
    values: dict[str, FloatArray] = {k: np.array([d.central]) for k, d in dists.items() if d.is_fixed}
    for name in order:
        expr = exprs[name]
        bound = _bindings(name, expr, known)
        if not all(target in values for target in bound.values()):
            continue
        value = expr.evaluate({ref: values[target] for ref, target in bound.items()}, size=1)
        values[name] = value
        if non_finite(name, value)[0]:
            limit = limits.get(name)
            raise InputError(
                f"{name} = {value[0]} (from expression '{expr.text}') is not a finite number",
                limit.where if limit is not None else expr.where,
                "every number must be finite: check for a division by zero, log of a number <= 0, "
                "x % 0 or an overflow such as exp(1000)",
            )
        if name in limits:
            limits[name].check(name, value)


def _renamed(exprs: dict[str, Expression], known: Mapping[str, Any]) -> dict[str, Expression]:
    out = {}
    for path, expr in exprs.items():
        names = frozenset(_bindings(path, expr, known).values())
        out[path] = Expression(expr.text, names, expr.where, expr._op)
    return out


def _game_probabilities(sc: Scenario) -> frozenset[str]:
    """Paths ``game.<key>`` that the scenario's template declares probabilities."""
    try:
        keys = schema_of(sc.template).probabilities if sc.game else frozenset()
    except InputError:  # an unknown template is reported by check_scenario
        return frozenset()
    return frozenset(f"game.{key}" for key in keys)


def _game_nonnegative(sc: Scenario) -> frozenset[str]:
    """Paths ``game.<key>`` that the scenario's template declares non-negative."""
    try:
        keys = schema_of(sc.template).nonnegative if sc.game else frozenset()
    except InputError:  # an unknown template is reported by check_scenario
        return frozenset()
    return frozenset(f"game.{key}" for key in keys)


def _check_range(
    sc: Scenario,
    path: str,
    dist: Distribution,
    game_probabilities: frozenset[str] = frozenset(),
    game_nonnegative: frozenset[str] = frozenset(),
) -> None:
    """Refuse a number or distribution whose support leaves the range of ``path`` (:mod:`brink.scenario.ranges`)."""
    lo, hi = dist.bounds
    rng = quantity_range(path, game_probabilities, game_nonnegative, sc.is_probability, sc.is_signed)
    if rng is None:
        return
    if rng.high == 1.0:
        if lo < rng.low or hi > rng.high:
            raise InputError(
                f"{dist.spec} can take values outside [0, 1] (range {lo:g} to {hi:g})",
                sc.where(path),
                "a probability or share must lie in [0, 1]; use e.g. beta(a, b) or uniform(lo, hi) within it",
            )
    elif lo < rng.low:
        raise InputError(f"{dist.spec} can be negative (lowest {lo:g})", sc.where(path), rng.meaning)


def _game_settings(sc: Scenario) -> frozenset[str]:
    """Keys of ``game:`` that the scenario's template declares as settings, not numbers."""
    try:
        return schema_of(sc.template).settings()
    except InputError:  # an unknown template is reported by check_scenario
        return frozenset()


def _check_user_parameters(sc: Scenario, known: Mapping[str, Any]) -> None:
    """Refuse a user parameter whose name cannot be read unambiguously in an expression.

    A name must be an identifier (no dots, no leading underscore, no Python keyword), not
    one of the expression functions (:data:`brink.scenario.expressions.FUNCTIONS`), not a
    top-level section (``costs``, ``actors``, ...) and not the last component of another
    number's path (``sanctions`` would then mean either ``costs.sanctions`` or the user's).
    """
    import keyword

    from brink.scenario.expressions import FUNCTIONS

    user = getattr(sc, "user_parameters", {})
    sections = {info.alias or name for name, info in type(sc).model_fields.items()}
    tails: dict[str, list[str]] = {}
    for path in known:
        if not path.startswith(USER_PARAMETERS + "."):
            tails.setdefault(path.rsplit(".", 1)[-1], []).append(path)
    for name in user:
        where = sc.where(f"{USER_PARAMETERS}.{name}")
        problem = ""
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or keyword.iskeyword(name):
            problem = "is not a name an expression can read (letters, digits and _, starting with a letter)"
        elif name in FUNCTIONS:
            problem = f"clashes with the built-in function {name}()"
        elif name in sections:
            problem = f"clashes with the section {name}:"
        elif name in tails:
            problem = f"clashes with {', '.join(sorted(tails[name]))}, which expressions read by the same name"
        if problem:
            raise InputError(
                f"parameter {name!r} {problem}",
                where,
                "rename it (e.g. semiconductor_dependence), using letters, digits and _",
            )


def _check_user_parameters_read(
    sc: Scenario, exprs: Mapping[str, Expression], known: Mapping[str, Any]
) -> None:
    """Refuse a user parameter that no expression reads, unless its provenance says so.

    An unread parameter changes nothing: it is most often a typo in the expression that
    meant to read it.  An analyst may keep one on purpose (for a later variant) by saying
    so in its provenance, e.g. ``parameters.x: "assumption: unused until the blockade variant"``.
    """
    user = getattr(sc, "user_parameters", {})
    if not user:
        return
    read: set[str] = set()
    for path, expr in exprs.items():
        read.update(_bindings(path, expr, known).values())
    for name in user:
        path = f"{USER_PARAMETERS}.{name}"
        if path in read:
            continue
        origin = sc.provenance_of(path) or ""
        if any(mark in origin.lower() for mark in _INERT_MARKS):
            continue
        raise InputError(
            f"parameter {name!r} is read by no expression, so it changes nothing",
            sc.where(path),
            f"use it in an expression (e.g. costs.sanctions: '0.1 + 0.2 * {name}'), remove it, or say "
            f"in its provenance that it is unused (provenance: {{{path}: 'assumption: unused, ...'}})",
        )
