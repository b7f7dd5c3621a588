"""A memo of solved post-war games, for work that solves the same samples again and again.

The live what-if (:mod:`brink.web.whatif`) re-solves one fixed draw at every change of a
slider. A change of a crisis parameter (the balance, a doctrine, a cost of the war) leaves
every input of the post-war game as it was, and the post-war game is the larger part of an
escalation crisis's solve (about 40% of it on ``ukraine-2022``). A :class:`Memo` keeps the
solutions by a digest of their inputs, so such a change re-solves the crisis alone. The
numbers are the same: the digest covers every array and label of the
:class:`~brink.aftermath.inputs.Inputs` and the grid size, and a hit returns the very
arrays the kernel wrote (never changed afterwards: every reader copies by indexing).

A memo is opt-in and scoped. :func:`memoized` makes it the current one for the calling
thread only (a :class:`contextvars.ContextVar`), so a run elsewhere in the process never
fills it. It holds at most ``entries`` solutions, the oldest going first.
"""

from __future__ import annotations

import contextvars
import dataclasses
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from brink.aftermath import Aftermath
    from brink.aftermath.inputs import Inputs

__all__ = ["Memo", "active", "digest", "memoized"]

_ACTIVE: contextvars.ContextVar[Memo | None] = contextvars.ContextVar("brink_aftermath_memo", default=None)


def digest(inputs: Inputs, grid: int) -> bytes:
    """A 128-bit digest of every field of ``inputs`` (values, shapes and dtypes) and ``grid``."""
    h = hashlib.blake2b(digest_size=16)
    h.update(str(grid).encode())
    for f in dataclasses.fields(inputs):
        value = getattr(inputs, f.name)
        h.update(f.name.encode())
        if isinstance(value, np.ndarray):
            h.update(f"{value.dtype.str}{value.shape}".encode())
            h.update(np.ascontiguousarray(value).tobytes())
        else:
            h.update(repr(value).encode())
    return h.digest()


class Memo:
    """Solved post-war games by the digest of their inputs; at most ``entries``, oldest out first."""

    def __init__(self, entries: int) -> None:
        self.entries = max(0, int(entries))
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[bytes, Aftermath] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, inputs: Inputs, grid: int, solve: Callable[[], Aftermath]) -> Aftermath:
        """The memo's solution of ``inputs``, or ``solve()``'s, kept for next time."""
        key = digest(inputs, grid)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        result = solve()
        with self._lock:
            self._items[key] = result
            while len(self._items) > self.entries:
                self._items.popitem(last=False)
        return result

    def __len__(self) -> int:
        return len(self._items)


def active() -> Memo | None:
    """The memo :func:`memoized` made current in this thread, if any."""
    return _ACTIVE.get()


@contextmanager
def memoized(memo: Memo | None) -> Iterator[Memo | None]:
    """Within the block, :func:`brink.aftermath.solve` in this thread looks ``memo`` up first."""
    token = _ACTIVE.set(memo)
    try:
        yield memo
    finally:
        _ACTIVE.reset(token)
