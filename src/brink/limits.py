"""The bounds of what a user may ask for: this machine's memory and checked counts.

Every count, size and budget a command takes (``--memory``, design and sample counts) is
held to an upper bound *before* anything is allocated, so a request that cannot fit is
refused with the option named and the largest value that fits, rather than ending in a
``MemoryError`` (or an exhausted machine) after minutes of work.  Kept apart from the
heavy modules so that every command can import it at start-up.
"""

from __future__ import annotations

import os
from pathlib import Path

from brink.errors import InputError

__all__ = ["check_count", "machine_memory"]


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
