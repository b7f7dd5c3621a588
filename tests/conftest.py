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
#: The reference data sets: ``$BRINK_SHARED``, else ``../shared`` next to the repository (laid
#: out so on developer machines and in CI).  They are never committed.
SHARED = Path(os.environ.get("BRINK_SHARED") or ROOT.parent / "shared")
CONTRIB = SHARED / "data" / "games" / "gambit-contrib"
#: Whether the reference data sets are there; tests marked ``shared`` skip when they are not.
HAVE_SHARED = (SHARED / "data").is_dir()
IN_CI = os.environ.get("CI", "").lower() == "true"
MISSING_SHARED = (
    f"needs the reference data sets, not found at {SHARED} "
    "(lay them out as ../shared beside the repository or set BRINK_SHARED)"
)


def contrib_games() -> list[Path]:
    """The 86 example games from Gambit's collection (none when the data sets are absent)."""
    return sorted(CONTRIB.glob("*.efg"))


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI the reference data sets must be there: their absence fails the run."""
    if IN_CI and not HAVE_SHARED:
        pytest.exit(f"CI run {MISSING_SHARED}", returncode=1)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked ``shared`` skip, with the reason, when the reference data sets are absent."""
    if item.get_closest_marker("shared") is not None and not HAVE_SHARED:
        pytest.skip(MISSING_SHARED)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The reference data sets' folder; skips the test (with the reason) when it is absent."""
    if not HAVE_SHARED:
        pytest.skip(MISSING_SHARED)
    return SHARED


@pytest.fixture(autouse=True)
def _private_run_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never write to the user's run store: ``$BRINK_STORE`` points at a temporary file."""
    monkeypatch.setenv("BRINK_STORE", str(tmp_path_factory.mktemp("store") / "runs.duckdb"))
