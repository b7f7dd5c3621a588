"""The terminal reach laid out for a read-out: from the kernels' sample-minor rows to the
read-out's sample-major ones.

Shared by the backward-induction kernels on the tree (:mod:`brink.solvers.spe`,
:mod:`brink.solvers.qbi`) and on the recombined states (:mod:`brink.solvers.states`), so that
both write the read-out's rows in the same order, to the last bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from brink.arrays import FloatArray

__all__ = ["copy_reach"]


@njit(cache=True, nogil=True)
def copy_reach(
    C: int, r0: int, terminals: NDArray[np.int64], terminal_col: NDArray[np.int64], reach: FloatArray,
    out_reach: FloatArray, accumulate: bool,
) -> None:
    """``out_reach[r0 + s, terminal_col[i]] = reach[terminals[i], s]`` (``+=`` when ``accumulate``:
    terminals that share a column, into rows the caller zeroed): the transposition from the
    kernels' sample-minor rows to the read-out's sample-major ones, in blocks of 32 terminals so
    that each sample's writes to a block fall in a few cache lines (columns sorted by
    :class:`brink.solvers.spe._Rows`; the copy alone took 18 of the forward pass's 21 us a sample, column by column)."""
    n = terminals.shape[0]
    for i0 in range(0, n, 32):
        i1 = min(n, i0 + 32)
        for s in range(C):
            if accumulate:
                for i in range(i0, i1):
                    out_reach[r0 + s, terminal_col[i]] += reach[terminals[i], s]
            else:
                for i in range(i0, i1):
                    out_reach[r0 + s, terminal_col[i]] = reach[terminals[i], s]
