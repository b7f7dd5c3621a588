"""Reports and figures: one self-contained, offline HTML report and its static figures.

:mod:`brink.report.document` lays out the report (sections, tables, the HTML page and
the ``--figures`` folder); :mod:`brink.report.figures` builds each figure with plotly
and redraws it with matplotlib for PNG/SVG files; the game tree's figure is the core's
(:mod:`brink.drawing`, also :meth:`brink.games.Game.draw`).  The analyses compute; this package
only shows what they computed.
"""

from __future__ import annotations

from brink.drawing import game_tree_figure, tree_layout
from brink.report.document import (
    Section,
    Table,
    build_report,
    check_figures_folder,
    render_html,
    strip_urls,
    write_figures,
    write_report,
)
from brink.report.figures import (
    compare_figure,
    discovery_figure,
    outcomes_figure,
    policies_figure,
    sensitivity_figure,
    write_static,
)

__all__ = [
    "Section",
    "Table",
    "build_report",
    "check_figures_folder",
    "compare_figure",
    "discovery_figure",
    "game_tree_figure",
    "outcomes_figure",
    "policies_figure",
    "render_html",
    "sensitivity_figure",
    "strip_urls",
    "tree_layout",
    "write_figures",
    "write_report",
    "write_static",
]
