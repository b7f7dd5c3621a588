"""Bundled game templates, registered by name (see :mod:`brink.templates.base`).

``crisis`` (the default) is the general crisis game of :mod:`brink.templates.crisis`.
Every module in this package is imported on first use, so a theory template only has
to live here and call :func:`register` at import time.
"""

from __future__ import annotations

import importlib
import pkgutil

from brink.templates.base import REGISTRY, Template, get_template, register

__all__ = ["REGISTRY", "Template", "get_template", "register"]

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name != "base":
        importlib.import_module(f"{__name__}.{_info.name}")
