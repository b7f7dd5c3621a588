"""Chunk-invariant, named random streams.

A run is a function of (scenario, seed, version), whatever the executor and chunk
size (docs/design.md §3).  To get that, sample ``i`` of parameter ``name`` depends only on
``(seed, name, i)``: the sample axis is cut into fixed blocks of :data:`BLOCK`, and
block ``k`` of stream ``name`` is generated from its own counter-based Philox
generator (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3", SC'11)
keyed by ``SeedSequence([seed, stable_hash(name), k])`` (O'Neill 2015, numpy's
``SeedSequence``).  Any range ``[start, stop)`` is served by generating the blocks it
touches and slicing.

Because the key is the parameter *name*, two scenarios that share a parameter draw
the same numbers for it: common random numbers, which reduce the variance of
comparisons between counterfactuals (Law & Kelton 2000, *Simulation Modeling and
Analysis*, §11.2).
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Mapping

import numpy as np

from brink.arrays import FloatArray
from brink.errors import InputError
from brink.limits import check_count, machine_memory
from brink.scenario.distributions import Distribution

__all__ = [
    "BLOCK",
    "MAX_SAMPLES",
    "check_count",
    "check_samples",
    "check_seed",
    "draw",
    "machine_memory",
    "stable_hash",
    "uniforms",
]


#: Samples per independently keyed block of a stream.
BLOCK = 1024

#: The largest number of samples one run may ask for.
MAX_SAMPLES = 10**9

#: Seeds are non-negative integers below this bound (what ``SeedSequence`` takes, kept to 64 bits).
MAX_SEED = 2**64

_MANTISSA_SHIFT = np.uint64(12)
_HALF = 0.5
_SCALE = 2.0**-52


def stable_hash(name: str) -> int:
    """A 64-bit hash of ``name`` that is the same in every process and Python version.

    Python's ``hash`` of a string is salted per process (PEP 456), so it cannot key streams.
    """
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little")


def check_seed(seed: int, where: str = "--seed") -> int:
    """Return ``seed`` if it is an integer in ``[0, 2**64)``, else raise :class:`InputError`."""
    try:
        value = operator.index(seed)
    except TypeError:
        raise InputError(f"seed {seed!r} is not an integer", where, "Use an integer >= 0") from None
    if not 0 <= value < MAX_SEED:
        raise InputError(f"seed {value} is out of range", where, "Use an integer in [0, 2**64)")
    return value


def check_samples(n: int, where: str = "--samples") -> int:
    """Return ``n`` if ``1 <= n <= MAX_SAMPLES``, else raise :class:`InputError` with the fix."""
    try:
        value = operator.index(n)
    except TypeError:
        raise InputError(
            f"sample count {n!r} is not an integer",
            where,
            f"Use an integer in [1, {MAX_SAMPLES:,}]",
        ) from None
    if value < 1:
        raise InputError(
            f"sample count {value} is below 1", where, f"Use an integer in [1, {MAX_SAMPLES:,}]"
        )
    if value > MAX_SAMPLES:
        raise InputError(
            f"sample count {value:,} exceeds the maximum {MAX_SAMPLES:,}",
            where,
            "Use fewer samples, or split the study into several runs with different seeds",
        )
    return value


def _block(seed: int, key: int, block: int) -> FloatArray:
    bits = np.random.Philox(np.random.SeedSequence([seed, key, block]))
    raw = bits.random_raw(BLOCK)
    # 52 random bits k -> (k + 1/2) 2^-52: exact doubles strictly inside (0, 1), so every
    # inverse CDF stays finite.
    return ((raw >> _MANTISSA_SHIFT).astype(np.float64) + _HALF) * _SCALE


def uniforms(seed: int, name: str, start: int, stop: int) -> FloatArray:
    """U(0, 1) draws (strictly inside the interval) for samples ``start..stop-1`` of stream ``name``.

    Identical for sample ``i`` however ``[0, N)`` is split into ranges.
    """
    seed = check_seed(seed)
    start, stop = operator.index(start), operator.index(stop)
    if start < 0 or stop < start:
        raise ValueError(f"bad sample range [{start}, {stop})")
    if stop == start:
        return np.empty(0, dtype=np.float64)
    key = stable_hash(name)
    first, last = start // BLOCK, (stop - 1) // BLOCK
    blocks = np.concatenate([_block(seed, key, k) for k in range(first, last + 1)])
    offset = first * BLOCK
    return blocks[start - offset : stop - offset]


def draw(
    dists: Mapping[str, Distribution], seed: int, start: int, stop: int
) -> dict[str, FloatArray]:
    """Samples ``start..stop-1`` of each named distribution: ``ppf(uniforms(seed, name, ...))``.

    The same parameter name and seed give the same draws in any scenario (common random
    numbers); fixed values are broadcast without consuming a stream.
    """
    out: dict[str, FloatArray] = {}
    for name, dist in dists.items():
        if dist.is_fixed:
            out[name] = np.full(stop - start, dist.central, dtype=np.float64)
        else:
            out[name] = dist.ppf(uniforms(seed, name, start, stop))
    return out
