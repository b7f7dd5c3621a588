"""brink writes only what it was asked to write: ``-o`` targets, figures and the run store.

Issue #10 items 1, 2 and 10.  Special files are made in a temporary folder only: fake
character devices with ``os.mknod`` (skipped where that is not permitted), FIFOs with
``os.mkfifo`` and Unix sockets; real ``/dev`` nodes are never touched.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from brink.errors import InputError


def _device(path: Path) -> Path:
    """A fake character device (major 1, minor 3: what /dev/null is) at ``path``."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _directory(path: Path) -> Path:
    path.mkdir()
    return path


@contextlib.contextmanager
def _socket(path: Path) -> Iterator[Path]:
    if len(str(path)) > 100:
        pytest.skip("temporary path too long for a Unix socket")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(path))
        yield path
    finally:
        sock.close()


SPECIAL: dict[str, tuple[Callable[[Path], Path], str]] = {
    "device": (_device, "character device"),
    "fifo": (_fifo, "FIFO"),
    "directory": (_directory, "directory"),
}


def _kind(path: Path) -> int:
    return stat.S_IFMT(os.lstat(path).st_mode)


def brink_main(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str]:
    """Exit status and stderr of the real entry point (``brink.cli.main``)."""
    from brink.cli import main

    monkeypatch.setattr(sys, "argv", ["brink", *args])
    with pytest.raises(SystemExit) as stop:
        main()
    code = stop.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


# ---------------------------------------------------------------- brink.output
@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_check_target_refuses_special_files(tmp_path: Path, kind: str) -> None:
    from brink.output import write_text

    make, words = SPECIAL[kind]
    target = make(tmp_path / "target")
    before = _kind(target)
    with pytest.raises(InputError, match=words):
        write_text(target, "x")
    assert _kind(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]  # no temporary left


def test_check_target_refuses_a_socket(tmp_path: Path) -> None:
    from brink.output import write_text

    with _socket(tmp_path / "s") as path:
        with pytest.raises(InputError, match="socket"):
            write_text(path, "x")
        assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_symlink_to_a_device_is_refused_and_link_to_a_file_followed(tmp_path: Path) -> None:
    from brink.output import write_text

    dev = _device(tmp_path / "dev")
    link = tmp_path / "link"
    link.symlink_to(dev)
    with pytest.raises(InputError, match="character device"):
        write_text(link, "x")
    assert link.is_symlink() and stat.S_ISCHR(os.stat(link).st_mode)

    real = tmp_path / "real.txt"
    real.write_text("old")
    to_file = tmp_path / "to_file"
    to_file.symlink_to(real)
    write_text(to_file, "new")
    assert to_file.is_symlink() and real.read_text() == "new"


def test_missing_folder_needs_parents(tmp_path: Path) -> None:
    from brink.output import write_text

    target = tmp_path / "a" / "b" / "out.txt"
    with pytest.raises(
        InputError, match=r"folder .*a/b does not exist\. Create it or pass --parents"
    ):
        write_text(target, "x")
    assert not (tmp_path / "a").exists()
    write_text(target, "x", parents=True)
    assert target.read_text() == "x"


def test_parent_that_is_a_file_is_refused(tmp_path: Path) -> None:
    from brink.output import check_target

    (tmp_path / "file").write_text("mine")
    with pytest.raises(InputError, match=r"is not a folder|does not exist|cannot"):
        check_target(tmp_path / "file" / "out.txt", parents=True)
    assert (tmp_path / "file").read_text() == "mine"


def test_existing_file_is_replaced_whole_and_keeps_its_mode(tmp_path: Path) -> None:
    from brink.output import write_text

    target = tmp_path / "out.txt"
    target.write_text("old content that is longer than the new one")
    target.chmod(0o600)
    write_text(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    fresh = tmp_path / "fresh.txt"
    write_text(fresh, "x")
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    from brink.output import replacing

    target = tmp_path / "out.csv"
    target.write_text("keep me")
    with pytest.raises(RuntimeError), replacing(target) as tmp:
        assert tmp.name == "out.csv" and tmp.parent != tmp_path
        tmp.write_text("half")
        raise RuntimeError("writer died")
    assert target.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


# ------------------------------------------------------------- brink export -o
@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_export_refuses_special_targets(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """0.1.0 renamed its temporary file over the target: a device became a regular file."""
    make, words = SPECIAL[kind]
    target = make(tmp_path / "g.efg")
    before = _kind(target)
    code, err = brink_main(
        capsys, monkeypatch, "export", "ukraine-2022-exchange", "--format", "efg", "-o", str(target)
    )
    assert code == 2 and words in err and "Traceback" not in err
    assert _kind(target) == before


def test_export_refuses_a_socket(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with _socket(tmp_path / "sock") as path:
        code, err = brink_main(
            capsys, monkeypatch, "export", "ukraine-2022-exchange", "--format", "json", "-o", str(path)
        )
        assert code == 2 and "socket" in err
        assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_export_missing_folder_and_parents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "new" / "deeper" / "g.json"
    code, err = brink_main(capsys, monkeypatch, "export", "ukraine-2022-exchange", "-o", str(target))
    assert code == 2 and "does not exist" in err and "--parents" in err
    assert not (tmp_path / "new").exists()
    from typer.testing import CliRunner

    from brink.cli import app

    result = CliRunner().invoke(app, ["export", "ukraine-2022-exchange", "-o", str(target), "--parents"])
    assert result.exit_code == 0, result.output
    assert target.read_text().startswith("{")


# ------------------------------------------------------------- brink report -o
@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_report_refuses_special_targets_before_computing(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make, words = SPECIAL[kind]
    target = make(tmp_path / "r.html")
    before = _kind(target)
    import brink.report

    def no_report(*args: object, **kwargs: object) -> None:
        raise AssertionError("the report was computed before the target was checked")

    monkeypatch.setattr(brink.report, "build_report", no_report)
    code, err = brink_main(capsys, monkeypatch, "report", "ukraine-2022-exchange", "-o", str(target))
    assert code == 2 and words in err
    assert _kind(target) == before


def test_report_missing_folder_needs_parents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:

    target = tmp_path / "nope" / "r.html"
    code, err = brink_main(capsys, monkeypatch, "report", "ukraine-2022-exchange", "-o", str(target))
    assert code == 2 and "folder" in err and "--parents" in err
    assert not target.parent.exists()
    figures = tmp_path / "file.png"
    figures.write_text("mine")
    code, err = brink_main(
        capsys,
        monkeypatch,
        "report",
        "ukraine-2022-exchange",
        "-o",
        str(tmp_path / "r.html"),
        "--figures",
        str(figures),
    )
    assert code == 2 and "not a folder" in err and figures.read_text() == "mine"


def test_write_report_and_figures_are_safe(tmp_path: Path) -> None:
    from brink.report import write_figures, write_report

    fifo = _fifo(tmp_path / "r.html")
    with pytest.raises(InputError, match="FIFO"):
        write_report(fifo, "<html></html>")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    with pytest.raises(InputError, match="--parents"):
        write_report(tmp_path / "a" / "r.html", "<html></html>")
    out = write_report(tmp_path / "a" / "r.html", "<html></html>", parents=True)
    assert out.read_text() == "<html></html>"
    with pytest.raises(InputError, match="--parents"):
        write_figures(tmp_path / "x" / "figs", {})
    assert not (tmp_path / "x").exists()
    assert write_figures(tmp_path / "figs", {}) == [] and (tmp_path / "figs").is_dir()


def test_sensitivity_figure_refuses_a_fifo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = _fifo(tmp_path / "chart.png")
    code, err = brink_main(
        capsys,
        monkeypatch,
        "sensitivity",
        "ukraine-2022-exchange",
        "--outcome",
        "leader_survives",
        "--figure",
        str(fifo),
        "--no-store",
    )
    assert code == 2 and "FIFO" in err and "--figure" in err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


# -------------------------------------------------------------------- --store
@pytest.mark.parametrize("kind", [*sorted(SPECIAL), "empty", "symlink-to-device", "dangling"])
def test_store_refuses_what_is_not_a_store_and_keeps_it(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """0.1.0 unlinked an empty file or a device node and put a DuckDB file in its place."""
    path = tmp_path / "store"
    if kind in SPECIAL:
        SPECIAL[kind][0](path)
        words = SPECIAL[kind][1]
    elif kind == "empty":
        path.touch()
        words = "empty file"
    elif kind == "symlink-to-device":
        path.symlink_to(_device(tmp_path / "dev"))
        words = "character device"
    else:
        path.symlink_to(tmp_path / "nowhere")
        words = "does not exist"
    before = _kind(path)
    for args in (["runs", "list"], ["run", "ukraine-2022-exchange", "-n", "8"]):
        code, err = brink_main(capsys, monkeypatch, *args, "--store", str(path))
        assert code == 2 and words in err and "Traceback" not in err, err
        assert _kind(path) == before
    if kind == "empty":
        assert path.stat().st_size == 0
    assert not (tmp_path / "store.lock").exists()
    assert not (tmp_path / "nowhere").exists()


def test_store_given_as_directory_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRINK_STORE", str(tmp_path))
    code, err = brink_main(capsys, monkeypatch, "runs", "list")
    assert code == 2 and "is a directory" in err and "runs.duckdb" in err
    assert "IsADirectoryError" not in err


def test_runs_export_refuses_special_targets_and_missing_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    from brink.store import Store

    store_path = tmp_path / "s.duckdb"
    store = Store(store_path)
    rid = store.begin_run("run", "toy", "name: toy\n", 1, "0.1.0", {})
    store.add_samples(rid, 0, {"x": np.arange(3.0)})
    store.finish_run(rid, {})
    for kind, (make, words) in SPECIAL.items():
        target = make(tmp_path / f"out-{kind}.csv")
        before = _kind(target)
        code, err = brink_main(
            capsys,
            monkeypatch,
            "runs",
            "export",
            rid,
            "-f",
            "csv",
            "-o",
            str(target),
            "--store",
            str(store_path),
        )
        assert code == 2 and words in err, err
        assert _kind(target) == before
    target = tmp_path / "sub" / "x.csv"
    code, err = brink_main(
        capsys,
        monkeypatch,
        "runs",
        "export",
        rid,
        "-f",
        "csv",
        "-o",
        str(target),
        "--store",
        str(store_path),
    )
    assert code == 2 and "--parents" in err and not target.parent.exists()
    from typer.testing import CliRunner

    from brink.cli import app

    result = CliRunner().invoke(
        app,
        [
            "runs",
            "export",
            rid,
            "-f",
            "csv",
            "-o",
            str(target),
            "--parents",
            "--store",
            str(store_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert target.read_text().splitlines() == ["sample,x", "0,0.0", "1,1.0", "2,2.0"]
    before = store_path.read_bytes()
    for onto in (store_path, tmp_path / "s.duckdb.lock"):
        code, err = brink_main(
            capsys, monkeypatch, "runs", "export", rid, "-o", str(onto), "--store", str(store_path)
        )
        assert code == 2 and "is the run store itself" in err
    assert store_path.read_bytes() == before
