"""``brink info``, ``brink solve``, ``brink export`` on game files."""

from __future__ import annotations
