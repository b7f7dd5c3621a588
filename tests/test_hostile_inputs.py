"""Hostile inputs, round three (issue 25): each reproducer of the issue, as a test.

Every one must end with exit status 2 and one located message (the option or file named,
with what to do), never a traceback; the counts that used to allocate first are refused
before any allocation (the peak RSS of a ``brink`` child process stays near an idle
interpreter's).  The full-disk paths are in ``tests/test_full_disk.py``.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
import yaml
from brink_in_process import invoke
from hypothesis import given
from hypothesis import strategies as st

from brink.errors import InputError
from brink.limits import check_count, machine_memory

ROOT = Path(__file__).resolve().parents[1]
BRINK = str(Path(sys.executable).with_name("brink"))
BUNDLED = ROOT / "src" / "brink" / "scenario" / "bundled"
#: Peak RSS of a ``brink`` command refused before it allocates: the interpreter, numpy,
#: numba and the scenario (about 270 MiB here), with room to spare; the reproducers took
#: 3.9 to 6.3 GB before they failed.
REFUSED_PEAK_MIB = 700


def _peak(argv: list[str]) -> tuple[int, str, float]:
    """``brink ARGV`` in a child process: (exit status, stderr, peak RSS in MiB)."""
    code = (
        "import json, resource, subprocess, sys; "
        f"r = subprocess.run([{BRINK!r}, *sys.argv[1:]], capture_output=True, text=True); "
        "print(json.dumps([r.returncode, r.stderr, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))"
    )
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True)
    status, err, kib = json.loads(out.stdout)
    return int(status), str(err), kib / 1024


def _refused(status: int, err: str, *needles: str) -> None:
    assert status == 2, err
    assert "Traceback" not in err, err
    text = " ".join(err.split())
    for needle in needles:
        assert needle in text, f"{needle!r} not in {text!r}"


# ------------------------------------------------------------------ counts and budgets
def test_check_count_names_the_option_and_the_largest_value_that_fits() -> None:
    each = machine_memory() // 1000
    assert check_count(1000, "--x", bytes_each=each) == 1000
    with pytest.raises(InputError) as info:
        check_count(1001, "--x", bytes_each=each, what="rows")
    assert info.value.where == "--x"
    assert "1,001 rows" in info.value.what and "machine's memory" in info.value.what
    assert info.value.fix == "Use at most 1,000"
    with pytest.raises(InputError, match="below 2"):
        check_count(0, "--x", minimum=2)
    with pytest.raises(InputError, match="brink's limit, 10"):
        check_count(11, "--x", maximum=10)


def test_machine_memory_is_the_ram_or_less() -> None:
    import os

    ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert 2**26 <= machine_memory() <= ram


GRID = ",".join(str(i) for i in range(5000))


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["sweep", "ukraine-2022", "--grid", f"costs.conventional_war={GRID}", "--grid",
          f"costs.target_war={GRID}"], ["--grid:", "25,000,000 design points", "Use at most 1,000,000"]),
        (["sweep", "ukraine-2022", "--lhs", "10000000", "costs.conventional_war=0.1:0.2",
          "costs.target_war=0.1:0.5"], ["--lhs:", "10,000,000 design points", "Use at most"]),
        (["sweep", "ukraine-2022", "--grid", "costs.conventional_war=1,2,3", "--lhs", "900000",
          "costs.target_war=0.1:0.5"], ["--grid x --lhs:", "2,700,000 design points"]),
        (["report", "ukraine-2022", "-n", "50", "--sensitivity-samples", "1000000000", "-o", "{tmp}/r.html"],
         ["--sensitivity-samples:", "1,000,000,000 base samples", "machine's memory", "Use at most"]),
        (["sensitivity", "--outcome", "settlement", "-n", "1000000000", "--no-store"],
         ["--samples:", "machine's memory"]),
        (["simulate", "ukraine-2022", "--memory", "1048576", "--no-store"],
         ["--memory:", "1,048,576 MiB is more than this machine's memory", "Use at most --memory"]),
    ],
    ids=["grid-5000x5000", "lhs-1e7", "grid-x-lhs", "sensitivity-samples-1e9", "sensitivity-1e9", "memory-1TiB"],
)
def test_counts_are_refused_before_any_allocation(argv: list[str], needles: list[str], tmp_path: Path) -> None:
    status, err, peak = _peak([a.replace("{tmp}", str(tmp_path)) for a in argv])
    _refused(status, err, *needles)
    assert peak < REFUSED_PEAK_MIB, f"peak {peak:.0f} MiB"


@pytest.mark.parametrize("value", ["0", "-4", "1"])
def test_report_names_sensitivity_samples_not_samples(value: str, tmp_path: Path) -> None:
    status, err = invoke(["report", "deterrence-rudimentary", "-n", "20", "--sensitivity-samples", value,
                          "-o", str(tmp_path / "r.html"), "--no-store"])
    _refused(status, err, "--sensitivity-samples:", f"{value} base samples is below 2")
    assert "--samples:" not in err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_runs_list_refuses_a_limit_below_one(limit: str) -> None:
    _refused(*invoke(["runs", "list", "--limit", limit]), "--limit:", f"cannot show {limit} runs")


@pytest.mark.parametrize(
    "argv",
    [["run", "deterrence-rudimentary", "-n", "5", "--no-store"], ["compare", "deterrence-rudimentary", "-n", "5"],
     ["solve", "deterrence-rudimentary", "--sample", "0"]],
    ids=["run", "compare", "solve"],
)
@pytest.mark.parametrize("lam", ["1e308", "1e101", "inf"])
def test_pbe_lambda_past_the_largest_precision_is_refused(argv: list[str], lam: str) -> None:
    _refused(*invoke([*argv, "--solver", "pbe", "--lambda", lam]), "--lambda:", "from 0 to 1e+100")


def test_the_library_refuses_the_same_lambda() -> None:
    from brink.cli.games import load_game
    from brink.solvers import solve

    game = load_game("deterrence-rudimentary", 0)
    for solver in ("pbe", "qre", "qbi"):
        with pytest.raises(InputError, match="largest precision"):
            solve(game.sample(0), solver=solver, lam=1e308)


# ------------------------------------------------------------------ names too long
LONG = "a" * 300


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["report", "deterrence-rudimentary", "-n", "10", "--no-store", "-o", "{tmp}/" + LONG + ".html"], "-o"),
        (["simulate", "ukraine-2022", "-n", "10", "--no-store", "--table", "{tmp}/" + LONG + ".csv"], "--table"),
        (["export", "deterrence-rudimentary", "-o", "{tmp}/" + LONG + ".json"], "-o"),
        (["init", "{tmp}/" + LONG + ".yaml"], "FILE"),
        (["sweep", "deterrence-rudimentary", "--grid", "game.challenger_dc=0.5,1", "-n", "5", "-o",
          "{tmp}/" + LONG + ".parquet"], "-o"),
        (["data", "crises", "--out", "{tmp}/" + LONG + ".parquet"], "--out"),
    ],
    ids=["report", "simulate-table", "export", "init", "sweep", "data-crises"],
)
def test_a_name_too_long_is_one_message(argv: list[str], option: str, tmp_path: Path) -> None:
    status, err = invoke([a.replace("{tmp}", str(tmp_path)) for a in argv])
    _refused(status, err, "the name is longer than this file system allows", f"with {option}")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ a damaged store
@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("store") / "runs.duckdb"
    for seed in ("0", "1"):
        assert invoke(["run", "deterrence-rudimentary", "-n", "10", "--seed", seed, "--store", str(path)])[0] == 0
    con = duckdb.connect(str(path), read_only=True)
    ids = [r[0] for r in con.execute("SELECT id FROM runs ORDER BY seed").fetchall()]
    con.close()
    return path, ids


def _damaged(two_runs: tuple[Path, list[str]], tmp_path: Path, sql: str) -> Path:
    copy = tmp_path / "damaged.duckdb"
    copy.write_bytes(two_runs[0].read_bytes())
    con = duckdb.connect(str(copy))
    con.execute(sql)
    con.close()
    return copy


@pytest.mark.parametrize(
    ("sql", "needles"),
    [
        ("UPDATE meta SET value = 'x1' WHERE key = 'schema_version'",
         ["table meta", "schema_version is 'x1', not an integer", "brink runs export"]),
        ("UPDATE runs SET summary = '{bad' WHERE seed = 1", ["table runs", "column summary", "'{bad'"]),
        ("UPDATE runs SET parameters = '[1' WHERE seed = 1", ["table runs", "column parameters", "'[1'"]),
    ],
    ids=["schema-version", "summary", "parameters"],
)
@pytest.mark.parametrize("command", ["list", "show", "diff"])
def test_a_damaged_store_names_the_table_and_the_value(
    two_runs: tuple[Path, list[str]], tmp_path: Path, sql: str, needles: list[str], command: str
) -> None:
    store = _damaged(two_runs, tmp_path, sql)
    ids = two_runs[1]
    args = {"list": [], "show": [ids[1]], "diff": ids}[command]
    _refused(*invoke(["runs", command, *args, "--store", str(store)]), "damaged run store", *needles)


def test_runs_export_to_a_name_too_long_is_one_message(two_runs: tuple[Path, list[str]], tmp_path: Path) -> None:
    status, err = invoke(["runs", "export", two_runs[1][0], "-o", str(tmp_path / (LONG + ".parquet")),
                          "--store", str(two_runs[0])])
    _refused(status, err, "the name is longer than this file system allows", "with -o")


def test_a_dropped_columns_table_is_named_and_the_samples_stay_exportable(
    two_runs: tuple[Path, list[str]], tmp_path: Path
) -> None:
    store = _damaged(two_runs, tmp_path, "DROP TABLE columns")
    ids = two_runs[1]
    _refused(*invoke(["runs", "diff", *ids, "--store", str(store)]), "damaged run store",
             "columns does not exist", "brink runs export")
    status, err = invoke(["runs", "export", ids[0], "-f", "csv", "-o", str(tmp_path / "x.csv"), "--store", str(store)])
    assert status == 0, err
    assert len((tmp_path / "x.csv").read_text().splitlines()) == 11


# ------------------------------------------------------------------ damaged reference data
def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    return path


GOOD = b"a,b,c\n1,2,3\n4,5,6\n"


@pytest.mark.parametrize(
    ("data", "line", "needle"),
    [
        (b"\x00\x91\xfe" * 100, 1, "NUL byte"),
        (b"a,b\n1,\xff\n", 2, "not UTF-8"),
        (b"dispnum,ccod", 1, "cut in its header"),
        (GOOD[:-3], 3, "cut short (mid-line)"),
        (b"a,b,c\n1,2\n", 2, "a row of 2 fields, the header has 3"),
        (b'a,b,c\n"x,y",2,3\n"p",q\n', 3, "a row of 2 fields"),
        (b"#!?,b\n1,2\n", 1, "header is not a list of column names"),
    ],
    ids=["random-bytes", "not-utf8", "mid-header", "mid-line", "ragged", "ragged-quoted", "no-header"],
)
def test_check_csv_names_file_and_line(tmp_path: Path, data: bytes, line: int, needle: str) -> None:
    from brink.history.crises import check_csv

    path = _write(tmp_path, data)
    with pytest.raises(InputError) as info:
        check_csv(path)
    assert info.value.where == f"{path}:{line}"
    assert needle in info.value.what


def test_check_csv_accepts_a_whole_file(tmp_path: Path) -> None:
    from brink.history.crises import check_csv

    check_csv(_write(tmp_path, GOOD))
    check_csv(_write(tmp_path, b'a,b\n"x,\ny",2\n'))  # a quoted field over two lines


WIDE = b"".join(b"%d,%d,x%d\n" % (i, i * i, i) for i in range(40))
WIDE = b"a,b,c\n" + WIDE


@given(st.integers(1, len(WIDE) - 1))
def test_a_file_cut_anywhere_but_at_a_line_end_is_refused(cut: int) -> None:
    """Whatever byte a file is cut at, it is refused (file and line named) unless the cut
    falls at the end of a line, which no reader can tell from a shorter file."""
    import tempfile

    from brink.history.crises import check_csv

    data = WIDE[:cut]
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), data)
        if data.endswith(b"\n"):
            check_csv(path)
            return
        with pytest.raises(InputError) as info:
            check_csv(path)
    line = data.count(b"\n") + 1
    assert info.value.where == f"{path}:{line}"
    assert "cut" in info.value.what


def test_game_json_is_streamed_byte_for_byte(shared_dir: Path) -> None:
    """``brink export -o x.json`` writes, piece by piece, exactly what ``json.dumps`` of the
    whole document gave (every Gambit example game, and one sample of a scenario's game)."""
    from brink.cli.games import load_game
    from brink.game_json import game_to_dict, iter_game_json

    sources = sorted(str(p) for p in (shared_dir / "data/games/gambit-contrib").glob("*.efg"))
    assert sources
    for source in [*sources, "ukraine-2022"]:
        game = load_game(source, 0 if not source.endswith(".efg") else None)
        sample = 0 if game.samples is not None else None
        whole = json.dumps(game_to_dict(game, sample), indent=1) + "\n"
        assert "".join(iter_game_json(game, sample)) == whole, source


def test_game_json_stops_past_the_limit() -> None:
    import io

    from brink.cli.games import load_game
    from brink.game_json import write_game_json

    game = load_game("ukraine-2022", 0)
    with pytest.raises(InputError, match="larger than 0 MiB"):
        write_game_json(game, io.StringIO(), 0, limit=100_000)


def _damaged_shared(shared_dir: Path, tmp_path: Path, data: bytes) -> Path:
    """A copy of the shared folder (links) whose ``gml_dirdisp.csv`` is ``data``."""
    from brink.history.crises import SOURCES

    root = tmp_path / "shared"
    for rel in SOURCES.values():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).symlink_to(shared_dir / rel)
    target = root / SOURCES["dirdisp"]
    target.unlink()
    target.write_bytes(data)
    return root


@pytest.mark.shared
@pytest.mark.parametrize(
    ("cut", "line", "needle"),
    [("random", 1, "NUL byte"), (40, 1, "cut in its header"), (1500, 8, "cut short (mid-line)")],
    ids=["random-bytes", "mid-header", "mid-line"],
)
def test_data_crises_refuses_a_damaged_file(shared_dir: Path, tmp_path: Path, cut: Any, line: int, needle: str) -> None:
    original = (shared_dir / "data/peacescience/gml_dirdisp.csv").read_bytes()
    data = bytes(np.random.default_rng(0).integers(0, 256, 2000, dtype=np.uint8)) if cut == "random" else original[:cut]
    if cut == "random":
        line = data[: data.index(0)].count(b"\n") + 1
    root = _damaged_shared(shared_dir, tmp_path, data)
    status, err = invoke(["data", "crises", "--shared", str(root), "--out", str(tmp_path / "c.parquet")])
    _refused(status, err, f"gml_dirdisp.csv:{line}:", "damaged reference data", needle)
    assert not (tmp_path / "c.parquet").exists()


def test_data_crises_refuses_out_and_db_naming_one_file(tmp_path: Path) -> None:
    target = tmp_path / "X.parquet"
    status, err = invoke(["data", "crises", "--db", str(target), "--out", str(tmp_path / "." / "X.parquet")])
    _refused(status, err, "--out and --db name the same file")
    assert not target.exists()


# ------------------------------------------------------------------ validate
def _scenario(tmp_path: Path, edit: Any, name: str = "s.yaml") -> Path:
    data = yaml.safe_load((BUNDLED / "ukraine-2022.yaml").read_text())
    edit(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def _feed(data: dict[str, Any]) -> None:
    data["parameters"] = {"x": "uniform(-100, -50)"}
    data["provenance"]["parameters.x"] = "assumption"
    data["costs"]["target_war"] = "x"


def _beta(data: dict[str, Any]) -> None:
    data["costs"]["target_war"] = "beta(1e308, 1e308)"


def _log(data: dict[str, Any]) -> None:
    data["parameters"] = {"y": "uniform(0, 1)"}
    data["provenance"]["parameters.y"] = "assumption"
    data["costs"]["target_war"] = "log(y - 2)"


@pytest.mark.parametrize(
    ("edit", "needles"),
    [
        (_feed, ["costs.target_war = -", "(from expression 'x') is outside [0, inf)", "max(0, x)"]),
        (_beta, ["costs.target_war (from distribution beta(1e+308, 1e+308)) is not a finite number"]),
        (_log, ["costs.target_war (from expression 'log(y - 2)') is not a finite number"]),
    ],
    ids=["uniform-feeding-a-cost", "beta-1e308", "log-of-negative"],
)
def test_validate_refuses_what_every_sample_of_run_refuses(tmp_path: Path, edit: Any, needles: list[str]) -> None:
    path = _scenario(tmp_path, edit)
    _refused(*invoke(["validate", str(path)]), f"{path}:", *needles)
    status, err = invoke(["run", str(path), "-n", "20", "--no-store"])
    assert status == 2 and ("outside" in err or "all 20 samples failed" in err), err


@pytest.mark.parametrize(
    ("value", "needle"),
    [(math.nan, "the option nan, which is not a finite number"), (math.inf, "the option inf"),
     (-math.inf, "the option -inf"), (-1e308, "the option -1e+308, outside the setting's range [0, inf)"),
     (1e308, "= 1e+308: the model refuses it")],
    ids=["nan", "inf", "-inf", "-1e308", "1e308"],
)
def test_validate_refuses_lever_options_run_would_refuse(tmp_path: Path, value: float, needle: str) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["levers"]["energy_discount.offered_usd_per_bbl"] = [0, 10, value]

    path = _scenario(tmp_path, edit)
    _refused(*invoke(["validate", str(path), "--strict"]), "levers.energy_discount.offered_usd_per_bbl", needle)


def test_validate_refuses_a_scenario_whose_every_sample_fails() -> None:
    status, err = invoke(["validate", "ukraine-2022", "--set", "costs.conventional_war=1e308"])
    _refused(status, err, "the scenario: the model refuses it on every sample", "payoffs must be finite")


@pytest.mark.parametrize(("value", "needle"), [("true", "not true/false"), ("'3'", "not text")])
def test_number_fields_are_typed_strictly(value: str, needle: str) -> None:
    status, err = invoke(["validate", "ukraine-2022", "--set", f"process.rounds={value}"])
    _refused(status, err, "process.rounds: must be a whole number", needle)


def test_bundled_scenarios_still_validate() -> None:
    for path in sorted(BUNDLED.glob("*.yaml")):
        status, err = invoke(["validate", str(path)])
        assert status == 0, f"{path.name}: {err}"


# ------------------------------------------------------------------ valid inputs that must run
def test_simulate_stores_a_scenario_with_no_uncertain_number(tmp_path: Path) -> None:
    """0.2: "sample columns must be 1-D arrays of one length" (reserves_exhausted_month had one row)."""
    from brink.store import Store

    def fixed(data: dict[str, Any]) -> None:
        def walk(node: Any) -> Any:
            if isinstance(node, dict):
                return {k: walk(v) for k, v in node.items()}
            if isinstance(node, str) and node.split("(")[0] in ("uniform", "beta", "triangular", "lognormal"):
                args = [float(a) for a in node.split("(")[1].rstrip(")").split(",")]
                name = node.split("(")[0]
                return {"uniform": lambda a, b: (a + b) / 2, "beta": lambda a, b: a / (a + b),
                        "triangular": lambda a, m, b: m, "lognormal": lambda m, s: math.exp(m)}[name](*args)
            return node

        data.update(walk({k: v for k, v in data.items() if k not in ("sources", "provenance", "levers")}))

    path = _scenario(tmp_path, fixed)
    store = tmp_path / "runs.duckdb"
    status, err = invoke(["simulate", str(path), "-n", "40", "--store", str(store)])
    assert status == 0, err
    st = Store(store)
    (record,) = st.list_runs()
    samples = st.samples(record.id)
    assert {len(v) for v in samples.values()} == {40}
    # the endings are drawn per sample: the stored shares are the summary's, and the
    # survival of each sample follows its own ending (one row repeated gave one path)
    assert record.summary is not None
    for name, share in record.summary["endings"].items():
        if f"ending.{name}" in samples:
            assert math.isclose(float(np.mean(samples[f"ending.{name}"])), share, abs_tol=1e-12)
    assert len({float(x) for x in samples["survival"]}) > 1
