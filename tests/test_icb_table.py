"""The ICB crisis-actor table (issue #23, item 1): counts, rules and named crises against the source.

Every expected value is recomputed here from ``icb1v14.csv`` and ``icb2v14.csv`` with the ``csv``
module (never with DuckDB, which builds the table), and ten named crises are checked row by row
against the source and against facts known without ICB (who was nuclear-armed, who won), so a
wrong filter, join or coding rule in :mod:`brink.history.icb` makes a test fail.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from brink.errors import InputError
from brink.history.icb import AGREEMENT_FORMS, OUTCOMES, build_icb_table, icb_summary, icb_table

pytestmark = pytest.mark.shared


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def actors(shared_dir: Path) -> list[dict[str, str]]:
    """The actor rows of icb2v14.csv that have a trigger year."""
    return [r for r in _read(shared_dir / "data" / "icb" / "icb2v14.csv") if r["yrtrig"].strip()]


@pytest.fixture(scope="module")
def system(shared_dir: Path) -> dict[int, dict[str, str]]:
    return {int(r["crisno"]): r for r in _read(shared_dir / "data" / "icb" / "icb1v14.csv")}


@pytest.fixture(scope="module")
def table(shared_dir: Path) -> dict[str, np.ndarray[Any, Any]]:
    return icb_table(shared_dir)


@pytest.fixture(scope="module")
def summary(shared_dir: Path) -> dict[str, Any]:
    con = duckdb.connect()
    try:
        build_icb_table(con, shared_dir)
        return icb_summary(con)
    finally:
        con.close()


def _row(table: dict[str, np.ndarray[Any, Any]], crisno: int, actor: str) -> dict[str, Any]:
    hits = [i for i, (c, a) in enumerate(zip(table["crisno"], table["actor"], strict=True))
            if int(c) == crisno and a == actor]
    assert len(hits) == 1, (crisno, actor, hits)
    return {name: column[hits[0]] for name, column in table.items()}


def _int(text: str) -> int | None:
    return int(text) if text.strip() else None


# ------------------------------------------------------------------------------- counts
def test_one_row_per_crisis_actor_of_the_source(table: dict[str, np.ndarray[Any, Any]], actors: list[dict[str, str]],
                                                 system: dict[int, dict[str, str]]) -> None:
    assert len(table["crisno"]) == len(actors) == 1077
    assert [(int(c), int(k)) for c, k in zip(table["crisno"], table["cracno"], strict=True)] == sorted(
        (int(r["crisno"]), int(r["cracno"])) for r in actors)
    assert len(set(table["crisno"].tolist())) == len({r["crisno"] for r in actors}) == 486
    assert len(system) == 487  # crisis 474's only actor row is empty in the source


def test_counts_per_decade_outcome_and_form_match_the_source(summary: dict[str, Any],
                                                              actors: list[dict[str, str]]) -> None:
    decades = Counter(int(r["yrtrig"]) // 10 * 10 for r in actors)
    assert summary["by_decade"] == {str(k): decades[k] for k in sorted(decades)}
    outcomes = Counter(OUTCOMES.get(_int(r["outcom"]) or 0, "missing") for r in actors)
    assert summary["by_outcome"] == dict(outcomes)
    assert sum(summary["by_outcome"].values()) == len(actors)
    assert summary["by_outcome"]["victory"] == 375 and summary["by_outcome"]["defeat"] == 210
    forms = Counter(r["outfor"] for r in actors)
    assert summary["by_form"] == {k: forms[k] for k in sorted(forms, key=int)}
    assert (summary["first_year"], summary["last_year"]) == (1918, 2017)


def _ending(r: dict[str, str]) -> str | None:
    outcom, outfor, sevvio = _int(r["outcom"]), _int(r["outfor"]), _int(r["sevvio"])
    if outcom == 2 and outfor in AGREEMENT_FORMS:
        return "settlement"
    if outcom in (1, 4):
        war = sevvio == 4
        return {(1, True): "war_won", (4, True): "war_lost", (1, False): "adversary_concedes",
                (4, False): "actor_concedes"}[(outcom, war)]
    return "undecided" if outcom in (2, 3, 5) else None


def test_the_ending_rule_recomputed_for_every_row(table: dict[str, np.ndarray[Any, Any]],
                                                  actors: list[dict[str, str]]) -> None:
    expected = [_ending(r) for r in sorted(actors, key=lambda r: (int(r["crisno"]), int(r["cracno"])))]
    assert table["ending"].tolist() == expected
    assert Counter(expected)["settlement"] == 163


def test_adversary_and_challenger_rules_recomputed_for_every_crisis(
    table: dict[str, np.ndarray[Any, Any]], actors: list[dict[str, str]], system: dict[int, dict[str, str]]
) -> None:
    by_crisis: dict[int, list[dict[str, str]]] = {}
    for r in actors:
        by_crisis.setdefault(int(r["crisno"]), []).append(r)

    def adversary(r: dict[str, str]) -> int | None:
        for key in ("southv", "trigent"):
            code = _int(r[key])
            if code is not None and code < 900:
                return code
        return None

    def trigger_key(r: dict[str, str]) -> tuple[int, int, int, int]:
        y, m, d = int(r["yrtrig"]), _int(r["motrig"]), _int(r["datrig"])
        if m is None or not 1 <= m <= 12:
            return (y, 7, 1, int(r["cracno"]))
        days = [31, 29 if y % 4 == 0 and (y % 100 or y % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (y, m, d if d is not None and 1 <= d <= days[m - 1] else 15, int(r["cracno"]))

    expected: dict[tuple[int, int], bool] = {}
    for crisno, rows in by_crisis.items():
        codes = {int(r["cracid"]) for r in rows}
        trigent = _int(system[crisno]["trigent"])
        first = min(rows, key=trigger_key)
        challenger = trigent if trigent in codes else adversary(first) if adversary(first) in codes else None
        for r in rows:
            expected[(crisno, int(r["cracno"]))] = int(r["cracid"]) == challenger
    got = {(int(c), int(k)): bool(f) for c, k, f in zip(table["crisno"], table["cracno"], table["challenger"], strict=True)}
    assert got == expected
    assert sum(expected.values()) == 297
    ordered = sorted(actors, key=lambda r: (int(r["crisno"]), int(r["cracno"])))
    want = np.array([np.nan if (a := adversary(r)) is None else float(a) for r in ordered])
    assert np.array_equal(np.asarray(table["adversary_icb"], dtype=np.float64), want, equal_nan=True)
    assert int(np.isnan(want).sum()) == 4


# ----------------------------------------------------------------------- named crises
#: (crisno, actor) -> facts known without ICB, checked with the row's source fields.
NAMED: dict[tuple[int, str], dict[str, Any]] = {
    (196, "USA"): {"outcome": "victory", "challenger": False, "adversary_icb": 365, "nuclear_a": True, "nuclear_b": True},
    (196, "RUS"): {"outcome": "defeat", "challenger": True, "ending": "actor_concedes", "nuclear_a": True},
    (196, "CUB"): {"outcome": "defeat", "challenger": False, "nuclear_a": False, "nuclear_b": True},
    (185, "USA"): {"outcome": "compromise", "ending": "settlement", "adversary_icb": 365, "challenger": False},
    (185, "RUS"): {"outcome": "victory", "challenger": True, "challenger_rule": "first adversary"},
    (431, "IND"): {"outcome": "victory", "challenger": False, "nuclear_a": True, "nuclear_b": True, "adversary_icb": 770},
    (431, "PAK"): {"outcome": "defeat", "challenger": True, "ending": "actor_concedes", "nuclear_a": True},
    (471, "RUS"): {"outcome": "victory", "challenger": False, "nuclear_a": True, "nuclear_b": False, "adversary_icb": 369},
    (471, "UKR"): {"outcome": "stalemate", "challenger": True, "ending": "undecided", "challenger_rule": "trigent"},
    (123, "USA"): {"outcome": "victory", "nuclear_a": True, "nuclear_b": False, "adversary_icb": 365},
    (123, "RUS"): {"outcome": "defeat", "challenger": True, "nuclear_a": False},
    (64, "CZE"): {"outcome": "defeat", "challenger": False, "adversary_icb": 255, "challenger_rule": None},
    (64, "UKG"): {"outcome": "victory", "challenger": False, "nuclear_a": False},
    (152, "EGY"): {"outcome": "victory", "challenger": True, "ending": "war_won"},
    (152, "UKG"): {"outcome": "defeat", "ending": "war_lost", "nuclear_a": True},
    (336, "UKG"): {"outcome": "victory", "ending": "war_won", "adversary_icb": 160, "nuclear_a": True},
    (336, "ARG"): {"outcome": "defeat", "ending": "war_lost", "challenger": True, "nuclear_a": False},
    (393, "IRQ"): {"outcome": "defeat", "ending": "war_lost", "challenger": True, "adversary_icb": 2},
    (393, "KUW"): {"outcome": "victory", "ending": "war_won", "adversary_icb": 645},
    (430, "YUG"): {"outcome": "defeat", "challenger": True, "adversary_icb": 2},
    (430, "GFR"): {"outcome": "victory", "ccode_a": 255, "adversary_icb": 345, "umbrella_a": True},
}
#: The crises named, with their actor counts in the source.
CRISES = {196: 3, 185: 6, 431: 2, 471: 2, 123: 4, 64: 4, 152: 6, 336: 2, 393: 13, 430: 12}
SOURCE_FIELDS = ("cracid", "triggr", "trigent", "southv", "crismg", "cenvio", "sevvio", "usinv", "usfavr", "suinv",
                 "sufavr", "outcom", "outfor", "powdis", "regime", "allycap", "gravty", "issue")


def test_ten_named_crises_row_by_row(table: dict[str, np.ndarray[Any, Any]], actors: list[dict[str, str]],
                                     system: dict[int, dict[str, str]]) -> None:
    for crisno, count in CRISES.items():
        rows = [r for r in actors if int(r["crisno"]) == crisno]
        assert len(rows) == count == int(np.sum(table["crisno"] == crisno)), crisno
        for r in rows:
            got = _row(table, crisno, r["actor"])
            for name in SOURCE_FIELDS:
                value = got[name]
                want = _int(r[name])
                assert (want is None and (value is None or np.isnan(value))) or value == want, (crisno, r["actor"], name)
            assert got["year"] == int(r["yrtrig"]) and got["crisis_year"] == int(system[crisno]["yrtrig"])
            assert got["crisname"] == r["crisname"].strip()
            assert got["outcome"] == OUTCOMES[int(r["outcom"])]
    for (crisno, actor), facts in NAMED.items():
        got = _row(table, crisno, actor)
        for name, want in facts.items():
            assert got[name] == want, (crisno, actor, name, got[name], want)
    assert _row(table, 196, "USA")["leader_a"] == "Kennedy" and _row(table, 196, "USA")["leader_b"] == "Khrushchev"
    assert _row(table, 431, "PAK")["leader_a"] == "Sharif"
    assert _row(table, 196, "USA")["balance"] == pytest.approx(
        _row(table, 196, "USA")["cinc_a"] / (_row(table, 196, "USA")["cinc_a"] + _row(table, 196, "USA")["cinc_b"]))


def test_a_missing_icb_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    with pytest.raises(InputError, match=r"icb1v14\.csv"):
        icb_table(tmp_path)


# ---------------------------------------------------------------------------------- CLI
def _brink(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    from brink.cli import main

    monkeypatch.setattr(sys, "argv", ["brink", *args])
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return (0 if code is None else int(code)), captured.out, captured.err


def test_cli_writes_the_table_and_refuses_what_it_was_not_asked_to_write(
    tmp_path: Path, shared_dir: Path, summary: dict[str, Any],
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, db = tmp_path / "icb.csv", tmp_path / "icb.duckdb"
    code, stdout, err = _brink(capsys, monkeypatch, "data", "icb", "--shared", str(shared_dir), "--out", str(out),
                               "--db", str(db), "--json")
    assert code == 0, err
    assert {k: v for k, v in json.loads(stdout).items() if k != "written"} == summary
    with open(out, newline="", encoding="utf-8") as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == 1077
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM icb").fetchone() == (1077,)
    code, _, err = _brink(capsys, monkeypatch, "data", "icb", "--shared", str(shared_dir), "--db", str(db))
    assert code == 2 and "already has a table named icb" in err
    notes = tmp_path / "notes.duckdb"
    notes.write_text("my notes\n")
    code, _, err = _brink(capsys, monkeypatch, "data", "icb", "--shared", str(shared_dir), "--db", str(notes))
    assert code == 2 and "not a DuckDB file" in err and notes.read_text() == "my notes\n"
    code, _, err = _brink(capsys, monkeypatch, "data", "icb", "--shared", str(tmp_path / "none"))
    assert code == 2 and "does not exist" in err and "Traceback" not in err
