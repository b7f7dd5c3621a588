"""A full (or read-only) disk on every write path (issue 25): one line naming the path and
"no space left", exit status 2, the old target intact, never a traceback.

The disk is a small tmpfs mounted for each test, filled to the last byte; mounting needs
root (the CI runs as root), so elsewhere the tests skip with the reason.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from brink_in_process import invoke

SIZE = "16m"


def _mount(folder: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (the CI runs as root)")
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"this machine does not allow mounting a tmpfs: {done.stderr.strip()}")


def _fill(folder: Path) -> None:
    """Write zeros until the file system is full (to the last byte)."""
    fd = os.open(folder / "fill", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for size in (65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "disk"
    _mount(folder)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


OLD = "old contents\n"


def _one_line(status: int, err: str, path: Path, words: str) -> None:
    assert status == 2, err
    assert "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1 or "\n" not in " ".join(err.split()), err
    text = " ".join(err.split())
    assert str(path) in text, text
    assert words in text, text


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["report", "deterrence-rudimentary", "-n", "10", "--sensitivity-samples", "4", "--no-store", "-o", "{t}"],
         "r.html"),
        (["export", "deterrence-rudimentary", "-o", "{t}"], "x.json"),
        (["export", "deterrence-rudimentary", "--sample", "0", "-o", "{t}"], "x.efg"),
        (["simulate", "ukraine-2022", "-n", "10", "--no-store", "--table", "{t}"], "t.csv"),
        (["sweep", "deterrence-rudimentary", "--grid", "game.challenger_dc=0.5,1", "-n", "5", "-o", "{t}"], "p.parquet"),
        (["init", "{t}"], "i.yaml"),
    ],
    ids=["report", "export-json", "export-efg", "simulate-table", "sweep", "init"],
)
def test_a_full_disk_leaves_the_old_target(disk: Path, argv: list[str], name: str) -> None:
    target = disk / name
    if name != "i.yaml":  # init never overwrites: it writes a new file
        target.write_text(OLD)
    _fill(disk)
    status, err = invoke([a.replace("{t}", str(target)) for a in argv])
    _one_line(status, err, target, "no space left")
    assert target.read_text() == OLD if name != "i.yaml" else not target.exists()
    assert sorted(p.name for p in disk.iterdir()) == sorted({"fill", *([name] if name != "i.yaml" else [])})


def test_runs_export_on_a_full_disk(disk: Path, tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    assert invoke(["run", "deterrence-rudimentary", "-n", "10", "--store", str(store)])[0] == 0
    from brink.store import Store

    (record,) = Store(store).list_runs()
    target = disk / "e.parquet"
    target.write_text(OLD)
    _fill(disk)
    status, err = invoke(["runs", "export", record.id, "-o", str(target), "--store", str(store)])
    _one_line(status, err, target, "no space left")
    assert target.read_text() == OLD


@pytest.mark.shared
def test_data_crises_on_a_full_disk(disk: Path, shared_dir: Path) -> None:
    target = disk / "c.parquet"
    target.write_text(OLD)
    _fill(disk)
    status, err = invoke(["data", "crises", "--shared", str(shared_dir), "--out", str(target)])
    _one_line(status, err, target, "no space left")
    assert target.read_text() == OLD


def test_the_run_store_on_a_full_disk_keeps_its_runs(disk: Path) -> None:
    from brink.store import Store

    store = disk / "runs.duckdb"
    assert invoke(["run", "deterrence-rudimentary", "-n", "10", "--store", str(store)])[0] == 0
    before = [r.id for r in Store(store).list_runs()]
    _fill(disk)
    status, err = invoke(["run", "ukraine-2022", "-n", "20000", "--store", str(store)])
    _one_line(status, err, store, "no space left")
    (disk / "fill").unlink()
    after = Store(store).list_runs()
    assert [r.id for r in after if r.status == "complete"] == before


def test_a_new_store_on_a_full_disk(disk: Path) -> None:
    _fill(disk)
    store = disk / "runs.duckdb"
    status, err = invoke(["run", "deterrence-rudimentary", "-n", "10", "--store", str(store)])
    _one_line(status, err, store, "no space left")
    assert not store.exists()


def test_a_read_only_disk(disk: Path) -> None:
    target = disk / "x.json"
    target.write_text(OLD)
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    status, err = invoke(["export", "deterrence-rudimentary", "-o", str(target)])
    _one_line(status, err, target, "read-only")
    assert target.read_text() == OLD
