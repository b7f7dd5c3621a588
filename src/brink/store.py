"""The run store: every run, sweep and analysis brink performs, in one DuckDB file.

A run is a function of (scenario, seed, version) (see docs/design.md §3); the store keeps
exactly those inputs (the scenario text and its SHA-256, the seed, brink's version and
the run's parameters) next to its per-sample results and a JSON summary, so that any
number brink reported can be traced back, compared (:meth:`Store.diff`) and shared
(:meth:`Store.export`, DuckDB's own ``COPY``).

Layout (schema version :data:`SCHEMA_VERSION`):

* ``meta(key, value)``: ``format = brink-store`` and ``schema_version``.
* ``runs``: one row per run: ``id, kind, scenario_name, scenario_text, scenario_hash,
  seed, version, parameters (JSON), status, created, finished, summary (JSON), message,
  parent_id, position, pid, host``.  ``parent_id``/``position`` tie the points of a
  sweep (or the arms of a comparison) to the run that owns them.
* ``columns(run_id, name, dtype, position)``: the per-sample columns of each run.
* ``samples_<run id>``: per-sample results in *wide* format, one row per sample:
  ``sample BIGINT`` (the global sample index) and one column per outcome, metric or
  parameter (``DOUBLE``, ``BIGINT``, ``BOOLEAN`` or ``VARCHAR``), named as given.  A
  Monte Carlo run stores each sample's parameters, outcomes, metrics, its modal ``path``
  (``VARCHAR``) and ``failed`` (:func:`brink.runs.montecarlo.sample_columns`); runs stored
  by earlier versions have parameters and outcomes only, and read the same way.  The
  layout did not change for this (schema 1): every store ever written still opens.

Concurrency.  DuckDB lets one process at a time open a file for writing, so every
operation opens a short-lived connection while holding an OS lock (``fcntl.flock`` on
``<path>.lock``: exclusive for writes, shared for reads), and each write is a single
transaction.  A process killed mid-run therefore leaves its run ``running`` (reported as
``interrupted`` once its process is gone) with the chunks committed so far; it is never
listed as complete, and other runs are untouched.  Readers that cannot create the lock
file (a store in a read-only folder) fall back to a lock in the temporary folder, or to
none: nobody can write such a store anyway.

Paths.  The store is only ever created at a path that does not exist (built aside, then
hard-linked into place); anything else that is not a brink store (an empty file, a
directory, a device node, a FIFO) is refused and left as it was.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import fcntl
import hashlib
import json
import math
import os
import shutil
import socket
import stat
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
from numpy.typing import NDArray

from brink.errors import BrinkError, InputError
from brink.output import describe_mode as _describe_mode
from brink.output import disk_error, os_error_message

__all__ = [
    "KINDS",
    "SCHEMA_VERSION",
    "RunRecord",
    "Store",
    "StoreLockError",
    "default_store_path",
    "json_default",
    "scenario_hash",
]

#: Version of the table layout written into ``meta``; bumped on incompatible changes.
SCHEMA_VERSION = 1
#: What a run can be.
KINDS = ("run", "sensitivity", "discovery", "sweep", "compare", "policies", "explain", "report", "simulate", "fit",
         "backtest")
STATUSES = ("running", "complete", "failed", "interrupted")

_FORMAT = "brink-store"
_DUCKDB_MAGIC = b"DUCK"
_SQL_TYPES = {
    "f": "DOUBLE",
    "i": "BIGINT",
    "u": "BIGINT",
    "b": "BOOLEAN",
    "U": "VARCHAR",
    "O": "VARCHAR",
}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    scenario_name VARCHAR NOT NULL,
    scenario_text VARCHAR NOT NULL,
    scenario_hash VARCHAR NOT NULL,
    seed BIGINT NOT NULL,
    version VARCHAR NOT NULL,
    parameters VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    created VARCHAR NOT NULL,
    finished VARCHAR,
    summary VARCHAR,
    message VARCHAR,
    parent_id VARCHAR,
    position BIGINT,
    pid BIGINT,
    host VARCHAR
);
CREATE TABLE IF NOT EXISTS columns (
    run_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    dtype VARCHAR NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (run_id, name)
);
"""
_RUN_FIELDS = (
    "id, kind, scenario_name, scenario_text, scenario_hash, seed, version, parameters, status, "
    "created, finished, summary, message, parent_id, position, pid, host"
)


class StoreLockError(BrinkError):
    """Another brink process held the store's lock for longer than the timeout."""


def default_store_path() -> Path:
    """Where runs are stored unless ``--store`` says otherwise.

    ``$BRINK_STORE`` if set; else ``$XDG_DATA_HOME/brink/runs.duckdb``; else
    ``~/.local/share/brink/runs.duckdb`` (the XDG base-directory default).
    """
    env = os.environ.get("BRINK_STORE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "brink" / "runs.duckdb"


def scenario_hash(text: str) -> str:
    """SHA-256 (hex) of a scenario's text: two runs with equal hashes read the same scenario."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def json_default(value: Any) -> Any:
    """``json.dumps(default=...)`` for what results hold besides JSON types.

    numpy scalars and arrays as numbers and lists, paths as text, sets sorted; anything
    else is a ``TypeError`` (a bug to fix, not text to store).  The one converter of the
    run store and the command line's ``--json`` (:func:`brink.cli.options.echo_json`).
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dumps(value: Any) -> str:
    return json.dumps(_finite(value), default=json_default, sort_keys=True, allow_nan=False)


def _finite(value: Any) -> Any:
    """NaN/inf become ``None`` so that summaries are strict JSON."""
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return [_finite(v) for v in value.tolist()]
    return value


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class RunRecord:
    """One row of the ``runs`` table, with parsed JSON and the number of stored samples."""

    id: str
    kind: str
    scenario_name: str
    scenario_hash: str
    seed: int
    version: str
    parameters: dict[str, Any]
    status: str
    created: str
    finished: str | None
    summary: dict[str, Any] | None
    message: str | None
    parent_id: str | None
    position: int | None
    n_samples: int
    scenario_text: str = ""

    def to_dict(self, with_scenario: bool = False) -> dict[str, Any]:
        """A JSON-ready dict (the scenario text only on request: it can be long)."""
        data = asdict(self)
        if not with_scenario:
            data.pop("scenario_text")
        return data


class Store:
    """A DuckDB file of runs, safe for several brink processes at once.

    Opening validates the path: a path that does not exist becomes a new store; a file
    that is not a brink store (or was written by a newer schema), an empty file, a
    directory, a device node, a FIFO or a socket raises :class:`~brink.errors.InputError`
    and is left byte-for-byte unmodified.  brink never deletes or replaces the path.  A
    store in a read-only folder (or a read-only store file) can still be read; writing to
    it raises :class:`~brink.errors.InputError` saying so.

    Args:
        path: The DuckDB file (see :func:`default_store_path`).
        timeout: Seconds to wait for another process's lock before giving up.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, timeout: float = 120.0) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self.path = self.path.expanduser()
        self.timeout = float(timeout)
        # Next to the real file, so that every name (symbolic link) of a store shares one lock.
        real = Path(os.path.realpath(self.path))
        self.lock_path = real.with_name(real.name + ".lock")
        self._open()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    # ----------------------------------------------------------------- plumbing
    def _lock_fd(self, exclusive: bool) -> int | None:
        """A file descriptor to ``flock`` for this store, or ``None`` to read without one.

        Writers need ``<store>.lock`` (created if missing).  Readers fall back when it
        cannot be created (a read-only folder, say): to the existing lock file opened
        read-only, then to a lock in the temporary folder keyed by the store's real path,
        then to no lock at all.  Where the lock cannot be created no brink process can
        write the store either (DuckDB writes its journal next to it), so a reader loses
        nothing by this.  ``O_NONBLOCK`` keeps a FIFO in the lock's place from blocking.
        """
        flags = os.O_NONBLOCK | os.O_NOCTTY
        try:
            return os.open(self.lock_path, os.O_RDWR | os.O_CREAT | flags, 0o644)
        except OSError as exc:
            if exclusive:
                raise self._read_only(
                    f"cannot create its lock file {self.lock_path} ({exc.strerror})"
                ) from None
        with contextlib.suppress(OSError):
            return os.open(self.lock_path, os.O_RDONLY | flags)
        digest = hashlib.sha256(
            str(self.path.resolve()).encode("utf-8", "surrogateescape")
        ).hexdigest()
        fallback = Path(tempfile.gettempdir()) / f"brink-store-{digest[:24]}.lock"
        for mode in (os.O_RDWR | os.O_CREAT, os.O_RDONLY):
            with contextlib.suppress(OSError):
                return os.open(fallback, mode | flags, 0o666)
        return None

    def _read_only(self, reason: str) -> InputError:
        if not os.path.lexists(self.path):
            return InputError(
                f"cannot create the run store: {reason}",
                str(self.path),
                "Give a store in a writable folder with --store PATH (or $BRINK_STORE), "
                "or pass --no-store",
            )
        return InputError(
            f"the run store cannot be written: {reason}. Stored runs can still be listed, shown "
            "and exported",
            str(self.path),
            "To store new runs, give a store in a writable folder with --store PATH (or "
            "$BRINK_STORE), or pass --no-store",
        )

    @contextlib.contextmanager
    def _locked(self, exclusive: bool) -> Iterator[None]:
        fd = self._lock_fd(exclusive)
        if fd is None:
            yield
            return
        try:
            mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
            deadline = time.monotonic() + self.timeout
            while True:
                try:
                    fcntl.flock(fd, mode)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise
                    if time.monotonic() >= deadline:
                        raise StoreLockError(
                            f"{self.path}: another brink process has held the run store for "
                            f"more than {self.timeout:g} s. Wait for it to finish, or use "
                            "another store with --store PATH (or $BRINK_STORE)"
                        ) from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def _read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._locked(exclusive=False):
            con = self._connect(read_only=True)
            try:
                yield con
            except duckdb.InterruptException as exc:  # Ctrl-C inside a query
                raise KeyboardInterrupt from exc
            except (duckdb.CatalogException, duckdb.ConversionException, duckdb.BinderException) as exc:
                raise self._damaged(str(exc).splitlines()[0]) from None
            finally:
                con.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside one transaction: all of the block is stored, or none of it."""
        for where in (self.path, self.path.parent):
            if not os.access(where, os.W_OK):
                raise self._read_only(f"{where} is not writable")
        with self._locked(exclusive=True):
            con = self._connect(read_only=False)
            try:
                try:
                    con.execute("BEGIN TRANSACTION")
                    yield con
                    con.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(duckdb.Error):
                        con.execute("ROLLBACK")
                    raise
            except duckdb.InterruptException as exc:  # Ctrl-C inside a query: rolled back
                raise KeyboardInterrupt from exc
            except Exception as exc:
                if disk_error(exc) is None:
                    raise
                raise self._disk_full(exc) from None
            finally:
                con.close()

    def _damaged(self, what: str, run_id: str | None = None) -> InputError:
        """The message for a store whose tables or values are not what brink wrote (edited
        by hand, a dropped table): what is wrong, and how to save the rest."""
        save = (
            f"The store is damaged: delete this run with `brink runs delete {run_id}`, or copy "
            "the readable runs out first with `brink runs export ID`"
            if run_id is not None
            else "The store is damaged: copy the readable runs out with `brink runs export ID` "
            "(`brink runs list --json` lists them) and start a new store with --store PATH"
        )
        return InputError(f"damaged run store: {what}", str(self.path), save)

    def _disk_full(self, exc: BaseException) -> InputError:
        """The one-line message for a store write that failed for lack of space (or a
        read-only disk): the transaction was rolled back, so what was stored is intact."""
        error = os_error_message(exc, self.path, "--store")
        return InputError(
            error.what + "; the write was rolled back, nothing stored was changed",
            str(self.path),
            "Free some space, or choose another store with --store PATH (or $BRINK_STORE)",
        )

    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise InputError(
                f"cannot open the run store: {exc}",
                where=str(self.path),
                fix="Check that the file is a brink run store (DuckDB) and readable, "
                "or choose another with --store PATH",
            ) from exc

    def _existing(self) -> bool:
        """Whether the store file exists; refuses (never touches) anything but a regular file.

        A path that does not exist is a new store.  A directory, device node, FIFO,
        socket, a symbolic link to one of those or to nothing, and an empty file are
        refused with :class:`~brink.errors.InputError`: brink would otherwise replace
        them with a database (0.1.0 replaced empty files and device nodes).
        """
        fix = "Give the path of a brink run store, or a new file name, with --store PATH (or $BRINK_STORE)"
        where = str(self.path)
        try:
            info = self.path.stat()
        except FileNotFoundError:
            if os.path.lexists(self.path):
                target = os.readlink(self.path)
                raise InputError(
                    f"is a symbolic link to {target}, which does not exist; it was not modified",
                    where,
                    fix,
                ) from None
            return False
        except NotADirectoryError:
            raise InputError("a folder in this path is a file", where, fix) from None
        except OSError as exc:
            raise InputError(f"cannot read the run store: {exc.strerror}", where, fix) from None
        if self.path.is_symlink():
            where = f"{self.path} (-> {self.path.resolve()})"
        if stat.S_ISDIR(info.st_mode):
            raise InputError(
                "is a directory, not a run store file",
                where,
                f"Give a file name, e.g. --store {self.path / 'runs.duckdb'}",
            )
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                f"is {_describe_mode(info.st_mode)}, not a run store file; it was not modified",
                where,
                fix,
            )
        if info.st_size == 0:
            raise InputError(
                "is an empty file, not a brink run store; it was not modified",
                where,
                "Give another --store PATH (or $BRINK_STORE), or remove the empty file "
                "yourself if it is yours to lose",
            )
        return True

    def _open(self) -> None:
        if not self._existing():
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(
                    f"cannot create the folder {self.path.parent}: {exc.strerror}",
                    str(self.path),
                    "Give a store in a writable folder with --store PATH (or $BRINK_STORE)",
                ) from None
            with self._locked(exclusive=True):
                if not os.path.lexists(self.path):
                    self._create()
                    return
            self._existing()  # another process made it meanwhile: check it like any other
        with self._locked(exclusive=False):
            self._check_existing()

    def _create(self) -> None:
        """Make a new store: built in a private folder, then linked into place.

        ``os.link`` fails rather than replace a path that appeared in the meantime, and
        nobody ever sees a half-initialised store (or an empty file, if brink is killed).
        """
        try:
            scratch = Path(
                tempfile.mkdtemp(prefix=f".{self.path.name}.", suffix=".new", dir=self.path.parent)
            )
        except OSError as exc:
            raise self._read_only(
                f"cannot create files in {self.path.parent} ({exc.strerror})"
            ) from None
        try:
            fresh = scratch / self.path.name
            try:
                con = duckdb.connect(str(fresh))
                try:
                    con.execute("BEGIN TRANSACTION")
                    con.execute(_SCHEMA)
                    con.execute(
                        "INSERT INTO meta VALUES ('format', ?), ('schema_version', ?), ('created', ?)",
                        [_FORMAT, str(SCHEMA_VERSION), _now()],
                    )
                    con.execute("COMMIT")
                    con.execute("CHECKPOINT")  # everything in the file, nothing left in a journal
                finally:
                    con.close()
            except Exception as exc:
                if disk_error(exc) is None:
                    raise
                raise self._disk_full(exc) from None
            try:
                os.link(fresh, self.path)
            except FileExistsError:
                pass  # somebody else's file: _check_existing refuses it if it is no store
            except OSError:  # a file system without hard links
                if not os.path.lexists(self.path):
                    os.rename(fresh, self.path)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _check_existing(self) -> None:
        fix = "Give the path of a brink run store, or a new file name, with --store PATH (or $BRINK_STORE)"
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise InputError(
                f"cannot read the run store: {exc.strerror}", str(self.path), fix
            ) from None
        if head[8:12] != _DUCKDB_MAGIC:
            raise InputError(
                "is not a brink run store (not a DuckDB file); it was not modified",
                str(self.path),
                fix,
            )
        con = self._connect(read_only=True)
        try:
            try:
                rows = dict(con.execute("SELECT key, value FROM meta").fetchall())
            except duckdb.Error:
                rows = {}
        finally:
            con.close()
        if rows.get("format") != _FORMAT:
            raise InputError(
                "is a DuckDB database but not a brink run store (no brink 'meta' table); it was not modified",
                str(self.path),
                fix,
            )
        text = rows.get("schema_version", "0")
        try:
            version = int(text)
        except (TypeError, ValueError):
            raise InputError(
                f"damaged run store: table meta, key schema_version is {str(text)[:40]!r}, not an integer",
                str(self.path),
                f"Repair it (in duckdb: UPDATE meta SET value = '{SCHEMA_VERSION}' WHERE key = "
                "'schema_version'), then copy the readable runs out with `brink runs export ID`",
            ) from None
        if version > SCHEMA_VERSION:
            raise InputError(
                f"was written by a newer brink (store schema {version}, this brink reads up to {SCHEMA_VERSION})",
                str(self.path),
                "Upgrade brink, or use another store with --store PATH",
            )

    @staticmethod
    def _table(run_id: str) -> str:
        return f'"samples_{run_id}"'

    def _resolve(self, con: duckdb.DuckDBPyConnection, run_id: str) -> str:
        rows = con.execute(
            "SELECT id FROM runs WHERE id = ? OR starts_with(id, ?) ORDER BY id", [run_id, run_id]
        ).fetchall()
        exact = [r[0] for r in rows if r[0] == run_id]
        if exact:
            return str(exact[0])
        if len(rows) == 1 and run_id:
            return str(rows[0][0])
        if not rows or not run_id:
            raise InputError(
                f"no run with id {run_id!r}",
                str(self.path),
                "List the stored runs with `brink runs list`",
            )
        raise InputError(
            f"run id prefix {run_id!r} is ambiguous ({', '.join(str(r[0]) for r in rows[:5])}...)",
            str(self.path),
            "Give more characters of the id",
        )

    def _record(
        self, con: duckdb.DuckDBPyConnection, row: tuple[Any, ...], counts: Mapping[str, int]
    ) -> RunRecord:
        (
            rid,
            kind,
            name,
            text,
            digest,
            seed,
            version,
            params,
            status,
            created,
            finished,
            summary,
            message,
            parent,
            position,
            pid,
            host,
        ) = row
        if (
            status == "running"
            and host == socket.gethostname()
            and pid is not None
            and not _pid_alive(int(pid))
        ):
            status = "interrupted"
        return RunRecord(
            id=rid,
            kind=kind,
            scenario_name=name,
            scenario_hash=digest,
            seed=int(seed),
            version=version,
            parameters=self._json(params, "parameters", rid),
            status=status,
            created=created,
            finished=finished,
            summary=self._json(summary, "summary", rid) if summary is not None else None,
            message=message,
            parent_id=parent,
            position=None if position is None else int(position),
            n_samples=int(counts.get(rid, 0)),
            scenario_text=text,
        )

    def _json(self, text: str, column: str, run_id: str) -> Any:
        """The JSON value of ``runs.column`` of ``run_id``, or the damaged-store message."""
        try:
            value = json.loads(text)
        except (TypeError, ValueError):
            value = None
        if not isinstance(value, dict):
            raise self._damaged(
                f"table runs, column {column} of run {run_id} is {str(text)[:60]!r}, not a JSON object",
                run_id,
            )
        return value

    @staticmethod
    def _counts(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, int]:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        out: dict[str, int] = {}
        for rid in ids:
            if f"samples_{rid}" in tables:
                row = con.execute(f"SELECT count(*) FROM {Store._table(rid)}").fetchone()
                out[rid] = int(row[0]) if row is not None else 0
        return out

    # ------------------------------------------------------------------- writes
    def begin_run(
        self,
        kind: str,
        scenario_name: str,
        scenario_text: str,
        seed: int,
        version: str,
        parameters: Mapping[str, Any],
        *,
        parent_id: str | None = None,
        position: int | None = None,
    ) -> str:
        """Record a new run (status ``running``) and return its id (12 hex digits)."""
        if kind not in KINDS:
            raise InputError(
                f"unknown run kind {kind!r}", "run store", f"Use one of: {', '.join(KINDS)}"
            )
        run_id = uuid.uuid4().hex[:12]
        with self._write() as con:
            con.execute(
                f"INSERT INTO runs ({_RUN_FIELDS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, NULL, NULL, NULL, ?, ?, ?, ?)",
                [
                    run_id,
                    kind,
                    scenario_name,
                    scenario_text,
                    scenario_hash(scenario_text),
                    int(seed),
                    version,
                    _dumps(dict(parameters)),
                    _now(),
                    parent_id,
                    position,
                    os.getpid(),
                    socket.gethostname(),
                ],
            )
        return run_id

    def add_samples(self, run_id: str, offset: int, columns: Mapping[str, NDArray[Any]]) -> None:
        """Store samples ``offset .. offset+n-1`` of a run (one transaction; idempotent).

        ``columns`` maps names to ``(n,)`` arrays of equal length (float, int, bool or
        str).  Adding the same range again replaces it, so a retried chunk is never
        counted twice.  A column first seen in a later chunk is added (NULL before).
        """
        arrays = {str(k): np.asarray(v) for k, v in columns.items()}
        if not arrays:
            return
        lengths = {a.shape for a in arrays.values()}
        if len(lengths) != 1 or len(next(iter(lengths))) != 1:
            raise InputError(
                f"sample columns must be 1-D arrays of one length, got shapes "
                f"{ {k: a.shape for k, a in arrays.items()} }",
                f"run {run_id}",
                "Pass one value per sample in every column",
            )
        if "sample" in arrays:
            raise InputError(
                "'sample' is reserved for the sample index", f"run {run_id}", "Rename that column"
            )
        n = next(iter(lengths))[0]
        for name, arr in arrays.items():
            kind = arr.dtype.kind
            if kind not in _SQL_TYPES:
                raise InputError(
                    f"column {name!r} has unsupported dtype {arr.dtype}",
                    f"run {run_id}",
                    "Use float, integer, bool or string arrays",
                )
            if kind == "O":
                arrays[name] = arr.astype(str)
            elif kind == "u":
                arrays[name] = arr.astype(np.int64)
        with self._write() as con:
            run_id = self._resolve(con, run_id)
            known = dict(
                con.execute("SELECT name, dtype FROM columns WHERE run_id = ?", [run_id]).fetchall()
            )
            table = self._table(run_id)
            if not known:
                con.execute(f"CREATE TABLE IF NOT EXISTS {table} (sample BIGINT NOT NULL)")
            for name, arr in arrays.items():
                sql = _SQL_TYPES[arr.dtype.kind]
                if name in known:
                    if known[name] != sql:
                        raise InputError(
                            f"column {name!r} was {known[name]}, now {sql}",
                            f"run {run_id}",
                            "Keep each column's type the same in every chunk",
                        )
                    continue
                quoted = '"' + name.replace('"', '""') + '"'
                con.execute(f"ALTER TABLE {table} ADD COLUMN {quoted} {sql}")
                con.execute(
                    "INSERT INTO columns VALUES (?, ?, ?, ?)", [run_id, name, sql, len(known)]
                )
                known[name] = sql
            con.execute(
                f"DELETE FROM {table} WHERE sample >= ? AND sample < ?",
                [int(offset), int(offset) + n],
            )
            chunk = {"sample": np.arange(offset, offset + n, dtype=np.int64), **arrays}
            con.register("brink_chunk", chunk)
            try:
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM brink_chunk")
            finally:
                con.unregister("brink_chunk")

    def _set_status(
        self, run_id: str, status: str, summary: Mapping[str, Any] | None, message: str | None
    ) -> None:
        with self._write() as con:
            run_id = self._resolve(con, run_id)
            con.execute(
                "UPDATE runs SET status = ?, finished = ?, summary = coalesce(?, summary), "
                "message = coalesce(?, message) WHERE id = ?",
                [
                    status,
                    _now(),
                    None if summary is None else _dumps(dict(summary)),
                    message,
                    run_id,
                ],
            )

    def finish_run(self, run_id: str, summary: Mapping[str, Any]) -> None:
        """Mark a run ``complete`` with its JSON summary (NaN/inf stored as null)."""
        self._set_status(run_id, "complete", summary, None)

    def fail_run(self, run_id: str, message: str, summary: Mapping[str, Any] | None = None) -> None:
        """Mark a run ``failed`` with the reason (and what it did produce, if anything)."""
        self._set_status(run_id, "failed", summary, message)

    def resume_run(self, run_id: str) -> None:
        """Mark an unfinished run ``running`` again, owned by this process (to resume it)."""
        with self._write() as con:
            run_id = self._resolve(con, run_id)
            con.execute(
                "UPDATE runs SET status = 'running', finished = NULL, message = NULL, pid = ?, "
                "host = ? WHERE id = ?",
                [os.getpid(), socket.gethostname(), run_id],
            )

    def interrupt_run(self, run_id: str, message: str = "interrupted by the user") -> None:
        """Mark a run ``interrupted`` (Ctrl-C); its committed samples stay readable."""
        self._set_status(run_id, "interrupted", None, message)

    def delete_run(self, run_id: str) -> None:
        """Remove a run, its samples and its child runs."""
        with self._write() as con:
            run_id = self._resolve(con, run_id)
            ids = [run_id] + [
                r[0]
                for r in con.execute("SELECT id FROM runs WHERE parent_id = ?", [run_id]).fetchall()
            ]
            for rid in ids:
                con.execute(f"DROP TABLE IF EXISTS {self._table(rid)}")
                con.execute("DELETE FROM columns WHERE run_id = ?", [rid])
                con.execute("DELETE FROM runs WHERE id = ?", [rid])

    # -------------------------------------------------------------------- reads
    def list_runs(
        self, kind: str | None = None, parent_id: str | None = None, limit: int | None = None
    ) -> list[RunRecord]:
        """Runs, newest first; optionally only one kind (one of :data:`KINDS`), or the children of one run."""
        where, args = [], []
        if kind is not None:
            if kind not in KINDS:
                raise InputError(
                    f"unknown run kind {kind!r}", "--kind", f"Use one of: {', '.join(KINDS)}"
                )
            where.append("kind = ?")
            args.append(kind)
        if parent_id is not None:
            where.append("parent_id = ?")
            args.append(parent_id)
        sql = f"SELECT {_RUN_FIELDS} FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created DESC, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._read() as con:
            rows = con.execute(sql, args).fetchall()
            counts = self._counts(con, [r[0] for r in rows])
            return [self._record(con, r, counts) for r in rows]

    def get_run(self, run_id: str) -> RunRecord:
        """One run by id (or a unique prefix of it), with its scenario text."""
        with self._read() as con:
            rid = self._resolve(con, run_id)
            row = con.execute(f"SELECT {_RUN_FIELDS} FROM runs WHERE id = ?", [rid]).fetchone()
            assert row is not None
            return self._record(con, row, self._counts(con, [rid]))

    def columns(self, run_id: str) -> dict[str, str]:
        """Per-sample column names of a run and their SQL types, in insertion order."""
        with self._read() as con:
            rid = self._resolve(con, run_id)
            return self._known_columns(con, rid)

    def _known_columns(self, con: duckdb.DuckDBPyConnection, rid: str) -> dict[str, str]:
        """The sample columns of ``rid`` from the ``columns`` table, or, if that table was
        dropped, from the samples table itself (so ``brink runs export`` still saves them)."""
        try:
            return dict(
                con.execute(
                    "SELECT name, dtype FROM columns WHERE run_id = ? ORDER BY position", [rid]
                ).fetchall()
            )
        except duckdb.CatalogException:
            rows = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = ? AND column_name <> 'sample' ORDER BY ordinal_position",
                [f"samples_{rid}"],
            ).fetchall()
            kinds = {"DOUBLE": "DOUBLE", "BIGINT": "BIGINT", "BOOLEAN": "BOOLEAN"}
            return {str(n): kinds.get(str(t), "VARCHAR") for n, t in rows}

    def samples(self, run_id: str, columns: list[str] | None = None) -> dict[str, NDArray[Any]]:
        """Per-sample columns of a run as numpy arrays ordered by sample index.

        Includes ``"sample"`` (the global sample index).  Float columns come back as
        float64 (NULL -> NaN), integer as int64, bool as bool, text as str.
        """
        with self._read() as con:
            rid = self._resolve(con, run_id)
            known = self._known_columns(con, rid)
            wanted = list(known) if columns is None else list(columns)
            missing = [c for c in wanted if c not in known]
            if missing:
                raise InputError(
                    f"run {rid} has no column(s) {missing}",
                    str(self.path),
                    f"Available: {', '.join(known) or '(none)'}",
                )
            if not known:
                return {"sample": np.zeros(0, dtype=np.int64)}
            select = ", ".join(["sample"] + ['"' + c.replace('"', '""') + '"' for c in wanted])
            raw = con.execute(
                f"SELECT {select} FROM {self._table(rid)} ORDER BY sample"
            ).fetchnumpy()
        out: dict[str, NDArray[Any]] = {"sample": np.asarray(raw["sample"], dtype=np.int64)}
        for name in wanted:
            col = raw[name]
            sql = known[name]
            if isinstance(col, np.ma.MaskedArray):
                fill: Any = {"DOUBLE": np.nan, "BIGINT": 0, "BOOLEAN": False, "VARCHAR": ""}[sql]
                col = col.filled(fill)
            if sql == "DOUBLE":
                out[name] = np.asarray(col, dtype=np.float64)
            elif sql == "BIGINT":
                out[name] = np.asarray(col, dtype=np.int64)
            elif sql == "BOOLEAN":
                out[name] = np.asarray(col, dtype=bool)
            else:
                out[name] = np.asarray(col, dtype=str)
        return out

    def query(self, sql: str, parameters: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a read-only SQL query on the store (for analyses and power users)."""
        with self._read() as con:
            return [tuple(r) for r in con.execute(sql, parameters or []).fetchall()]

    def diff(self, id1: str, id2: str) -> dict[str, Any]:
        """What differs between two runs: inputs, scenario text, summary numbers and per-column means.

        Returns a JSON-ready dict with ``inputs`` (field -> [a, b] for scenario hash, seed,
        version, kind, scenario name), ``scenario_diff`` (a unified diff of the two stored
        scenario documents, lines without their ends; empty when they are equal),
        ``parameters`` and ``summary`` (flattened dotted keys -> [a, b], only those that
        differ; numeric pairs also get ``delta = b - a``), ``paired`` and ``columns``.

        ``columns`` has, per numeric per-sample column (finite values only: a failed
        sample's NaN is left out): ``a`` and ``b`` (n, mean, standard deviation), ``delta``
        (difference of means b - a), ``se`` and ``welch`` (its 95% interval by Welch's t with
        the Welch-Satterthwaite degrees of freedom; Welch 1947).  When both runs drew the
        same samples (same seed and sample count: common random numbers, Law & Kelton 2000,
        §11.2) ``paired`` is true and each column also has ``paired``: n, mean and standard
        error of the per-sample differences b_i - a_i and their 95% t interval, far
        narrower than the unpaired one when the runs are positively correlated.
        ``interval`` and ``method`` (``paired`` or ``welch``) name the one to report.
        """
        a, b = self.get_run(id1), self.get_run(id2)
        scenario_diff = list(
            difflib.unified_diff(
                a.scenario_text.splitlines(),
                b.scenario_text.splitlines(),
                fromfile=f"a/{a.id} ({a.scenario_name})",
                tofile=f"b/{b.id} ({b.scenario_name})",
                lineterm="",
            )
        )
        paired = a.seed == b.seed and a.n_samples == b.n_samples and a.n_samples > 1
        inputs = {
            f: [getattr(a, f), getattr(b, f)]
            for f in (
                "kind",
                "scenario_name",
                "scenario_hash",
                "seed",
                "version",
                "status",
                "n_samples",
            )
            if getattr(a, f) != getattr(b, f)
        }
        stats_a, stats_b = self._column_stats(a.id), self._column_stats(b.id)
        pairs = self._paired_stats(a.id, b.id, set(stats_a) & set(stats_b)) if paired else {}
        columns: dict[str, Any] = {}
        for name in sorted(set(stats_a) | set(stats_b)):
            sa, sb = stats_a.get(name), stats_b.get(name)
            entry: dict[str, Any] = {"a": sa, "b": sb}
            if (
                sa is not None
                and sb is not None
                and sa["mean"] is not None
                and sb["mean"] is not None
            ):
                entry["delta"] = sb["mean"] - sa["mean"]
                va = (sa["std"] or 0.0) ** 2 / max(sa["n"], 1)
                vb = (sb["std"] or 0.0) ** 2 / max(sb["n"], 1)
                entry["se"] = math.sqrt(va + vb)
                df = _welch_df(va, vb, sa["n"], sb["n"])
                half = _t95(df) * entry["se"]
                entry["welch"] = [entry["delta"] - half, entry["delta"] + half]
                entry["interval"], entry["method"] = entry["welch"], "welch"
                pair = pairs.get(name)
                if pair is not None:
                    entry["paired"] = pair
                    entry["interval"], entry["method"] = pair["interval"], "paired"
            columns[name] = entry
        return {
            "a": a.id,
            "b": b.id,
            "inputs": inputs,
            "scenario_diff": scenario_diff,
            "paired": bool(pairs),
            "parameters": _flat_diff(a.parameters, b.parameters),
            "summary": _flat_diff(a.summary or {}, b.summary or {}),
            "columns": columns,
        }

    def _paired_stats(self, id_a: str, id_b: str, names: set[str]) -> dict[str, dict[str, Any]]:
        """Per column: statistics of the per-sample differences b_i - a_i (both finite)."""
        out: dict[str, dict[str, Any]] = {}
        with self._read() as con:
            for name in sorted(names):
                q = '"' + name.replace('"', '""') + '"'
                x, y = f"a.{q}::DOUBLE", f"b.{q}::DOUBLE"
                row = con.execute(
                    f"SELECT count(*), avg({y} - {x}), stddev_samp({y} - {x}) "
                    f"FROM {self._table(id_a)} AS a JOIN {self._table(id_b)} AS b USING (sample) "
                    f"WHERE isfinite({x}) AND isfinite({y})"
                ).fetchone()
                if row is None or not row[0] or row[1] is None:
                    continue
                n, mean, std = int(row[0]), float(row[1]), float(row[2] or 0.0)
                se = std / math.sqrt(n)
                half = _t95(n - 1) * se if n > 1 else math.inf
                out[name] = {"n": n, "delta": mean, "se": se, "interval": [mean - half, mean + half]}
        return out

    def _column_stats(self, run_id: str) -> dict[str, dict[str, Any]]:
        with self._read() as con:
            known = con.execute(
                "SELECT name FROM columns WHERE run_id = ? AND dtype IN ('DOUBLE', 'BIGINT', 'BOOLEAN') ORDER BY position",
                [run_id],
            ).fetchall()
            out: dict[str, dict[str, Any]] = {}
            for (name,) in known:
                q = '"' + name.replace('"', '""') + '"'
                n, mean, std = con.execute(
                    f"SELECT count({q}), avg({q}::DOUBLE), stddev_samp({q}::DOUBLE) FROM {self._table(run_id)} "
                    f"WHERE isfinite({q}::DOUBLE)"
                ).fetchone()  # type: ignore[misc]
                out[name] = {
                    "n": int(n),
                    "mean": None if mean is None else float(mean),
                    "std": None if std is None else float(std),
                }
            return out

    def export(
        self,
        run_id: str,
        path: str | os.PathLike[str],
        format: Literal["parquet", "csv"] = "parquet",
        *,
        parents: bool = False,
    ) -> Path:
        """Write a run's per-sample table (``sample`` + its columns) with DuckDB's ``COPY``.

        Written through :func:`brink.output.replacing`: atomically, only onto a regular
        file or a new name, and into an existing folder unless ``parents``.
        """
        from brink.output import check_target, replacing

        if format not in ("parquet", "csv"):
            raise InputError(
                f"unknown export format {format!r}", "runs export", "Use parquet or csv"
            )
        target = check_target(path, parents=parents)
        options = "FORMAT parquet" if format == "parquet" else "FORMAT csv, HEADER true"
        with self._read() as con:
            rid = self._resolve(con, run_id)
            tables = {
                r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            }
            if f"samples_{rid}" not in tables:
                raise InputError(
                    f"run {rid} has no per-sample results to export",
                    str(self.path),
                    "Export a run that stored samples (see `brink runs show ID`)",
                )
            with replacing(target) as tmp:
                literal = "'" + str(tmp).replace("'", "''") + "'"
                con.execute(
                    f"COPY (SELECT * FROM {self._table(rid)} ORDER BY sample) TO {literal} ({options})"
                )
        return target


def _welch_df(va: float, vb: float, na: int, nb: int) -> float:
    """Welch-Satterthwaite degrees of freedom of a difference of means (``va = s_a^2 / n_a``)."""
    den = (va * va / (na - 1) if na > 1 else 0.0) + (vb * vb / (nb - 1) if nb > 1 else 0.0)
    return (va + vb) ** 2 / den if den > 0 else float(max(na + nb - 2, 1))


def _t95(df: float) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (two-sided 95%)."""
    from scipy.stats import t

    return float(t.ppf(0.975, max(df, 1.0)))


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted keys for nested mappings; short numeric lists (intervals) become ``key.0``, ..."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if (
        isinstance(value, list)
        and 0 < len(value) <= 4
        and all(v is None or isinstance(v, int | float) for v in value)
    ):
        return {f"{prefix}.{i}": v for i, v in enumerate(value)}
    return {prefix: value}


def _flat_diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    fa, fb = _flatten(a), _flatten(b)
    out: dict[str, Any] = {}
    for key in sorted(set(fa) | set(fb)):
        va, vb = fa.get(key), fb.get(key)
        if va == vb:
            continue
        entry: dict[str, Any] = {"a": va, "b": vb}
        if (
            isinstance(va, int | float)
            and isinstance(vb, int | float)
            and not isinstance(va, bool)
            and not isinstance(vb, bool)
        ):
            entry["delta"] = vb - va
        out[key] = entry
    return out
