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
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from brink.arrays import FloatArray
from brink.errors import InputError
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


def machine_memory() -> int:
    """Bytes of memory this process may use: the machine's RAM, or its cgroup limit if lower.

    The ceiling of every size a user can ask for (``--memory``, design and sample counts),
    so that a request that cannot fit is refused before anything is allocated rather than
    ending in a ``MemoryError`` after minutes of work.
    """
    try:
        total = int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        total = 2**40
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return max(total, 2**26)


def check_count(
    value: int,
    option: str,
    *,
    minimum: int = 1,
    maximum: int | None = None,
    bytes_each: int = 0,
    what: str = "",
) -> int:
    """``value`` if it lies in ``[minimum, maximum]`` and its memory fits this machine.

    ``bytes_each`` is the memory one unit of the count takes (a design row, a sample);
    the largest count that fits is :func:`machine_memory` divided by it, and the message
    names ``option`` and that largest value, so the user can retry at once.  Checked
    before anything is allocated.
    """
    largest = maximum if maximum is not None else 2**63 - 1
    fits = "brink's limit"
    if bytes_each > 0 and machine_memory() // bytes_each < largest:
        largest = machine_memory() // bytes_each
        fits = "the largest that fits this machine's memory"
    shown = f"{value:,} {what}" if what else f"{value:,}"
    if value < minimum:
        raise InputError(
            f"{shown} is below {minimum:,}", option, f"Use an integer from {minimum:,} to {largest:,}"
        )
    if value > largest:
        raise InputError(
            f"{shown} is more than {fits}, {largest:,}", option, f"Use at most {largest:,}"
        )
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
