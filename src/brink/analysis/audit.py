"""The audit of a scenario: what it says but does not use (``brink validate --strict``).

Numbers without provenance, commitments that no template reads or that change no
outcome (unless the commitment says why it is listed, its ``context``), and levers whose
options give identical outcomes.  The last two are judged on a
small fixed draw (:data:`STRICT_SAMPLES` samples, seed :data:`STRICT_SEED`, common random
numbers across the variants, Law & Kelton 2000 §11.2), so a warning says "changes nothing
on these draws", not a proof.  The command line and the workbench's editor both show them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from brink.scenario import Scenario

__all__ = ["STRICT_SAMPLES", "STRICT_SEED", "strict_warnings"]

#: Samples and seed of the fixed draw on which ``validate --strict`` compares variants.
STRICT_SAMPLES = 64
STRICT_SEED = 0


def strict_warnings(sc: Scenario) -> list[str]:
    """What ``validate --strict`` warns of in ``sc``, each naming the path it is about (module doc)."""
    out = [f"{sc.where(path)}: number without provenance" for path in sc.unsourced()]
    out += _commitment_warnings(sc)
    out += _lever_warnings(sc)
    return out


def _outcomes(sc: Scenario, levers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Per-sample outcomes of ``sc`` on the fixed strict draw (common random numbers)."""
    from brink.model import CrisisModel

    model = CrisisModel(sc)
    params = model.draw(STRICT_SEED, 0, STRICT_SAMPLES)
    return dict(model.evaluate(params, levers).outcomes)


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    import numpy as np

    return a.keys() == b.keys() and all(
        np.allclose(np.asarray(a[k]), np.asarray(b[k]), rtol=1e-9, atol=1e-12, equal_nan=True) for k in a
    )


def _commitment_warnings(sc: Scenario) -> list[str]:
    """Commitments no template reads (their guarantor is not the defender or one of its
    members, Leeds 2003's reading of who is bound) or whose removal changes no outcome."""
    from brink.errors import InputError
    from brink.scenario import scenario_from_data

    commitments = list(getattr(sc, "commitments", None) or [])
    if not commitments:
        return []
    crisis = getattr(sc, "crisis", None)
    defender = getattr(crisis, "defender", None)
    guarantors = {defender} if defender else set()
    if defender in sc.actors:
        guarantors |= set(sc.actors[defender].members)
    out: list[str] = []
    base: dict[str, Any] | None = None
    for i, c in enumerate(commitments):
        ident = getattr(c, "id", None) or str(i)
        where = sc.where(f"commitments.{ident}")
        if c.guarantor not in guarantors:
            out.append(
                f"{where}: commitment {ident} is read by no template: its guarantor {c.guarantor} is not the "
                f"defender ({defender or 'none'}) or one of its members"
            )
            continue
        try:
            if base is None:
                base = _outcomes(sc)
            data = sc.model_dump(mode="json", exclude={"source"})
            data["commitments"] = [d for j, d in enumerate(data["commitments"]) if j != i]
            data["provenance"] = {
                k: v for k, v in data.get("provenance", {}).items() if not k.startswith(f"commitments.{ident}")
            }
            without = _outcomes(scenario_from_data(data, source=sc.source))
        except InputError:
            continue  # the scenario needs it (a reference to it): it is read
        if _same(base, without) and not getattr(c, "context", ""):
            out.append(
                f"{where}: commitment {ident} changes no outcome: removing it leaves every outcome "
                f"the same on {STRICT_SAMPLES} samples (seed {STRICT_SEED})"
            )
    return out


def _lever_warnings(sc: Scenario) -> list[str]:
    """Levers whose options all give the same outcomes on the fixed strict draw."""
    from brink.errors import InputError

    out: list[str] = []
    for path, options in sc.levers.items():
        if len(options) < 2:
            continue
        try:
            results = [_outcomes(sc, {path: option}) for option in options]
        except InputError as exc:
            out.append(f"{sc.where_key('levers', path)}: lever {path} could not be evaluated: {exc}")
            continue
        if all(_same(results[0], r) for r in results[1:]):
            shown = ", ".join(json.dumps(o) if not isinstance(o, str) else o for o in options)
            out.append(
                f"{sc.where_key('levers', path)}: lever {path} changes no outcome: its options ({shown}) give "
                f"identical outcomes on {STRICT_SAMPLES} samples (seed {STRICT_SEED})"
            )
    return out
