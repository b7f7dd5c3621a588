"""Writing the files a user names (``-o``, ``--output``, ``--figures``): the one safe writer.

Every command that writes a user-named file goes through this module, so that they all
keep the same promise: brink replaces only what it was asked to write, and never leaves a
half-written file behind.

* The target must be a regular file or a path that does not exist yet.  A directory, a
  device node, a FIFO or a socket is refused with :class:`~brink.errors.InputError`
  (exit status 2) before anything is written: an atomic rename onto ``/dev/full`` would
  otherwise replace the device with a regular file.
* A missing parent folder is an error unless the caller asks for it to be created
  (``--parents``), so a typo in a path does not silently create a tree of folders.
* The content is written to a private temporary folder next to the target and renamed
  over it only once complete (:func:`os.replace`), so an existing file is either left
  untouched or fully replaced, never truncated.  The new file gets the mode an ordinary
  ``open(path, "w")`` would give it (an overwritten file keeps its mode).
* A symbolic link to a regular file is followed: the file it points at is replaced and
  the link stays.

Checking and writing are separate steps (:func:`check_target`, then :func:`write_text` or
:func:`replacing`) so that a long computation can refuse a bad ``-o`` before it starts.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from brink.errors import InputError

__all__ = ["check_target", "describe_mode", "replacing", "write_text"]

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def describe_mode(mode: int) -> str:
    """What kind of file ``mode`` (from :func:`os.stat`) is, in words: ``"a directory"``, ..."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def _resolved(path: Path) -> Path:
    """``path`` with ``~`` expanded and a symbolic link (chain) replaced by what it points at."""
    path = path.expanduser()
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def check_target(
    path: str | os.PathLike[str], *, parents: bool = False, option: str = "-o"
) -> Path:
    """The file to write for ``path``, after refusing what must not be written.

    Args:
        path: The user's output path.
        parents: Create missing parent folders (``--parents``); otherwise they are an error.
        option: The option that named the path, for the message.

    Returns:
        The path to write (symbolic links resolved, ``~`` expanded).

    Raises:
        InputError: ``path`` is not a regular file (a directory, device, FIFO or socket),
            its folder does not exist (without ``parents``) or is not a folder.
    """
    given = Path(path)
    target = _resolved(given)
    shown = str(given) if target == given.expanduser() else f"{given} (-> {target})"
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise InputError(
            f"cannot write here: {exc.strerror}", shown, f"Choose another file with {option}"
        ) from None
    if mode is not None and not stat.S_ISREG(mode):
        raise InputError(
            f"is {describe_mode(mode)}, not a regular file; brink writes only regular files "
            "and left it untouched",
            shown,
            f"Give the name of a file inside it with {option}"
            if stat.S_ISDIR(mode)
            else f"Give the path of a regular file with {option}",
        )
    folder = target.parent
    if not folder.exists():
        if not parents:
            raise InputError(
                f"folder {folder} does not exist",
                shown,
                "Create it or pass --parents",
            )
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"cannot create folder {folder}: {exc.strerror}",
                shown,
                f"Choose another file with {option}",
            ) from None
    elif not folder.is_dir():
        raise InputError(f"{folder} is not a folder", shown, f"Choose another file with {option}")
    return target


def _mode_for(target: Path) -> int:
    """The permission bits the written file gets: the old file's, else ``0o666 & ~umask``."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def replacing(
    path: str | os.PathLike[str], *, parents: bool = False, option: str = "-o"
) -> Iterator[Path]:
    """A temporary path to write instead of ``path``, renamed over it when the block succeeds.

    The temporary file has the same name (so writers that go by the suffix, such as
    DuckDB's ``COPY`` or matplotlib, see the right one) inside a private folder next to
    the target; it is removed whatever happens.  ``path`` is checked first
    (:func:`check_target`) and again just before the rename.
    """
    target = check_target(path, parents=parents, option=option)
    try:
        scratch = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        )
    except OSError as exc:
        raise InputError(
            f"cannot write in {target.parent}: {exc.strerror}",
            str(path),
            f"Choose a writable folder with {option}",
        ) from None
    try:
        tmp = scratch / target.name
        yield tmp
        if not tmp.is_file():
            raise InputError(
                f"nothing was written for {target}", str(path), "This is a bug in brink"
            )
        os.chmod(tmp, _mode_for(target))
        check_target(target, parents=False, option=option)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def write_text(
    path: str | os.PathLike[str], text: str, *, parents: bool = False, option: str = "-o"
) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; see the module notes for what is refused.

    Returns:
        The path written (symbolic links resolved).
    """
    with (
        replacing(path, parents=parents, option=option) as tmp,
        open(tmp, "x", encoding="utf-8") as out,
    ):
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    return _resolved(Path(path))
