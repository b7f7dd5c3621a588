"""Derive the structural fit of the escalation game to ICB (-> ``src/brink/data/icb_fit.json``).

Source: the International Crisis Behavior data v14 (Brecher & Wilkenfeld 2000; Brecher,
Wilkenfeld, Beardsley, James & Quinn 2021), ``data/icb/icb1v14.csv`` and ``icb2v14.csv`` of the
shared reference folder, joined with COW NMC v7 capabilities and the nuclear states by
:func:`brink.history.icb.icb_table` (``brink data icb``).  The fit is
:func:`brink.fit.structural.fit_icb` (model, likelihood and identification in
``docs/icb-fit.md``); the file records the SHA-256 of every source file and brink's version.

Usage (one command; about 3 minutes on one core: the whole fit, then its vintages
:data:`brink.fit.icb_fit.VINTAGES`, each on the crises triggered before its year)::

    .venv/bin/python scripts/derive_icb_fit.py [--shared ../shared] [--out src/brink/data/icb_fit.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from brink.fit.icb_fit import VINTAGES
from brink.fit.structural import fit_icb

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src" / "brink" / "data" / "icb_fit.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=None, help="the reference data folder (default ../shared)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    began = time.perf_counter()
    out = fit_icb(args.shared, vintages=VINTAGES)
    args.out.write_text(json.dumps(out, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: log-likelihood {out['log_likelihood']:.3f} on {out['n']} challengers, "
          f"{out['evaluations']} evaluations, fit {out['wall_s']:.1f} s, all {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
