"""The version identifies the model (issue 21): one string everywhere, a CHANGELOG section for it,
and every stored run carries it.

A run is a function of (scenario, seed, version); when a change moves any number a bundled
scenario gives, the version moves with it and CHANGELOG.md says what changed, under that
version's own section.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from typer.testing import CliRunner

import brink
import brink.cli.scenario  # registers the commands
from brink.cli import app
from brink.store import Store

ROOT = Path(__file__).resolve().parents[1]


def test_one_version_string() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == brink.__version__
    out = CliRunner().invoke(app, ["--version"])
    assert out.exit_code == 0
    assert out.stdout.strip() == f"brink {brink.__version__}"


def test_changelog_has_a_section_per_version_newest_first() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", text, flags=re.MULTILINE)
    assert versions[0] == brink.__version__, "the newest CHANGELOG section must be the current version"
    keyed = [tuple(int(p) for p in v.split(".")) for v in versions]
    assert keyed == sorted(keyed, reverse=True) and len(set(keyed)) == len(keyed)
    assert "## [Unreleased]" not in text.split(f"## [{brink.__version__}]")[1], "no section below the current one is unreleased"


def test_numbers_fixture_names_an_older_version() -> None:
    """The fixture of numbers the refactors must keep names the version and commit it was made with."""
    fixture = json.loads((ROOT / "tests" / "fixtures" / "numbers_0.2.0.json").read_text(encoding="utf-8"))
    assert fixture["version"] == "0.2.0" and re.fullmatch(r"[0-9a-f]{7,40}", fixture["commit"])
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [0.2.0]" in text


def test_a_stored_run_and_the_json_carry_the_version(tmp_path: Path) -> None:
    db = tmp_path / "runs.duckdb"
    out = CliRunner().invoke(app, ["run", "deterrence-rudimentary", "-n", "64", "--store", str(db), "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert result["version"] == brink.__version__
    record = Store(db).get_run(result["run_id"])
    assert record.version == brink.__version__
