"""Probability distributions of uncertain scenario parameters.

An analyst writes how unsure she is of a number as a short text, e.g.
``uniform(0.3, 0.8)`` or ``beta(6, 3)``; :func:`parse_distribution` turns it into a
:class:`Distribution`.  Every distribution is sampled by inversion, ``x = F^{-1}(u)``
with ``u ~ U(0, 1)`` (Devroye 1986, *Non-Uniform Random Variate Generation*, ch. 2),
so that one stream of uniforms per parameter name (see :mod:`brink.scenario.random`) gives
common random numbers across scenarios and chunk-invariant draws, and so that
designed experiments (Sobol, Morris, Latin hypercubes) can feed their own quantiles
through :meth:`Distribution.ppf`.

Accepted forms (parameters are numbers; nothing is evaluated as Python):

=================================  ==========================================================
``0.4``, ``fixed(0.4)``            a fixed value
``uniform(a, b)``                  uniform on ``[a, b]``, ``a < b``
``triangular(lo, mode, hi)``       triangular, ``lo <= mode <= hi``, ``lo < hi``
``normal(mu, sd)``                 normal with mean ``mu`` and standard deviation ``sd > 0``
``normal(mu, sd, lo, hi)``         that normal truncated to ``[lo, hi]``
``beta(a, b)``                     beta on ``[0, 1]`` with shapes ``a, b > 0``
``lognormal(mu, sigma)``           ``exp(N(mu, sigma))``: ``mu``, ``sigma`` are the mean and
                                   standard deviation of the *underlying normal* (its median is
                                   ``exp(mu)``), as in ``numpy`` and ``scipy.stats.lognorm(s=sigma,
                                   scale=exp(mu))``
``choice(v1, v2, ...)``            one of the values, equally likely
``choice([v1, v2], [p1, p2])``     one of the values with the given probabilities
=================================  ==========================================================
"""

from __future__ import annotations

import ast
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

from brink.arrays import FloatArray
from brink.errors import InputError
from brink.scenario.expressions import parse_quietly

__all__ = [
    "ALLOWED_FORMS",
    "Beta",
    "Choice",
    "Distribution",
    "Fixed",
    "LogNormal",
    "Normal",
    "Triangular",
    "Uniform",
    "is_distribution_text",
    "parse_distribution",
]


#: The forms :func:`parse_distribution` accepts, quoted in every error message.
ALLOWED_FORMS = (
    "Allowed: a number, fixed(x), uniform(a, b), triangular(lo, mode, hi), normal(mu, sd), "
    "normal(mu, sd, lo, hi), beta(a, b), lognormal(mu, sigma), choice(v1, v2, ...), "
    "choice([v1, v2, ...], [p1, p2, ...])"
)

_PROBABILITY_TOLERANCE = 1e-9


def format_number(x: float) -> str:
    """Shortest text that reads back as ``x`` (integers without a trailing ``.0``)."""
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


@dataclass(frozen=True)
class Distribution(ABC):
    """A univariate distribution sampled by inversion of its CDF.

    Subclasses are frozen dataclasses of plain floats, hence hashable and picklable
    (they travel to worker processes and Dask workers).
    """

    @abstractmethod
    def ppf(self, u: ArrayLike) -> FloatArray:
        """Inverse CDF (quantile function) at ``u`` in [0, 1], elementwise."""

    @property
    @abstractmethod
    def bounds(self) -> tuple[float, float]:
        """Smallest and largest value of the support (``±inf`` when unbounded)."""

    @property
    @abstractmethod
    def spec(self) -> str:
        """Canonical text, which :func:`parse_distribution` reads back to an equal object."""

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` draws: the quantile function at ``n`` uniforms from ``rng``."""
        return self.ppf(rng.random(n))

    @property
    def central(self) -> float:
        """The value used for a single "central" run: the median (the fixed value if fixed)."""
        return float(self.ppf(np.array([0.5]))[0])

    @property
    def is_fixed(self) -> bool:
        """True if the distribution is a point mass."""
        return False

    def __str__(self) -> str:
        return self.spec


def _as_u(u: ArrayLike) -> FloatArray:
    return np.asarray(u, dtype=np.float64)


@dataclass(frozen=True)
class Fixed(Distribution):
    """A point mass at ``value``."""

    value: float

    def ppf(self, u: ArrayLike) -> FloatArray:
        return np.full(np.shape(u), self.value, dtype=np.float64)

    @property
    def bounds(self) -> tuple[float, float]:
        return (self.value, self.value)

    @property
    def spec(self) -> str:
        return format_number(self.value)

    @property
    def central(self) -> float:
        return self.value

    @property
    def is_fixed(self) -> bool:
        return True


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on ``[low, high]``."""

    low: float
    high: float

    def ppf(self, u: ArrayLike) -> FloatArray:
        return self.low + (self.high - self.low) * _as_u(u)

    @property
    def bounds(self) -> tuple[float, float]:
        return (self.low, self.high)

    @property
    def spec(self) -> str:
        return f"uniform({format_number(self.low)}, {format_number(self.high)})"


@dataclass(frozen=True)
class Triangular(Distribution):
    """Triangular on ``[low, high]`` with its mode at ``mode`` (closed-form inverse CDF)."""

    low: float
    mode: float
    high: float

    def ppf(self, u: ArrayLike) -> FloatArray:
        q = _as_u(u)
        a, c, b = self.low, self.mode, self.high
        split = (c - a) / (b - a)
        left = a + np.sqrt(np.clip(q, 0.0, None) * (b - a) * (c - a))
        right = b - np.sqrt(np.clip(1.0 - q, 0.0, None) * (b - a) * (b - c))
        return np.asarray(np.where(q < split, left, right), dtype=np.float64)

    @property
    def bounds(self) -> tuple[float, float]:
        return (self.low, self.high)

    @property
    def spec(self) -> str:
        return (
            f"triangular({format_number(self.low)}, {format_number(self.mode)}, "
            f"{format_number(self.high)})"
        )


@dataclass(frozen=True)
class Normal(Distribution):
    """Normal with mean ``mu`` and standard deviation ``sd``, optionally truncated to ``[low, high]``."""

    mu: float
    sd: float
    low: float = -math.inf
    high: float = math.inf

    @property
    def truncated(self) -> bool:
        return math.isfinite(self.low) or math.isfinite(self.high)

    def ppf(self, u: ArrayLike) -> FloatArray:
        q = _as_u(u)
        if not self.truncated:
            return np.asarray(self.mu + self.sd * special.ndtri(q), dtype=np.float64)
        a = (self.low - self.mu) / self.sd
        b = (self.high - self.mu) / self.sd
        x = stats.truncnorm.ppf(q, a, b, loc=self.mu, scale=self.sd)
        return np.asarray(np.clip(x, self.low, self.high), dtype=np.float64)

    @property
    def bounds(self) -> tuple[float, float]:
        return (self.low, self.high)

    @property
    def spec(self) -> str:
        args = [self.mu, self.sd] + ([self.low, self.high] if self.truncated else [])
        return f"normal({', '.join(format_number(x) for x in args)})"


@dataclass(frozen=True)
class Beta(Distribution):
    """Beta on ``[0, 1]`` with shape parameters ``a`` and ``b``."""

    a: float
    b: float

    def ppf(self, u: ArrayLike) -> FloatArray:
        return np.asarray(special.betaincinv(self.a, self.b, _as_u(u)), dtype=np.float64)

    @property
    def bounds(self) -> tuple[float, float]:
        return (0.0, 1.0)

    @property
    def spec(self) -> str:
        return f"beta({format_number(self.a)}, {format_number(self.b)})"


@dataclass(frozen=True)
class LogNormal(Distribution):
    """``exp(X)`` with ``X ~ N(mu, sigma)``: ``mu`` and ``sigma`` belong to the underlying normal."""

    mu: float
    sigma: float

    def ppf(self, u: ArrayLike) -> FloatArray:
        return np.asarray(np.exp(self.mu + self.sigma * special.ndtri(_as_u(u))), dtype=np.float64)

    @property
    def bounds(self) -> tuple[float, float]:
        return (0.0, math.inf)

    @property
    def spec(self) -> str:
        return f"lognormal({format_number(self.mu)}, {format_number(self.sigma)})"


@dataclass(frozen=True)
class Choice(Distribution):
    """A discrete distribution on ``values`` (sorted ascending) with ``probs``.

    Values are kept sorted so that :meth:`ppf` is non-decreasing, as an inverse CDF must be.
    """

    values: tuple[float, ...]
    probs: tuple[float, ...]

    def ppf(self, u: ArrayLike) -> FloatArray:
        q = _as_u(u)
        cdf = np.cumsum(self.probs)
        idx = np.searchsorted(cdf[:-1], q, side="left")
        return np.asarray(self.values, dtype=np.float64)[idx]

    @property
    def bounds(self) -> tuple[float, float]:
        return (self.values[0], self.values[-1])

    @property
    def is_fixed(self) -> bool:
        return len(self.values) == 1

    @property
    def spec(self) -> str:
        vals = ", ".join(format_number(v) for v in self.values)
        if len(set(self.probs)) == 1:
            return f"choice({vals})"
        probs = ", ".join(format_number(p) for p in self.probs)
        return f"choice([{vals}], [{probs}])"


_ARITY: dict[str, str] = {
    "fixed": "fixed(x)",
    "uniform": "uniform(a, b)",
    "triangular": "triangular(lo, mode, hi)",
    "normal": "normal(mu, sd) or normal(mu, sd, lo, hi)",
    "beta": "beta(a, b)",
    "lognormal": "lognormal(mu, sigma)",
    "choice": "choice(v1, v2, ...) or choice([v1, ...], [p1, ...])",
}


def is_distribution_text(s: object) -> bool:
    """True if ``s`` is a string that looks like one of the distribution forms (by its head)."""
    if not isinstance(s, str):
        return False
    head = s.strip().split("(", 1)
    return len(head) == 2 and head[0].strip() in _ARITY and s.strip().endswith(")")


class _InvalidError(Exception):
    """Internal: a problem with the text, turned into :class:`InputError` by the parser."""


def _number(node: ast.expr) -> float:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        x = _number(node.operand)
        return -x if isinstance(node.op, ast.USub) else x
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        if isinstance(node.value, bool):
            raise _InvalidError(f"{node.value} is not a number")
        try:
            x = float(node.value)
        except OverflowError as exc:
            raise _InvalidError("number too large") from exc
        if not math.isfinite(x):
            raise _InvalidError("parameters must be finite numbers")
        return x
    if isinstance(node, ast.Name) and node.id in ("inf", "nan"):
        raise _InvalidError("parameters must be finite numbers")
    raise _InvalidError(f"{ast.unparse(node)!s} is not a number")


def _numbers(node: ast.expr) -> list[float]:
    if not isinstance(node, ast.List | ast.Tuple):
        raise _InvalidError(f"{ast.unparse(node)} is not a list of numbers")
    return [_number(e) for e in node.elts]


def _need(args: list[float], n: tuple[int, ...], name: str) -> None:
    if len(args) not in n:
        raise _InvalidError(f"{name} takes {' or '.join(map(str, n))} parameters, got {len(args)}")


def _build(name: str, call: ast.Call) -> Distribution:
    if call.keywords:
        raise _InvalidError("keyword arguments are not allowed; give the parameters in order")
    if name == "choice":
        if len(call.args) == 2 and all(isinstance(a, ast.List | ast.Tuple) for a in call.args):
            values, probs = _numbers(call.args[0]), _numbers(call.args[1])
            if len(values) != len(probs):
                raise _InvalidError(f"{len(values)} values but {len(probs)} probabilities")
        else:
            values = [_number(a) for a in call.args]
            probs = [1.0 / len(values)] * len(values) if values else []
        if not values:
            raise _InvalidError("choice needs at least one value")
        if any(p < 0 for p in probs):
            raise _InvalidError("probabilities must be non-negative")
        total = math.fsum(probs)
        if abs(total - 1.0) > 1e-6:
            raise _InvalidError(f"probabilities sum to {format_number(total)}, not 1")
        pairs = sorted(zip(values, (p / total for p in probs), strict=True))
        if len({v for v, _ in pairs}) != len(pairs):
            raise _InvalidError("values must be distinct")
        return Choice(tuple(v for v, _ in pairs), tuple(p for _, p in pairs))
    args = [_number(a) for a in call.args]
    if name == "fixed":
        _need(args, (1,), name)
        return Fixed(args[0])
    if name == "uniform":
        _need(args, (2,), name)
        if args[0] > args[1]:
            raise _InvalidError("lower bound above upper bound")
        if args[0] == args[1]:
            raise _InvalidError(
                f"equal bounds; write fixed({format_number(args[0])}) for a fixed value"
            )
        return Uniform(args[0], args[1])
    if name == "triangular":
        _need(args, (3,), name)
        lo, mode, hi = args
        if lo >= hi:
            raise _InvalidError("lower bound not below upper bound")
        if not lo <= mode <= hi:
            raise _InvalidError("mode outside [lo, hi]")
        return Triangular(lo, mode, hi)
    if name == "normal":
        _need(args, (2, 4), name)
        if args[1] <= 0:
            raise _InvalidError("standard deviation must be positive")
        if len(args) == 4:
            if args[2] >= args[3]:
                raise _InvalidError("lower truncation bound not below upper bound")
            a, b = (args[2] - args[0]) / args[1], (args[3] - args[0]) / args[1]
            if special.ndtr(b) - special.ndtr(a) < 1e-12:
                raise _InvalidError(
                    "truncation interval has (almost) no probability under this normal"
                )
            return Normal(args[0], args[1], args[2], args[3])
        return Normal(args[0], args[1])
    if name == "beta":
        _need(args, (2,), name)
        if args[0] <= 0 or args[1] <= 0:
            raise _InvalidError("shape parameters must be positive")
        return Beta(args[0], args[1])
    if name == "lognormal":
        _need(args, (2,), name)
        if args[1] <= 0:
            raise _InvalidError("sigma must be positive")
        return LogNormal(args[0], args[1])
    raise _InvalidError(f"unknown distribution {name!r}")  # pragma: no cover - guarded by caller


def parse_distribution(value: float | int | str | bool, where: str = "") -> Distribution:
    """Read a distribution from a scenario value: a number or one of the forms in the module doc.

    Raises :class:`InputError` naming ``where``, the problem and the allowed forms.  The text
    is parsed with :mod:`ast` on a tiny grammar (a call of a known name on number literals);
    nothing is evaluated.
    """
    if isinstance(value, bool):
        return Fixed(float(value))
    if isinstance(value, int | float):
        x = float(value)
        if not math.isfinite(x):
            raise InputError(f"{value!r}: not a finite number", where, ALLOWED_FORMS)
        return Fixed(x)
    if not isinstance(value, str):
        raise InputError(
            f"{value!r} is a {type(value).__name__}, not a number or distribution",
            where,
            ALLOWED_FORMS,
        )
    text = value.strip()
    try:
        return _parse_text(text)
    except _InvalidError as exc:
        raise InputError(f"{text}: {exc}", where, ALLOWED_FORMS) from None


def _parse_text(text: str) -> Distribution:
    if not text:
        raise _InvalidError("empty value")
    if len(text) > 10_000:
        raise _InvalidError("text too long")
    try:
        tree: Any = parse_quietly(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise _InvalidError("not a number or a distribution") from None
    body = tree.body
    if isinstance(body, ast.Call):
        if not isinstance(body.func, ast.Name) or body.func.id not in _ARITY:
            name = ast.unparse(body.func)
            raise _InvalidError(f"unknown distribution {name!r}")
        return _build(body.func.id, body)
    return Fixed(_number(body))
