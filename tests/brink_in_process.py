"""``brink ARGV`` run in this process, as the console script runs it (for the fuzz tests'
capped child processes, where starting a new interpreter per example would cost seconds)."""

from __future__ import annotations

import contextlib
import io
import sys


def invoke(argv: list[str]) -> tuple[int, str]:
    """``brink ARGV`` in process: (exit status, stderr)."""
    from brink.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = ["brink", *argv]
    code: int | str | None = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv = saved
    status = 0 if code is None else code
    assert isinstance(status, int), f"brink {argv}: exit {status!r}"
    return status, err.getvalue()
