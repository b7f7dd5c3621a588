"""The tests' one bridge to pygambit (GPL, a test-only dependency; brink never imports it).

pygambit 16.7 refuses ``.efg`` files whose node labels or a player's information-set labels
repeat, or whose labels have stray spaces; labels carry no game-theoretic meaning, so the
bridge reads a temporary copy with labels blanked (:func:`read_blank_labels`) or made
unique (:func:`read_unique_labels`).  :func:`preorder` lists Gambit's nodes in brink's order.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pygambit as gbt

from brink.solvers.result import Solution

_LABELLED = re.compile(r'^(\s*[pct]\s+)"(?:[^"\\]|\\.)*"')
_SET_LABEL = re.compile(r'^(\s*p\s+""\s+\d+\s+\d+\s+|\s*c\s+""\s+\d+\s+)"(?:[^"\\]|\\.)*"')
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _pygambit_label(line: str) -> str:
    """Collapse spaces inside labels: pygambit 16.7 refuses leading/trailing/double spaces."""
    line = _QUOTED.sub(lambda m: '"' + " ".join(m.group(1).split()) + '"', line)
    return _SET_LABEL.sub(r'\1""', _LABELLED.sub(r'\1""', line))


def read_blank_labels(path: Path, tmp_path: Path) -> Any:
    """Load ``path`` in pygambit, blanking node and information-set labels in a tmp copy.

    pygambit 16.7 refuses files whose node labels or a player's information-set labels
    repeat; labels carry no game-theoretic meaning, so blanking them changes nothing.
    """
    lines = path.read_text().splitlines()
    out = [lines[0]] + [_pygambit_label(x) for x in lines[1:]]
    copy = tmp_path / path.name
    copy.write_text("\n".join(out) + "\n")
    return gbt.read_efg(str(copy))


def gambit_profile(ggame: Any, sol: Solution, sample: int | None = None) -> Any:
    """brink's behaviour profile as a pygambit ``MixedBehaviorProfile``."""
    prof = ggame.mixed_behavior_profile(rational=False)
    beh = sol.behavior(sample)
    for p, player in enumerate(ggame.players):
        for h, infoset in enumerate(player.infosets):
            prof[infoset] = beh[p][h]
    return prof


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\{|\}|[^\s{}"]+')


def _relabel(line: str, count: int) -> str:
    toks = _TOKEN.findall(line)
    kind = toks[0]
    out = [kind, f'"n{count}"']
    numbers: list[str] = []
    group = depth = k = 0
    for tok in toks[2:]:
        if tok == "{":
            depth += 1
            group += 1
        elif tok == "}":
            depth -= 1
        elif tok.startswith('"'):
            if depth:
                k += 1
                tok = f'"a{k}"' if group == 1 and kind != "t" else tok
            elif group == 0 and kind != "t":
                tok = '"i' + "_".join(numbers) + '"'
            else:
                tok = f'"o{numbers[-1]}"'
        elif not depth:
            numbers.append(tok)
        out.append(tok)
    return " ".join(out)


def read_unique_labels(path: Path) -> Any:
    """``path`` read by pygambit from a temporary copy whose labels are all unique.

    pygambit 16.7 refuses files with repeated node or information-set labels (8 contrib
    games); the tree, numbering, payoffs and probabilities are left as they are.
    """
    lines = []
    count = 0
    for line in path.read_text().splitlines():
        if line[:2] in ("p ", "c ", "t "):
            count += 1
            line = _relabel(line, count)
        lines.append(line)
    fd, name = tempfile.mkstemp(suffix=".efg")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        return gbt.read_efg(name)
    finally:
        os.unlink(name)


def preorder(g: Any) -> list[tuple[Any, int]]:
    """Gambit's nodes in preorder (brink's node order), each with its parent's position."""
    out: list[tuple[Any, int]] = []
    stack: list[tuple[Any, int]] = [(g.root, -1)]
    while stack:
        v, parent = stack.pop()
        out.append((v, parent))
        stack.extend((c, len(out) - 1) for c in reversed(list(v.children)))
    return out
