"""Shared fixtures: where the read-only reference material lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI replays the same examples on every run (a submission's result does not depend on luck);
# developers' runs keep exploring new examples and keep what they find in .hypothesis/.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
#: ``../shared`` next to the repository (laid out so on developer machines and in CI).
SHARED = ROOT.parent / "shared"
CONTRIB = SHARED / "data" / "games" / "gambit-contrib"


def contrib_games() -> list[Path]:
    """The 86 example games from Gambit's collection."""
    return sorted(CONTRIB.glob("*.efg"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    assert SHARED.is_dir(), f"reference material not found at {SHARED}"
    return SHARED


@pytest.fixture(autouse=True)
def _private_run_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never write to the user's run store: ``$BRINK_STORE`` points at a temporary file."""
    monkeypatch.setenv("BRINK_STORE", str(tmp_path_factory.mktemp("store") / "runs.duckdb"))
