"""Online backup and restore of the SQLite database, through SQLite's backup API.

A backup is taken while the bot runs: the copy is made in one step of `sqlite3_backup`, inside
one read transaction, so it is the database as of one moment (WAL lets the bot go on writing
meanwhile), never a file copied while a page was half written. The copy is turned into a
single self-contained file (no -wal beside it), checked with `PRAGMA integrity_check`, and
only then renamed into place: a failed or interrupted backup never replaces a good one.

A restore is the same copy the other way, refused while a bot holds the delivery lease on the
database (it would go on writing into what is being replaced), and refused for a backup that is
damaged or from a newer version of the code. The database it replaces is kept beside it.

Plain sqlite3, synchronous: these run from the command line (`python -m bot backup|restore`),
not inside the bot.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.db import load_migrations

LEASE_NAME = "delivery"  # jobs.delivery's lease: held while a bot delivers from the database
BUSY_TIMEOUT_MS = 10_000


class BackupError(Exception):
    """The backup or restore was not made; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class Copied:
    path: Path
    size: int  # bytes
    seconds: float
    schema_version: int
    deliveries: int
    removed: tuple[Path, ...] = ()  # older backups deleted (--keep)
    previous: Path | None = None  # restore: where the database it replaced was kept


def backup(
    database: Path, target: Path, *, folder: bool = False, keep: int | None = None
) -> Copied:
    """Copy the live `database` to the file `target`, or with `folder` to a dated copy in the
    folder `target` (created if missing; `keep` then deletes all but the newest `keep` dated
    copies there)."""
    if not database.is_file():
        raise BackupError(f"{database}: no such database")
    folder_mode = folder or target.is_dir()
    if folder_mode:
        target.mkdir(parents=True, exist_ok=True)
        target = _dated_name(target, database.stem)
    elif keep is not None:
        raise BackupError("--keep needs a folder to back up into")
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    _copy(database, target, journal_mode="DELETE")
    removed = _prune(target.parent, database.stem, keep) if folder_mode and keep else ()
    version, deliveries = _describe(target)
    return Copied(
        target,
        target.stat().st_size,
        time.monotonic() - started,
        version,
        deliveries,
        removed,
    )


def restore(source: Path, database: Path) -> Copied:
    """Replace `database` with the backup `source`; the old one is kept beside it as
    `<name>.before-restore-<time>` (the result's `previous`)."""
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    _check(source)
    version, _deliveries = _describe(source)
    latest = load_migrations()[-1].version
    if version > latest:
        raise BackupError(
            f"{source} has schema version {version}, newer than this code knows ({latest}); "
            "restore it with the version of Visnyk that made it"
        )
    previous = None
    if database.is_file():
        _refuse_while_running(database)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        aside = database.with_name(f"{database.name}.before-restore-{stamp}")
        _copy(database, aside, journal_mode="DELETE")
        previous = aside
    database.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    _copy(source, database, journal_mode="WAL", in_place=True)
    version, deliveries = _describe(database)
    return Copied(
        database,
        database.stat().st_size,
        time.monotonic() - started,
        version,
        deliveries,
        previous=previous,
    )


def integrity(path: Path) -> list[str]:
    """What `PRAGMA integrity_check` says: ["ok"] for a sound database."""
    with closing(_connect(path, read_only=True)) as connection:
        return [str(row[0]) for row in connection.execute("PRAGMA integrity_check")]


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """`read_only`: nothing is written through it, and the file must exist. (Not SQLite's
    mode=ro: in WAL mode that leaves -wal and -shm files behind, owned by whoever ran the
    backup, which the bot's user may then be unable to open.)"""
    uri = f"{path.resolve().as_uri()}?mode={'rw' if read_only else 'rwc'}"
    connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return connection


def _copy(source: Path, target: Path, *, journal_mode: str, in_place: bool = False) -> None:
    """SQLite's online backup of `source` into `target`, checked; written next to `target`
    and renamed over it, unless `in_place` (a live database's path: its -wal and -shm files
    must stay in step with it, so SQLite writes it through a connection)."""
    partial = target if in_place else target.with_name(target.name + ".partial")
    if not in_place:
        partial.unlink(missing_ok=True)
    try:
        source_connection = _connect(source, read_only=True)
        try:
            copy = _connect(partial)
            try:
                # pages=-1: one step, one read transaction: the database as of one moment.
                source_connection.backup(copy, pages=-1)
                copy.execute(f"PRAGMA journal_mode = {journal_mode}")
                problems = [str(row[0]) for row in copy.execute("PRAGMA integrity_check")]
            finally:
                copy.close()
        finally:
            source_connection.close()
    except sqlite3.Error as exc:
        if not in_place:
            partial.unlink(missing_ok=True)
        raise BackupError(f"{source}: {exc}") from None
    if problems != ["ok"]:
        if not in_place:
            partial.unlink(missing_ok=True)
        raise BackupError(f"the copy of {source} fails integrity_check: {'; '.join(problems)}")
    if not in_place:
        os.replace(partial, target)


def _check(path: Path) -> None:
    try:
        problems = integrity(path)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: {exc}") from None
    if problems != ["ok"]:
        raise BackupError(f"{path} fails integrity_check: {'; '.join(problems[:5])}")


def _describe(path: Path) -> tuple[int, int]:
    """(schema version, deliveries recorded) of a Visnyk database."""
    try:
        with closing(_connect(path, read_only=True)) as connection:
            version = int(connection.execute("PRAGMA user_version").fetchone()[0])
            deliveries = int(connection.execute("SELECT count(*) FROM deliveries").fetchone()[0])
    except sqlite3.Error as exc:
        raise BackupError(f"{path} is not a Visnyk database ({exc})") from None
    return version, deliveries


def _refuse_while_running(database: Path) -> None:
    try:
        with closing(_connect(database, read_only=True)) as connection:
            row = connection.execute(
                "SELECT owner, expires_at FROM leases WHERE name = ?", (LEASE_NAME,)
            ).fetchone()
    except sqlite3.Error as exc:
        if "no such table" in str(exc):
            return  # an empty or foreign file: nothing runs on it
        raise BackupError(f"{database}: {exc}") from None
    if row is not None and float(row[1]) > time.time():
        raise BackupError(
            f"a bot is running on {database} (process {row[0]} holds the delivery lease); "
            "stop it first"
        )


def _dated_name(folder: Path, stem: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = folder / f"{stem}-{stamp}.db"
    number = 2
    while target.exists():
        target = folder / f"{stem}-{stamp}-{number}.db"
        number += 1
    return target


def _prune(folder: Path, stem: str, keep: int) -> tuple[Path, ...]:
    """Delete all but the newest `keep` dated copies of `stem` in `folder`."""
    dated = re.compile(re.escape(stem) + r"-\d{8}-\d{6}(-\d+)?\.db")
    copies = sorted(
        (path for path in folder.iterdir() if dated.fullmatch(path.name) and path.is_file()),
        key=lambda path: (path.stat().st_mtime_ns, path.name),
        reverse=True,
    )
    old = tuple(copies[keep:])
    for path in old:
        path.unlink(missing_ok=True)
    return old
