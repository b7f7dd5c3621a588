"""The command line shared by the ``derive_*.py`` scripts: derive tables, write or ``--check``.

Each script derives one or more small JSON tables from ``../shared`` into
``src/brink/data/``; ``--check`` compares the fresh derivation with the committed file
instead of writing it (what the test suite and CI rely on).  Tables are written as
sorted, indented JSON so that a re-derivation changes nothing when the data did not.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "brink" / "data"


def write_or_check(tables: dict[str, Any], check: bool, *, ensure_ascii: bool = False) -> int:
    """Write each table (file name -> JSON object) under ``DATA``, or report those that differ."""
    stale = []
    for name, table in tables.items():
        text = json.dumps(table, indent=1, sort_keys=True, ensure_ascii=ensure_ascii) + "\n"
        target = DATA / name
        if check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            target.write_text(text, encoding="utf-8")
    for name in stale:
        print(f"stale: {(DATA / name).relative_to(ROOT)}", file=sys.stderr)
    return 1 if stale else 0


def main(
    description: str,
    derive: Callable[[Path], dict[str, Any]],
    *,
    ensure_ascii: bool = False,
) -> int:
    """Parse ``[--shared DIR] [--check]``, derive the tables from DIR and write or check them."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    return write_or_check(derive(args.shared), args.check, ensure_ascii=ensure_ascii)
