"""The run store: round trips, exports, concurrent writers, killed runs, foreign files."""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from brink.errors import InputError
from brink.store import SCHEMA_VERSION, Store, StoreLockError, default_store_path, scenario_hash

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "name: toy\nactors: {A: {kind: state}}\n"


def _columns(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "outcome.concede": rng.random(n),
        "metric.payoff": rng.normal(size=n),
        "path": rng.integers(0, 5, size=n),
        "failed": rng.random(n) < 0.1,
    }


def test_default_path_honours_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BRINK_STORE", str(tmp_path / "x.duckdb"))
    assert default_store_path() == tmp_path / "x.duckdb"
    monkeypatch.delenv("BRINK_STORE")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert default_store_path() == Path.home() / ".local/share/brink/runs.duckdb"


def test_run_lifecycle_and_metadata(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.duckdb")
    rid = store.begin_run("run", "toy", SCENARIO, 42, "0.1.0", {"samples": 100, "set": {"a.b": 2}})
    rec = store.get_run(rid)
    assert rec.status == "running"
    assert (
        rec.scenario_hash
        == hashlib.sha256(SCENARIO.encode()).hexdigest()
        == scenario_hash(SCENARIO)
    )
    assert rec.scenario_text == SCENARIO and rec.seed == 42 and rec.parameters["set"] == {"a.b": 2}
    store.finish_run(rid, {"p": 0.25, "bad": float("nan"), "arr": np.array([1.0, np.inf])})
    rec = store.get_run(rid[:6])
    assert rec.status == "complete" and rec.finished is not None
    assert rec.summary == {"p": 0.25, "bad": None, "arr": [1.0, None]}
    other = store.begin_run("sensitivity", "toy", SCENARIO, 1, "0.1.0", {})
    store.fail_run(other, "solver diverged")
    runs = {r.id: r for r in store.list_runs()}
    assert runs[other].status == "failed" and runs[other].message == "solver diverged"
    assert [r.id for r in store.list_runs(kind="sensitivity")] == [other]
    with pytest.raises(InputError, match="no run with id"):
        store.get_run("zzzz")
    with pytest.raises(InputError, match="unknown run kind"):
        store.begin_run("nonsense", "toy", SCENARIO, 1, "0.1.0", {})


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=hnp.arrays(
        np.float64, st.integers(1, 60), elements=st.floats(allow_nan=True, allow_infinity=True)
    ),
    cuts=st.lists(st.integers(0, 60), max_size=4),
)
def test_samples_round_trip_any_chunking(values: np.ndarray, cuts: list[int]) -> None:
    n = values.shape[0]
    ints = np.arange(n, dtype=np.int64) * 7 - 3
    flags = (np.arange(n) % 3) == 0
    edges = sorted({0, n, *[c for c in cuts if c < n]})
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "s.duckdb")
        rid = store.begin_run("run", "toy", SCENARIO, 0, "0.1.0", {})
        for lo, hi in reversed(list(itertools.pairwise(edges))):
            store.add_samples(rid, lo, {"x": values[lo:hi], "k": ints[lo:hi], "f": flags[lo:hi]})
        out = store.samples(rid)
    np.testing.assert_array_equal(out["sample"], np.arange(n))
    np.testing.assert_array_equal(out["x"], values)
    np.testing.assert_array_equal(out["k"], ints)
    np.testing.assert_array_equal(out["f"], flags)
    assert out["x"].dtype == np.float64 and out["k"].dtype == np.int64 and out["f"].dtype == bool


def test_add_samples_is_idempotent_and_columns_may_appear_late(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    rid = store.begin_run("run", "toy", SCENARIO, 0, "0.1.0", {})
    store.add_samples(rid, 0, {"a": np.ones(4)})
    store.add_samples(rid, 0, {"a": np.full(4, 2.0)})
    store.add_samples(rid, 4, {"a": np.ones(2), "b": np.array(["x", "y"])})
    out = store.samples(rid)
    np.testing.assert_array_equal(out["a"], [2, 2, 2, 2, 1, 1])
    assert list(out["b"]) == ["", "", "", "", "x", "y"]
    assert store.get_run(rid).n_samples == 6
    assert store.columns(rid) == {"a": "DOUBLE", "b": "VARCHAR"}
    with pytest.raises(InputError, match="one length"):
        store.add_samples(rid, 0, {"a": np.ones(3), "c": np.ones(2)})
    with pytest.raises(InputError, match="was DOUBLE"):
        store.add_samples(rid, 0, {"a": np.ones(3, dtype=np.int64)})
    np.testing.assert_array_equal(store.samples(rid)["a"], [2, 2, 2, 2, 1, 1])


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_reads_back_equal(tmp_path: Path, fmt: str) -> None:
    store = Store(tmp_path / "s.duckdb")
    rid = store.begin_run("run", "toy", SCENARIO, 0, "0.1.0", {})
    cols = _columns(257, 3)
    store.add_samples(rid, 0, {k: v[:100] for k, v in cols.items()})
    store.add_samples(rid, 100, {k: v[100:] for k, v in cols.items()})
    out = store.export(rid, tmp_path / f"out.{fmt}", format=fmt)  # type: ignore[arg-type]
    reader = "read_parquet" if fmt == "parquet" else "read_csv_auto"
    back = duckdb.sql(f"SELECT * FROM {reader}('{out}') ORDER BY sample").fetchnumpy()
    np.testing.assert_array_equal(back["sample"], np.arange(257))
    for name, arr in cols.items():
        np.testing.assert_array_equal(np.asarray(back[name]), arr)


def test_diff_reports_inputs_and_mean_differences(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    a = store.begin_run("run", "toy", SCENARIO, 1, "0.1.0", {"samples": 4, "set": {"x": 1}})
    b = store.begin_run("run", "toy", SCENARIO + "#\n", 2, "0.1.0", {"samples": 4, "set": {"x": 3}})
    store.add_samples(a, 0, {"p": np.array([0.0, 1.0, 0.0, 1.0])})
    store.add_samples(b, 0, {"p": np.array([1.0, 1.0, 1.0, 0.0])})
    store.finish_run(a, {"p": 0.5})
    store.finish_run(b, {"p": 0.75})
    d = store.diff(a, b)
    assert d["inputs"]["seed"] == [1, 2] and "scenario_hash" in d["inputs"]
    assert d["parameters"] == {"set.x": {"a": 1, "b": 3, "delta": 2}}
    assert d["summary"]["p"]["delta"] == pytest.approx(0.25)
    assert d["columns"]["p"]["delta"] == pytest.approx(0.25)
    se = np.sqrt(np.var([0, 1, 0, 1], ddof=1) / 4 + np.var([1, 1, 1, 0], ddof=1) / 4)
    assert d["columns"]["p"]["se"] == pytest.approx(se)


def test_foreign_files_are_refused_unmodified(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_bytes(b"these are my notes, not a database\n" * 10)
    before = text.read_bytes()
    with pytest.raises(InputError, match="not a brink run store"):
        Store(text)
    assert text.read_bytes() == before

    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE t AS SELECT 1 AS x")
    con.close()
    before = other.read_bytes()
    with pytest.raises(InputError, match="not a brink run store"):
        Store(other)
    assert other.read_bytes() == before
    assert not (tmp_path / "other.duckdb.wal").exists()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    Store(path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    con.close()
    with pytest.raises(InputError, match="newer brink"):
        Store(path)


def test_lock_timeout_is_reported(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb", timeout=0.05)
    fd = os.open(store.lock_path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(StoreLockError, match="another brink process"):
            store.list_runs()
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert store.list_runs() == []


def _writer(path: str, seed: int, chunks: int, chunk: int) -> str:
    store = Store(path)
    rid = store.begin_run("run", f"writer-{seed}", SCENARIO, seed, "0.1.0", {"seed": seed})
    cols = _columns(chunks * chunk, seed)
    for i in range(chunks):
        store.add_samples(
            rid, i * chunk, {k: v[i * chunk : (i + 1) * chunk] for k, v in cols.items()}
        )
    store.finish_run(rid, {"mean": float(cols["outcome.concede"].mean())})
    return rid


def test_two_processes_write_at_once(tmp_path: Path) -> None:
    path = str(tmp_path / "s.duckdb")
    earlier = _writer(path, 99, 2, 50)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        ids = pool.starmap(_writer, [(path, 1, 12, 500), (path, 2, 12, 500)])
    store = Store(path)
    runs = {r.id: r for r in store.list_runs()}
    assert set(runs) == {earlier, *ids}
    for rid, seed in zip(ids, (1, 2), strict=True):
        assert runs[rid].status == "complete" and runs[rid].n_samples == 6000
        out = store.samples(rid)
        for name, arr in _columns(6000, seed).items():
            np.testing.assert_array_equal(out[name], arr)
    np.testing.assert_array_equal(
        store.samples(earlier)["metric.payoff"], _columns(100, 99)["metric.payoff"]
    )
    con = duckdb.connect(path)
    con.execute("CHECKPOINT")
    assert con.execute("SELECT count(*), count(DISTINCT id) FROM runs").fetchall() == [(3, 3)]
    assert con.execute("SELECT count(*) FROM columns").fetchall() == [(12,)]
    con.close()


KILLED_WRITER = """
import sys, numpy as np
from brink.store import Store
store = Store(sys.argv[1])
rid = store.begin_run("run", "doomed", "name: doomed\\n", 5, "0.1.0", {})
print(rid, flush=True)
i = 0
while True:
    store.add_samples(rid, i * 1000, {"x": np.full(1000, float(i)), "k": np.arange(1000)})
    print(i, flush=True)
    i += 1
"""


def test_killed_run_is_not_complete_and_earlier_runs_intact(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    earlier = _writer(str(path), 7, 3, 100)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    rid = proc.stdout.readline().strip()
    for _ in range(3):
        proc.stdout.readline()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()

    store = Store(path)
    runs = {r.id: r for r in store.list_runs()}
    assert runs[rid].status == "interrupted"
    assert runs[earlier].status == "complete"
    assert [r.id for r in store.list_runs() if r.status == "complete"] == [earlier]
    out = store.samples(rid)
    n = out["sample"].shape[0]
    assert n >= 3000 and n % 1000 == 0
    np.testing.assert_array_equal(out["x"], np.repeat(np.arange(n // 1000, dtype=float), 1000))
    np.testing.assert_array_equal(
        store.samples(earlier)["outcome.concede"], _columns(300, 7)["outcome.concede"]
    )
    later = store.begin_run("run", "after", SCENARIO, 1, "0.1.0", {})
    store.finish_run(later, {})
    assert store.get_run(later).status == "complete"


# ------------------------------------------------- paths the store must not touch
def test_new_store_is_created_whole_and_nothing_else_is_left(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "runs.duckdb"
    store = Store(path)
    assert store.list_runs() == []
    assert sorted(p.name for p in path.parent.iterdir()) == ["runs.duckdb", "runs.duckdb.lock"]
    assert path.stat().st_nlink == 1


@pytest.mark.parametrize("kind", ["empty", "directory", "fifo"])
def test_store_never_unlinks_what_it_is_given(tmp_path: Path, kind: str) -> None:
    """0.1.0 treated any empty path as a new store and unlinked it first."""
    path = tmp_path / "given"
    if kind == "empty":
        path.touch()
    elif kind == "directory":
        path.mkdir()
        (path / "mine.txt").write_text("mine")
    else:
        os.mkfifo(path)
    inode = os.lstat(path).st_ino
    with pytest.raises(InputError, match=r"empty file|is a directory|FIFO"):
        Store(path)
    assert os.lstat(path).st_ino == inode
    if kind == "directory":
        assert (path / "mine.txt").read_text() == "mine"


def _filled(path: Path) -> str:
    store = Store(path)
    rid = store.begin_run("run", "toy", SCENARIO, 3, "0.1.0", {})
    store.add_samples(rid, 0, {"x": np.arange(4.0)})
    store.finish_run(rid, {"p": 0.5})
    return rid


def _reads_work(path: Path, rid: str, tmp_path: Path) -> None:
    store = Store(path)
    assert [r.id for r in store.list_runs()] == [rid]
    assert store.get_run(rid).summary == {"p": 0.5}
    np.testing.assert_array_equal(store.samples(rid)["x"], np.arange(4.0))
    out = store.export(rid, tmp_path / "out.csv", format="csv")
    assert out.read_text().splitlines()[0] == "sample,x"


def test_store_whose_lock_cannot_be_created_can_still_be_read(tmp_path: Path) -> None:
    """Works as root too: ``<store>.lock`` is a directory, so it cannot be opened for writing."""
    path = tmp_path / "s.duckdb"
    rid = _filled(path)
    (tmp_path / "s.duckdb.lock").unlink()
    (tmp_path / "s.duckdb.lock").mkdir()
    _reads_work(path, rid, tmp_path)
    with pytest.raises(InputError, match=r"cannot be written.*lock file.*--no-store"):
        Store(path).begin_run("run", "toy", SCENARIO, 1, "0.1.0", {})
    assert [r.id for r in Store(path).list_runs()] == [rid]


@pytest.mark.parametrize("fallback", ["temporary lock", "no lock"])
def test_read_lock_falls_back_when_the_folder_is_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fallback: str
) -> None:
    """Opening ``<store>.lock`` fails as in a read-only folder (EROFS); reads still work."""
    import errno

    import brink.store

    path = tmp_path / "s.duckdb"
    rid = _filled(path)
    lock = str(tmp_path / "s.duckdb.lock")
    real_open = os.open
    opened: list[str] = []

    def guarded(name: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        name = os.fspath(name)
        if name == lock or (fallback == "no lock" and name.endswith(".lock")):
            raise OSError(errno.EROFS, "Read-only file system", name)
        opened.append(name)
        return real_open(name, flags, mode)

    monkeypatch.setattr(brink.store.os, "open", guarded)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the fallback lock goes here
    _reads_work(path, rid, tmp_path)
    if fallback == "temporary lock":
        assert any(Path(p).parent == tmp_path and "brink-store-" in p for p in opened)
    else:
        assert not any(p.endswith(".lock") for p in opened)
    with pytest.raises(InputError, match=r"cannot be written.*Read-only file system"):
        Store(path).finish_run(rid, {"p": 1.0})
    assert Store(path).get_run(rid).summary == {"p": 0.5}


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permission bits")
def test_store_in_a_read_only_folder_can_be_read(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    path = folder / "s.duckdb"
    rid = _filled(path)
    (folder / "s.duckdb.lock").unlink()
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        _reads_work(path, rid, tmp_path)
        with pytest.raises(InputError, match="cannot be written"):
            Store(path).begin_run("run", "toy", SCENARIO, 1, "0.1.0", {})
        with pytest.raises(InputError, match="cannot"):
            Store(folder / "new.duckdb")
    finally:
        folder.chmod(0o755)


def test_list_runs_refuses_an_unknown_kind(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    with pytest.raises(InputError, match=r"unknown run kind 'bogus'.*run, sensitivity, discovery"):
        store.list_runs(kind="bogus")


# ---------------------------------------------------------------- the per-sample store
_OLD_LAYOUT = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE runs (
    id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, scenario_name VARCHAR NOT NULL,
    scenario_text VARCHAR NOT NULL, scenario_hash VARCHAR NOT NULL, seed BIGINT NOT NULL,
    version VARCHAR NOT NULL, parameters VARCHAR NOT NULL, status VARCHAR NOT NULL,
    created VARCHAR NOT NULL, finished VARCHAR, summary VARCHAR, message VARCHAR,
    parent_id VARCHAR, position BIGINT, pid BIGINT, host VARCHAR
);
CREATE TABLE columns (
    run_id VARCHAR NOT NULL, name VARCHAR NOT NULL, dtype VARCHAR NOT NULL,
    position BIGINT NOT NULL, PRIMARY KEY (run_id, name)
);
"""


def _old_store(path: Path) -> tuple[str, dict[str, np.ndarray]]:
    """A store as brink 0.1 wrote it, by hand: schema 1, a run whose samples are its
    parameters (float32-rounded), outcomes and ``failed`` (no metrics, no path)."""
    rid = "0123456789ab"
    cols = {
        "game.p": np.array([0.25, 0.75, 0.5], dtype=np.float32).astype(np.float64),
        "challenge": np.array([1.0, 0.0, np.nan]),
        "failed": np.array([False, False, True]),
    }
    summary = (
        '{"failed": 1, "metrics": {}, "outcomes": {"challenge": {"ci95": [0.0, 1.0], "p": 0.5}}, '
        '"paths": [{"path": ["demand"], "share": 0.5}], "samples": 3, "scenario": "toy", '
        '"seed": 7, "solver": "auto", "version": "0.1.0"}'
    )
    con = duckdb.connect(str(path))
    con.execute(_OLD_LAYOUT)
    con.execute("INSERT INTO meta VALUES ('format', 'brink-store'), ('schema_version', '1'), ('created', 'x')")
    con.execute(
        "INSERT INTO runs VALUES (?, 'run', 'toy', ?, ?, 7, '0.1.0', '{\"samples\": 3, \"solver\": \"auto\"}', "
        "'complete', '2025-01-01T00:00:00', '2025-01-01T00:00:01', ?, NULL, NULL, NULL, 1, 'elsewhere')",
        [rid, SCENARIO, scenario_hash(SCENARIO), summary],
    )
    con.execute(
        f'CREATE TABLE "samples_{rid}" (sample BIGINT NOT NULL, "game.p" DOUBLE, challenge DOUBLE, failed BOOLEAN)'
    )
    for i, name in enumerate(cols):
        con.execute("INSERT INTO columns VALUES (?, ?, ?, ?)", [rid, name, {"failed": "BOOLEAN"}.get(name, "DOUBLE"), i])
    for k in range(3):
        con.execute(
            f'INSERT INTO "samples_{rid}" VALUES (?, ?, ?, ?)',
            [k, float(cols["game.p"][k]), float(cols["challenge"][k]), bool(cols["failed"][k])],
        )
    con.close()
    return rid, cols


def test_a_store_written_before_metrics_and_paths_still_opens_and_lists(tmp_path: Path) -> None:
    from brink.runs.montecarlo import RunResult

    path = tmp_path / "old.duckdb"
    rid, cols = _old_store(path)
    before = path.read_bytes()
    store = Store(path)
    assert [r.id for r in store.list_runs()] == [rid]
    record = store.get_run(rid)
    assert record.status == "complete" and record.n_samples == 3 and record.summary is not None
    rows = store.samples(rid)
    for name, values in cols.items():
        np.testing.assert_array_equal(rows[name], values)
    result = RunResult.from_store(store, rid)
    assert result.outcomes["challenge"]["p"] == 0.5 and result.seed == 7
    df = result.to_pandas()
    assert list(df.columns) == list(cols)
    assert result.roles() == {
        "game.p": ("parameter", "game.p"), "challenge": ("outcome", "challenge"), "failed": ("failed", "failed")
    }
    assert path.read_bytes() == before  # reading never rewrites an old store


def test_diff_pairs_runs_on_common_random_numbers(tmp_path: Path) -> None:
    from scipy import stats

    store = Store(tmp_path / "runs.duckdb")
    rng = np.random.default_rng(0)
    common = rng.normal(size=400)  # the shared draws: the two runs are strongly correlated
    x = common + 0.1 * rng.normal(size=400)
    y = common + 0.05 + 0.1 * rng.normal(size=400)
    y[3] = np.nan  # a failed sample is left out of both means and of the pairs
    ids = []
    for seed, values in ((1, x), (1, y), (2, y)):
        rid = store.begin_run("run", "toy", SCENARIO, seed, "0.1.0", {"samples": 400})
        store.add_samples(rid, 0, {"v": values})
        store.finish_run(rid, {})
        ids.append(rid)
    d = store.diff(ids[0], ids[1])
    assert d["paired"] is True and d["scenario_diff"] == []
    entry = d["columns"]["v"]
    ok = np.isfinite(y)
    diffs = y[ok] - x[ok]
    assert entry["paired"]["n"] == 399 and entry["method"] == "paired"
    assert entry["paired"]["delta"] == pytest.approx(diffs.mean())
    half = stats.t.ppf(0.975, 398) * diffs.std(ddof=1) / np.sqrt(399)
    assert entry["interval"] == pytest.approx([diffs.mean() - half, diffs.mean() + half])
    welch = stats.ttest_ind(y[ok], x, equal_var=False).confidence_interval(0.95)
    assert entry["welch"] == pytest.approx([welch.low, welch.high])
    assert entry["delta"] == pytest.approx(np.nanmean(y) - x.mean())
    assert entry["interval"][1] - entry["interval"][0] < (welch.high - welch.low) / 5
    unpaired = store.diff(ids[0], ids[2])  # another seed: other draws, no pairs
    assert unpaired["paired"] is False and "paired" not in unpaired["columns"]["v"]
    assert unpaired["columns"]["v"]["method"] == "welch"
    assert unpaired["columns"]["v"]["interval"] == pytest.approx([welch.low, welch.high])
