"""brink: strategic crises as games under uncertainty.

The top level re-exports the few nouns most users need; everything else lives in its
own module (``brink.games``, ``brink.solvers``, ``brink.scenario``, ``brink.model``, ...).
Imports are lazy so that ``brink --version`` and ``import brink`` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.5.0"

__all__ = [
    "Game",
    "Solution",
    "TreeBuilder",
    "__version__",
    "load_scenario",
    "read_efg",
    "run",
    "solve",
]

if TYPE_CHECKING:
    from brink.efg import read_efg
    from brink.games import Game, TreeBuilder
    from brink.runs import run
    from brink.scenario import load_scenario
    from brink.solvers import Solution, solve

_LAZY = {
    "Game": "brink.games",
    "TreeBuilder": "brink.games",
    "read_efg": "brink.efg",
    "solve": "brink.solvers",
    "Solution": "brink.solvers",
    "load_scenario": "brink.scenario",
    "run": "brink.runs",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'brink' has no attribute {name!r}")
