"""The array types every module shares, defined once (numpy's ``NDArray`` aliases).

``FloatArray`` holds payoffs, probabilities and parameter draws; ``IndexArray`` node, edge
and terminal indices; ``BoolArray`` masks (failed samples, ties).  Changing a precision is
one edit here.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["BoolArray", "FloatArray", "IndexArray"]

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
