"""Placeholder: filled by its command group."""

from __future__ import annotations
