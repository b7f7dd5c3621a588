"""Figures of analysis results: plotly for the HTML report, matplotlib for files.

Every figure is built as a plotly figure (interactive in the self-contained
report).  ``--figures DIR`` needs static PNG/SVG without a network: plotly's own
static export needs kaleido and a Chrome binary, so :func:`write_static` instead
redraws the plotly figure's traces with matplotlib (a dependency of SALib, hence
always installed with brink), which renders offline.  Only the trace types
these figures use are supported (bars with error bars, scatter lines/markers/
text); anything else is refused rather than drawn wrong.

The game tree's figure, the colours and the shared layout are the core's
(:mod:`brink.drawing`, which :meth:`brink.games.Game.draw` also uses); this module
imports them, so that every figure looks alike and the core never imports the report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from brink.arrays import FloatArray
from brink.drawing import EDGE_COLOUR, PALETTE, PATH_COLOUR, figure_layout, plotly_figure, shorten
from brink.errors import InputError

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from brink.analysis.compare import CompareResult
    from brink.analysis.intervals import Interval
    from brink.analysis.policies import PoliciesResult
    from brink.analysis.prim import DiscoveryResult
    from brink.analysis.sensitivity import SensitivityResult

__all__ = [
    "coefficient_figure",
    "compare_figure",
    "discovery_figure",
    "outcomes_figure",
    "policies_figure",
    "reliability_figure",
    "reserves_figure",
    "sensitivity_figure",
    "support_figure",
    "survival_figure",
    "write_static",
]


def outcomes_figure(
    rows: Sequence[tuple[str, Interval]], title: str = "Outcome probabilities"
) -> go.Figure:
    """Horizontal bars of outcome probabilities with their confidence intervals."""
    names = [r[0] for r in rows]
    mean = np.array([r[1].mean for r in rows], dtype=np.float64)
    low = np.array([r[1].low for r in rows], dtype=np.float64)
    high = np.array([r[1].high for r in rows], dtype=np.float64)
    return plotly_figure(
        [
            {
                "type": "bar",
                "orientation": "h",
                "y": names[::-1],
                "x": mean[::-1].tolist(),
                "marker": {"color": PALETTE[0]},
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": (high - mean)[::-1].tolist(),
                    "arrayminus": (mean - low)[::-1].tolist(),
                },
                "name": "probability",
            }
        ],
        figure_layout(
            title,
            xaxis={"title": {"text": "probability"}, "range": [0, 1]},
            height=120 + 28 * len(rows),
        ),
    )


def sensitivity_figure(result: SensitivityResult) -> go.Figure:
    """Tornado-style bars: Sobol' S1 and ST (or Morris mu*) with CIs, most influential on top."""
    rows = result.table()[::-1]
    names = [str(r["parameter"]) for r in rows]
    if result.method == "sobol":
        data = [
            {
                "type": "bar",
                "orientation": "h",
                "y": names,
                "x": [float(r[k]) for r in rows],
                "error_x": {"type": "data", "array": [float(r[f"{k}_conf"]) for r in rows]},
                "name": label,
                "marker": {"color": colour},
            }
            for k, label, colour in (
                ("ST", "total (ST)", PALETTE[0]),
                ("S1", "first order (S1)", PALETTE[1]),
            )
        ]
        xtitle = "Sobol' index (share of variance)"
    else:
        data = [
            {
                "type": "bar",
                "orientation": "h",
                "y": names,
                "x": [float(r["mu_star"]) for r in rows],
                "error_x": {"type": "data", "array": [float(r["mu_star_conf"]) for r in rows]},
                "name": "mu*",
                "marker": {"color": PALETTE[0]},
            },
            {
                "type": "bar",
                "orientation": "h",
                "y": names,
                "x": [float(r["sigma"]) for r in rows],
                "name": "sigma",
                "marker": {"color": PALETTE[1]},
            },
        ]
        xtitle = "elementary effect per unit quantile"
    return plotly_figure(
        data,
        figure_layout(
            f"Sensitivity of {result.outcome} ({result.method})",
            barmode="group",
            xaxis={"title": {"text": xtitle}},
            height=160 + 40 * len(names),
            margin={"l": 220, "r": 20, "t": 50, "b": 50},
        ),
    )


def discovery_figure(result: DiscoveryResult) -> go.Figure:
    """Peeling trajectories (coverage vs density) with the final (simplified or pasted) boxes marked."""
    data: list[dict[str, Any]] = []
    for i, (traj, box) in enumerate(zip(result.trajectories, result.boxes, strict=True)):
        restricted = [int(b.restricted.sum()) for b in traj.boxes]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": traj.coverage.tolist(),
                "y": traj.density.tolist(),
                "text": [
                    f"step {j}: {r} restricted, support {s:.2f}"
                    for j, (r, s) in enumerate(zip(restricted, traj.support, strict=True))
                ],
                "name": f"box {i + 1} trajectory",
                "marker": {"color": PALETTE[i % len(PALETTE)], "size": 5},
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "x": [box.coverage],
                "y": [box.density],
                "text": [f"box {i + 1}"],
                "textposition": "top right",
                "name": f"box {i + 1}",
                "marker": {"color": PATH_COLOUR, "size": 12, "symbol": "diamond"},
            }
        )
    return plotly_figure(
        data,
        figure_layout(
            f"Scenario discovery (PRIM): {result.outcome} > {result.threshold:g}",
            xaxis={"title": {"text": "coverage"}, "range": [0, 1.02]},
            yaxis={"title": {"text": "density"}, "range": [0, 1.02]},
        ),
    )


def compare_figure(result: CompareResult, title: str = "") -> go.Figure:
    """Paired differences ``B - A`` of the outcome probabilities, with their intervals.

    One horizontal bar per outcome (metrics have other units and are left to the table),
    the error bar is the interval of the mean paired difference on common random numbers
    (Law 2015, sec. 11.2); bars above zero (B more likely) and below are coloured apart.
    """
    rows = [r for r in result.rows if r.kind == "outcome"][::-1]
    d = [r.difference for r in rows]
    return plotly_figure(
        [
            {
                "type": "bar",
                "orientation": "h",
                "y": [r.name for r in rows],
                "x": [float(i.mean) for i in d],
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [float(i.high - i.mean) for i in d],
                    "arrayminus": [float(i.mean - i.low) for i in d],
                },
                "marker": {"color": [PALETTE[1] if i.mean > 0 else PALETTE[0] for i in d]},
                "name": "B - A",
            }
        ],
        figure_layout(
            title or f"{result.b_name} minus {result.a_name}",
            xaxis={"title": {"text": f"difference in probability, B - A ({result.conf_level:.0%} interval)"}},
            height=140 + 28 * len(rows),
            margin={"l": 220, "r": 20, "t": 50, "b": 50},
        ),
    )


def policies_figure(result: PoliciesResult) -> go.Figure:
    """Each policy's expected outcome against its maximum regret (Savage 1951), labelled by its levers.

    Policies with the same expected outcome and maximum regret share one point, labelled with
    the first of them (each lever by the last part of its name) and how many more (a lever that
    changes nothing stacks its settings on one point); the hover text lists them all in full.  A second, unlabelled trace marks each point's
    90th percentile of regret, by which :func:`brink.analysis.policies.policies` ranks.
    """
    points: dict[tuple[float, float], list[str]] = {}
    short: dict[tuple[float, float], str] = {}
    for s in result.scores:
        key = (float(s.expected), float(s.max_regret))
        points.setdefault(key, []).append(", ".join(f"{k}={v}" for k, v in s.levers.items()))
        short.setdefault(key, ", ".join(f"{shorten(k.split('.')[-1], 20)}={v}" for k, v in s.levers.items()))
    p90: dict[tuple[float, float], float] = {}
    for s in result.scores:
        p90.setdefault((float(s.expected), float(s.max_regret)), float(s.p90_regret))
    keys = list(points)
    text = [short[k] + (f" (+{len(points[k]) - 1} same)" if len(points[k]) > 1 else "") for k in keys]
    return plotly_figure(
        [
            {
                "type": "scatter",
                "mode": "markers+text",
                "x": [k[0] for k in keys],
                "y": [k[1] for k in keys],
                "text": text,
                "hovertext": ["<br>".join(points[k]) for k in keys],
                "textposition": "top center",
                "marker": {"color": PALETTE[0], "size": 9},
                "name": "maximum regret",
            },
            {
                "type": "scatter",
                "mode": "markers",
                "x": [k[0] for k in keys],
                "y": [p90[k] for k in keys],
                "marker": {"color": PALETTE[1], "size": 7, "symbol": "circle-open"},
                "name": "regret, 90th percentile (ranking)",
            },
        ],
        figure_layout(
            f"Policies for {result.outcome} ({'minimise' if result.minimize else 'maximise'})",
            xaxis={"title": {"text": f"expected {result.outcome}"}},
            yaxis={"title": {"text": "regret"}},
        ),
    )


def _rgba(colour: str, alpha: float) -> str:
    """``#RRGGBB`` as ``rgba(r, g, b, alpha)`` (the translucent fill of a fan)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def _column(table: Sequence[Mapping[str, Any]], key: str) -> list[float | None]:
    return [row.get(key) for row in table]


def _fan(
    table: Sequence[Mapping[str, Any]],
    low: str,
    high: str,
    centre: str,
    label: str,
    colour: str,
    *,
    centre_name: str = "mean",
) -> list[dict[str, Any]]:
    """A fan chart's traces: the ``low``..``high`` band (the upper edge filled down to the
    lower one, ``fill="tonexty"``) and the ``centre`` line, against the table's months."""
    months = _column(table, "month")
    return [
        {"type": "scatter", "mode": "lines", "x": months, "y": _column(table, low),
         "name": f"{label} 5%", "line": {"color": _rgba(colour, 0.0), "width": 0}, "showlegend": False,
         "legendgroup": label},
        {"type": "scatter", "mode": "lines", "x": months, "y": _column(table, high),
         "name": f"{label} 95%", "line": {"color": _rgba(colour, 0.0), "width": 0}, "fill": "tonexty",
         "fillcolor": _rgba(colour, 0.25), "showlegend": False, "legendgroup": label},
        {"type": "scatter", "mode": "lines", "x": months, "y": _column(table, centre),
         "name": f"{label} ({centre_name})" if centre_name else label, "line": {"color": colour, "width": 2},
         "legendgroup": label},
    ]


def survival_figure(result: Mapping[str, Any]) -> go.Figure:
    """The leader's survival curve after the crisis and the hazards of removal by cause.

    ``result`` is :meth:`brink.runs.simulate.SimulationResult.to_json` (or a stored
    simulate run's summary).  The band is the pointwise 5-95% range across samples of the
    probability of still being in office, the line its mean (the survival curve); the
    population hazards per month of removal by the leader's coalition and from outside
    (Goemans 2000; Chiozza & Goemans 2011) are lines on the right axis.
    """
    table = result["table"]
    months = _column(table, "month")
    data = _fan(table, "in_office_p05", "in_office_p95", "in_office", "in office", PALETTE[0])
    for i, cause in enumerate(("domestic", "foreign")):
        data.append(
            {"type": "scatter", "mode": "lines", "x": months, "y": _column(table, f"{cause}_hazard"),
             "name": f"{cause} hazard (right axis)", "yaxis": "y2",
             "line": {"color": PALETTE[1 + i], "width": 1.5, "dash": "dot"}}
        )
    ending = result.get("ending") or "drawn from the crisis"
    return plotly_figure(
        data,
        figure_layout(
            f"Leader in office after the crisis (ending: {ending})",
            xaxis={"title": {"text": "month"}},
            yaxis={"title": {"text": "P(in office)"}, "range": [0.0, 1.0]},
            yaxis2={"title": {"text": "hazard per month"}, "overlaying": "y", "side": "right",
                    "rangemode": "tozero"},
            legend={"orientation": "h", "y": -0.2},
            margin={"l": 60, "r": 70, "t": 50, "b": 80},
        ),
    )


def reserves_figure(result: Mapping[str, Any], quantity: str = "reserves_usd_bn") -> go.Figure:
    """Fan chart of reserves (``quantity="reserves_usd_bn"``, US$ bn) or of the discount paid
    on exports (``"discount_usd_per_bbl"``, US$/bbl) after the crisis: the pointwise 5-95%
    band across samples, the median and the mean."""
    labels = {"reserves_usd_bn": ("reserves", "US$ bn"), "discount_usd_per_bbl": ("discount", "US$/bbl")}
    if quantity not in labels:
        raise InputError(f"no fan chart of {quantity!r}", "reserves_figure", f"use one of {', '.join(labels)}")
    label, unit = labels[quantity]
    table = result["table"]
    colour = PALETTE[2] if quantity == "reserves_usd_bn" else PALETTE[4]
    data = _fan(table, f"{quantity}_p05", f"{quantity}_p95", f"{quantity}_p50", label, colour,
                centre_name="median")
    data.append(
        {"type": "scatter", "mode": "lines", "x": _column(table, "month"), "y": _column(table, quantity),
         "name": f"{label} (mean)", "line": {"color": colour, "width": 1.5, "dash": "dash"}}
    )
    return plotly_figure(
        data,
        figure_layout(
            f"{label.capitalize()} after the crisis (5-95% across samples)",
            xaxis={"title": {"text": "month"}},
            yaxis={"title": {"text": f"{label} ({unit})"}, "rangemode": "tozero"},
        ),
    )


def support_figure(result: Mapping[str, Any]) -> go.Figure:
    """Each partner's backing after the crisis: its mean and pointwise 5-95% band across samples."""
    table = result["table"]
    data: list[dict[str, Any]] = []
    for i, partner in enumerate(result.get("partners") or ()):
        key = f"support.{partner}"
        data += _fan(table, f"{key}_p05", f"{key}_p95", key, partner, PALETTE[i % len(PALETTE)])
    if not data:
        raise InputError("the simulation has no partners", "support_figure",
                         "simulate a scenario with partners (e.g. ukraine-2022)")
    return plotly_figure(
        data,
        figure_layout(
            "Partners' support after the crisis (mean; 5-95% across samples)",
            xaxis={"title": {"text": "month"}},
            yaxis={"title": {"text": "support"}, "range": [0.0, 1.0]},
        ),
    )


def _clean(values: Any) -> list[Any]:
    return [] if values is None else list(values)


def _mpl_colour(colour: str) -> Any:
    """A plotly colour for matplotlib: ``rgba(r, g, b, a)`` as an RGBA tuple, others as given."""
    if colour.startswith("rgba("):
        r, g, b, a = (float(v) for v in colour[5:-1].split(","))
        return (r / 255, g / 255, b / 255, a)
    return colour


def write_static(fig: go.Figure, path: str | Path) -> Path:
    """Render ``fig`` to ``path`` (``.png`` or ``.svg``) with matplotlib, offline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(path)
    if out.suffix.lower() not in (".png", ".svg"):
        raise InputError(
            f"cannot write figure {out.name!r}", where=str(out), fix="use a .png or .svg file name"
        )
    spec = fig.to_plotly_json()
    layout = spec.get("layout", {})
    traces = spec.get("data", [])
    bars = [t for t in traces if t.get("type") == "bar"]
    height = float(layout.get("height") or 450) / 100.0
    mfig, ax = plt.subplots(figsize=(8.0, max(3.0, min(height, 30.0))))
    for i, t in enumerate(bars):
        horizontal = t.get("orientation") == "h"
        cats = [str(c) for c in _clean(t.get("y") if horizontal else t.get("x"))]
        vals = np.asarray(_clean(t.get("x") if horizontal else t.get("y")), dtype=np.float64)
        err = t.get("error_x" if horizontal else "error_y") or {}
        e: Any = None
        if err.get("array") is not None:
            hi = np.asarray(err["array"], dtype=np.float64)
            lo = np.asarray(err.get("arrayminus", err["array"]), dtype=np.float64)
            e = np.vstack([lo, hi])
        pos = np.arange(len(cats)) + (i - (len(bars) - 1) / 2) * 0.8 / max(1, len(bars))
        colour = (t.get("marker") or {}).get("color")
        colour = colour if isinstance(colour, str | list) else None
        kw: dict[str, Any] = {"color": colour, "label": t.get("name")}
        if horizontal:
            ax.barh(pos, vals, height=0.8 / len(bars), xerr=e, capsize=3, **kw)
            ax.set_yticks(np.arange(len(cats)), cats)
        else:
            ax.bar(pos, vals, width=0.8 / len(bars), yerr=e, capsize=3, **kw)
            ax.set_xticks(np.arange(len(cats)), cats, rotation=30, ha="right")
    right: Any = None  # the right axis of traces on ``yaxis="y2"``, made when first needed
    previous: dict[int, FloatArray] = {}  # the last line drawn on each axis, for ``fill="tonexty"``
    for t in traces:
        kind = t.get("type")
        if kind == "bar":
            continue
        if kind != "scatter":
            plt.close(mfig)
            raise InputError(
                f"cannot draw a {kind!r} trace statically",
                where=str(out),
                fix="use the HTML report",
            )
        xs = np.asarray([np.nan if v is None else v for v in _clean(t.get("x"))], dtype=np.float64)
        ys = np.asarray([np.nan if v is None else v for v in _clean(t.get("y"))], dtype=np.float64)
        mode = str(t.get("mode", "lines"))
        colour = (t.get("line") or {}).get("color") or (t.get("marker") or {}).get("color")
        colour = _mpl_colour(colour) if isinstance(colour, str) else None
        on = ax
        if t.get("yaxis") == "y2":
            if right is None:
                right = ax.twinx()
                right.set_ylabel(str(((layout.get("yaxis2") or {}).get("title") or {}).get("text") or ""))
            on = right
        if t.get("fill") == "tonexty" and id(on) in previous:
            on.fill_between(xs, previous[id(on)], ys, color=_mpl_colour(str(t.get("fillcolor") or "#cccccc")),
                            linewidth=0)
        previous[id(on)] = ys
        if "lines" in mode and float((t.get("line") or {}).get("width", 1.5)) > 0:
            on.plot(
                xs,
                ys,
                color=colour,
                lw=float((t.get("line") or {}).get("width", 1.5)) * 0.7,
                label=t.get("name"),
            )
        if "markers" in mode:
            ax.scatter(
                xs,
                ys,
                color=colour,
                s=18,
                zorder=3,
                label=None if "lines" in mode else t.get("name"),
            )
        if "text" in mode:
            for xv, yv, s in zip(xs, ys, _clean(t.get("text")), strict=False):
                if np.isfinite(xv) and np.isfinite(yv):
                    ax.annotate(str(s), (xv, yv), fontsize=7, ha="center")
    title = (layout.get("title") or {}).get("text") or ""
    ax.set_title(str(title))
    for axis, setter in (("xaxis", ax.set_xlabel), ("yaxis", ax.set_ylabel)):
        ax_spec = layout.get(axis) or {}
        setter(str((ax_spec.get("title") or {}).get("text") or ""))
        if ax_spec.get("visible") is False:
            (ax.yaxis if axis == "yaxis" else ax.xaxis).set_visible(False)
        if ax_spec.get("autorange") == "reversed":
            (ax.invert_yaxis if axis == "yaxis" else ax.invert_xaxis)()
        if ax_spec.get("range") is not None:
            (ax.set_xlim if axis == "xaxis" else ax.set_ylim)(*ax_spec["range"])
    if any(t.get("name") for t in traces) and len(traces) > 1:
        ax.legend(fontsize=8, loc="best")
    if right is not None:
        right.legend(fontsize=8, loc="center right")
    mfig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    mfig.savefig(out, format=out.suffix.lower().lstrip("."), dpi=120)
    plt.close(mfig)
    return out


def coefficient_figure(rows: Sequence[Mapping[str, Any]], title: str = "Estimates with 95% intervals") -> go.Figure:
    """A coefficient plot of a fit: one horizontal bar per parameter at its estimate, with its
    95% interval as the error bar (``rows`` as :meth:`brink.fit.FitResult.table` gives them)."""
    names = [str(r["parameter"]) for r in rows][::-1]
    est = np.array([float(r["estimate"]) for r in rows], dtype=np.float64)[::-1]
    lo = np.array([float(r["ci95_low"]) for r in rows], dtype=np.float64)[::-1]
    hi = np.array([float(r["ci95_high"]) for r in rows], dtype=np.float64)[::-1]
    return plotly_figure(
        [{"type": "bar", "orientation": "h", "y": names, "x": est.tolist(), "marker": {"color": PALETTE[0]},
          "error_x": {"type": "data", "symmetric": False, "array": np.nan_to_num(hi - est).tolist(),
                      "arrayminus": np.nan_to_num(est - lo).tolist()},
          "name": "estimate"}],
        figure_layout(title, xaxis={"title": {"text": "estimate (payoff relative to backing down)"}},
                height=140 + 30 * len(rows), margin={"l": 200, "r": 20, "t": 50, "b": 50}),
    )


def reliability_figure(table: Sequence[Mapping[str, Any]], title: str = "Reliability diagram") -> go.Figure:
    """The reliability diagram of a backtest (Murphy & Winkler 1977): for each outcome, the observed
    frequency against the mean predicted probability of each non-empty bin, with the diagonal of
    perfect calibration (``table`` as :func:`brink.fit.backtest.reliability` gives it)."""
    data: list[dict[str, Any]] = [{"type": "scatter", "mode": "lines", "x": [0.0, 1.0], "y": [0.0, 1.0],
                                   "line": {"color": EDGE_COLOUR, "width": 1}, "name": "perfectly calibrated"}]
    for i, entry in enumerate(table):
        pairs = [(p, o) for p, o in zip(entry["mean_predicted"], entry["observed"], strict=True) if p is not None]
        data.append({"type": "scatter", "mode": "lines+markers", "x": [p for p, _ in pairs],
                     "y": [o for _, o in pairs], "line": {"color": PALETTE[i % len(PALETTE)], "width": 2},
                     "marker": {"color": PALETTE[i % len(PALETTE)]}, "name": str(entry["outcome"])})
    return plotly_figure(data, figure_layout(title, xaxis={"title": {"text": "mean predicted probability"}, "range": [0, 1]},
                                 yaxis={"title": {"text": "observed frequency"}, "range": [0, 1]}))
