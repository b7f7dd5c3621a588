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

__all__ = ["LEVER_SAMPLES", "STRICT_SAMPLES", "STRICT_SEED", "check_refusals", "strict_warnings"]

#: Samples and seed of the fixed draw on which ``validate --strict`` compares variants.
STRICT_SAMPLES = 64
STRICT_SEED = 0
#: Samples on which ``validate`` runs the model at each number option of a lever.
LEVER_SAMPLES = 4


def check_refusals(sc: Scenario) -> None:
    """Refuse (:class:`~brink.errors.InputError`) what ``brink run`` would refuse on every sample.

    ``validate`` calls it after loading, on the fixed draw of :data:`STRICT_SAMPLES` samples
    (seed :data:`STRICT_SEED`):

    * a number outside its range on a drawn sample (an expression over a distribution
      whose support leaves the field's range, ``x`` from ``uniform(-100, -50)`` feeding a
      cost): ``run`` refuses the whole run on the first such sample;
    * a number that is not finite on every drawn sample (``beta(1e308, 1e308)``, whose
      sampler overflows; ``log(y - 2)`` with ``y`` in [0, 1]): every sample would fail;
    * a scenario, or a lever's number option, with which the model fails on every sample
      (``1e308`` as a cost or a discount overflows the payoffs), run on
      :data:`LEVER_SAMPLES` samples.

    A draw can only show what happens on its samples: a range that is left rarely may pass
    here and be refused by a larger run (the message then names the sample).
    """
    import numpy as np

    from brink.errors import InputError
    from brink.games import GameError
    from brink.model import CrisisModel
    from brink.scenario.ranges import non_finite

    P = sc.parameters
    full = P.draw(STRICT_SEED, 0, STRICT_SAMPLES)
    P.check(full)
    for path, values in full.items():
        if values.size and bool(non_finite(path, values).all()):
            limit = P.limits.get(path)
            source = f" (from {limit.source})" if limit is not None and limit.source else ""
            raise InputError(
                f"{path}{source} is not a finite number on any of {STRICT_SAMPLES} samples (seed {STRICT_SEED}), "
                "so every sample of a run would fail",
                limit.where if limit is not None and limit.where else sc.where(path),
                "make it finite for the values drawn (distribution parameters small enough to sample, no "
                "log of a number <= 0, no division by zero, no overflow)",
            )
    names = set(P.names)
    levers: list[tuple[str, Any]] = [("", None)]  # the scenario as written, then each number option
    levers += [(p, o) for p, opts in sc.levers.items() if p in names for o in opts
               if isinstance(o, int | float) and not isinstance(o, bool)]
    model = CrisisModel(sc)
    params = model.draw(STRICT_SEED, 0, LEVER_SAMPLES)
    for path, option in levers:
        where = sc.where_key("levers", path) if path else sc.source or sc.name
        what = f"lever {path} = {option!r}" if path else "the scenario"
        fix = (
            "give options with which the scenario runs (brink run --set PATH=VALUE tries one)" if path
            else "look for a number too large for the payoffs (near 1e308); brink run -n 10 shows the same error"
        )
        try:
            with np.errstate(all="ignore"):
                failed = model.evaluate(params, {path: option} if path else None).failed
        except (InputError, GameError) as exc:
            raise InputError(f"{what}: the model refuses it on every sample ({exc})", where, fix) from None
        if bool(np.asarray(failed).all()):
            raise InputError(f"{what}: every sample fails ({LEVER_SAMPLES} tried)", where, fix)


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
