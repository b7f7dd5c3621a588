"""Recompute alliance reliability rates (-> ``src/brink/data/alliance_reliability.json``).

From the replication data of Berkemeier & Fuhrmann (2018, "Reassessing the fulfillment
of alliance commitments in war", Research & Politics),
``alliances/berkemeier_fuhrmann_2018_reliability.csv``: one row per alliance invoked in
a war.  A commitment's reliability is ``honor / (honor + violate)`` over cases where the
alliance was invoked (``dna`` — not a case of alliance performance — excluded), in the
authors' primary coding that replicates Leeds, Long & Mitchell (``LLM`` columns):

* ``overall``: all cases, 1816-2003 (paper: 50%);
* ``pre_1945``: the LLM replication sample, ``sample == 1`` (wars 1816-1944; paper: 66%);
* ``post_1945``: the authors' extension, ``sample == 0`` (paper: 22%);
* ``defense``: alliances with a defense obligation (paper: 41%);
* ``leeds_2000_convention``: the LLM sample counting non-aggression pacts whose members did
  not fight each other as honoured, as Leeds, Long & Mitchell (2000) did; it gives
  84/115 = 73.0% against their published 74.5% — the remaining gap is B&F's recoding
  of individual cases (their appendix), which the replication data do not undo.
* ``bf_coding_*``: the same with the authors' alternative ``BF`` coding.

Also from Leeds & Anac (2005), ``alliances/leeds_anac_2005_reliability.csv``: the share
of cases with ``honor2 == 1`` and ``honor3 == 1``.

Usage: ``.venv/bin/python scripts/derive_reliability.py [--shared ../shared] [--check]``.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import derived_tables

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "brink" / "data" / "alliance_reliability.json"

BF_SOURCE = "Berkemeier & Fuhrmann 2018, Research & Politics (replication data)"
Row = dict[str, str]


def _rate(rows: list[Row], keep: Callable[[Row], bool], coding: str,
          nonaggression_honoured: bool = False) -> dict[str, Any]:
    selected = [r for r in rows if keep(r)]
    honoured = sum(r[f"honor{coding}"] == "1.0" for r in selected)
    violated = sum(r[f"violate{coding}"] == "1.0" for r in selected)
    if nonaggression_honoured:
        honoured += sum(r[f"nonagg{coding}"] == "1.0" for r in selected)
    cases = honoured + violated
    return {"honoured": honoured, "cases": cases, "rate": round(honoured / cases, 6)}


def derive(shared: Path) -> dict[str, Any]:
    """The whole table, as written to ``alliance_reliability.json``."""
    alliances = shared / "data" / "alliances"
    with (alliances / "berkemeier_fuhrmann_2018_reliability.csv").open(encoding="utf-8") as h:
        rows = list(csv.DictReader(h))

    def everything(r: Row) -> bool:
        return True

    def pre(r: Row) -> bool:
        return r["sample"] == "1.0"

    def post(r: Row) -> bool:
        return r["sample"] == "0.0"

    def defense(r: Row) -> bool:
        return r["defense"] == "1.0"

    table: dict[str, Any] = {}
    published = {"overall": 0.50, "pre_1945": 0.66, "post_1945": 0.22, "defense": 0.41}
    for name, keep in (("overall", everything), ("pre_1945", pre), ("post_1945", post),
                       ("defense", defense)):
        table[name] = {**_rate(rows, keep, "LLM"), "published": published[name],
                       "source": BF_SOURCE + ", LLM coding"}
        table[f"bf_coding_{name}"] = {**_rate(rows, keep, "BF"),
                                      "source": BF_SOURCE + ", BF coding"}
    table["leeds_2000_convention"] = {
        **_rate(rows, pre, "LLM", nonaggression_honoured=True), "published": 0.745,
        "source": "Leeds, Long & Mitchell 2000, JCR 44(5): 74.5% (1816-1944); recomputed "
                  "from " + BF_SOURCE + " with non-aggression pacts kept as honoured"}

    with (alliances / "leeds_anac_2005_reliability.csv").open(encoding="utf-8") as h:
        anac = list(csv.DictReader(h))
    for column in ("honor2", "honor3"):
        honoured = sum(r[column] == "1.0" for r in anac)
        cases = sum(r[column] in ("0.0", "1.0") for r in anac)
        table[f"leeds_anac_2005_{column}"] = {
            "honoured": honoured, "cases": cases, "rate": round(honoured / cases, 6),
            "source": f"Leeds & Anac 2005, International Interactions 31(3), {column}"}
    return table


def main() -> int:
    return derived_tables.main(
        __doc__.splitlines()[0], lambda shared: {TARGET.name: derive(shared)}, ensure_ascii=True
    )


if __name__ == "__main__":
    sys.exit(main())
