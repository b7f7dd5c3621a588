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
* A write that fails for a reason the user can fix (a full disk or quota, a read-only file
  system, no permission, a name longer than the file system takes) ends in one
  :class:`~brink.errors.InputError` naming the path and the class of failure
  (:func:`os_error_message`), the old target untouched; DuckDB's and Arrow's own errors for
  them are recognised by their text (:func:`disk_error`).

Checking and writing are separate steps (:func:`check_target`, then :func:`write_text` or
:func:`replacing`) so that a long computation can refuse a bad ``-o`` before it starts.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from brink.errors import InputError

__all__ = ["check_target", "describe_mode", "disk_error", "os_error_message", "replacing", "write_text"]

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


#: What the writer says for the failures a user can fix by choosing another path or freeing
#: space, one sentence per class (errno), instead of a traceback.
_CLASSES = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "no space left: the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENAMETOOLONG: "the name is longer than this file system allows",
    errno.EIO: "the device reported an input/output error",
    errno.EFBIG: "the file is larger than this file system allows",
}
#: The same classes as they appear in the text of errors that are not :class:`OSError`
#: (DuckDB's ``IOException``, Arrow's errors): ``strerror`` of each errno.
_PHRASES = {os.strerror(code): code for code in _CLASSES}


def disk_error(exc: BaseException) -> int | None:
    """The errno of ``exc`` if it is one of the write failures with a message of its own
    (a full, read-only or quota-bound disk, a name too long), else ``None``.

    Looks at :class:`OSError` and at the text of other errors (DuckDB and Arrow report a
    full disk as their own exception types, quoting ``strerror``).
    """
    if isinstance(exc, OSError) and exc.errno in _CLASSES:
        return exc.errno
    text = str(exc)
    for phrase, code in _PHRASES.items():
        if phrase in text:
            return code
    return None


def os_error_message(exc: BaseException, path: str | os.PathLike[str], option: str) -> InputError:
    """The one-line :class:`InputError` for a failed write of ``path``: the class of failure
    (``no space left``, read-only, name too long...), the path, and what to do."""
    code = disk_error(exc)
    what = _CLASSES[code] if code is not None else getattr(exc, "strerror", None) or str(exc)
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        fix = f"Free some space, or choose another place with {option}; any old file there is left as it was"
    elif code == errno.ENAMETOOLONG:
        fix = f"Choose a shorter name (at most {_name_max(Path(path).parent)} bytes) with {option}"
    else:
        fix = f"Choose another place with {option}; any old file there is left as it was"
    return InputError(f"cannot write: {what}", str(path), fix)


def _name_max(folder: Path) -> int:
    """The longest file name (bytes) the file system of ``folder`` takes (255 on most)."""
    try:
        return int(os.pathconf(folder if folder.is_dir() else ".", "PC_NAME_MAX"))
    except (OSError, ValueError):
        return 255


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
    try:
        too_long = len(os.fsencode(given.expanduser().name)) > _name_max(given.expanduser().parent)
        if too_long:
            raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), str(given))
        target = _resolved(given)
    except OSError as exc:
        raise os_error_message(exc, given, option) from None
    shown = str(given) if target == given.expanduser() else f"{given} (-> {target})"
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise os_error_message(exc, shown, option) from None
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
        # the folder's name stays short whatever the target's (a name may be 255 bytes)
        scratch = Path(
            tempfile.mkdtemp(prefix=f".{target.name[:64]}.", suffix=".tmp", dir=target.parent)
        )
    except OSError as exc:
        raise os_error_message(exc, path, option) from None
    try:
        tmp = scratch / target.name
        try:
            yield tmp
        except Exception as exc:
            if disk_error(exc) is None:
                raise
            raise os_error_message(exc, path, option) from None
        if not tmp.is_file():
            raise InputError(
                f"nothing was written for {target}", str(path), "This is a bug in brink"
            )
        try:
            os.chmod(tmp, _mode_for(target))
            check_target(target, parents=False, option=option)
            os.replace(tmp, target)
        except OSError as exc:
            raise os_error_message(exc, path, option) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def write_text(
    path: str | os.PathLike[str], text: str, *, parents: bool = False, option: str = "-o"
) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; see the module notes for what is refused.

    Returns:
        The path written (symbolic links resolved).
    """
    with replacing(path, parents=parents, option=option) as tmp, open(tmp, "x", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    return _resolved(Path(path))
