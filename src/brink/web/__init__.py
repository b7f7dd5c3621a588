"""The analyst's workbench: ``brink serve``, a local web app over brink's runs and analyses.

:mod:`brink.web.app` builds the FastAPI application (one page and a JSON API),
:mod:`brink.web.whatif` re-solves a fixed draw of samples for the live what-if,
:mod:`brink.web.tree` turns a solved game into the collapsible outline, :mod:`brink.web.jobs`
runs the longer work in the background, and :mod:`brink.web.settings` holds the limits.
The app is an edge of the data flow: it calls the same runs, analyses and figures as the
command line and the report, and computes nothing of its own.
"""

from __future__ import annotations

from brink.web.app import create_app
from brink.web.settings import ServeSettings

__all__ = ["ServeSettings", "create_app"]
