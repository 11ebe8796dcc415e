"""The database the repositories talk to: SQLite (the embedded default) or PostgreSQL.

Repositories are written once, in the SQL the two share: `?` placeholders, `ON CONFLICT`,
`RETURNING`, no engine's own functions. `Database.open` picks the engine from its target: a
`postgresql://` URL opens PostgreSQL (storage.postgres), anything else is SQLite's file
(storage.sqlite). Where the engines differ (full-text search, migrations, a few
expressions), `Database.dialect` says which one runs and the engine gives what its SQL needs.

Each engine's numbered migrations live in `storage/migrations/` (SQLite) and
`storage/migrations/postgres/`; a database newer than the code is refused on both.

Caches of what other processes may change (roles, subscriptions, items, settings) register
with `on_change`; a repository that changed such data forgets its own cached reads and calls
`broadcast` once the write is committed. On SQLite this process is the only writer and that
is all; on PostgreSQL the change goes out as a NOTIFY, and every other process's callbacks run
when it comes (a few milliseconds later).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

Dialect = Literal["sqlite", "postgres"]


def _transient_errors() -> tuple[type[Exception], ...]:
    errors: list[type[Exception]] = [sqlite3.OperationalError]
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return tuple(errors)
    errors.append(psycopg.OperationalError)
    return tuple(errors)


# A busy or failing database: another process holding SQLite's write lock past busy_timeout,
# a full disk, a PostgreSQL server restarting or out of connections. What failed may well
# succeed a little later.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = _transient_errors()


class DatabaseError(Exception):
    """The database cannot be used by this version of the code."""


class Row(Protocol):
    """A result row: by position, by column name, or unpacked."""

    def __getitem__(self, key: Any, /) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...
    async def fetchone(self) -> Any: ...
    async def fetchall(self) -> Iterable[Any]: ...
    async def close(self) -> None: ...


class Connection(Protocol):
    """What a transaction hands its statements to (aiosqlite's connection has this shape)."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Awaitable[Cursor]: ...
    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Awaitable[Any]: ...


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(dialect: Dialect = "sqlite") -> tuple[Migration, ...]:
    """The packaged migrations of an engine, in order, numbered without gaps: SQLite's in
    `storage/migrations/`, PostgreSQL's in `storage/migrations/postgres/`."""
    folder = resources.files("storage") / "migrations"
    if dialect == "postgres":
        folder = folder / "postgres"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda migration: migration.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise DatabaseError(f"migration {migration.name} is out of sequence")
    return tuple(found)


def is_postgres_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


ChangeCallback = Callable[[str], None]


class Database:
    """One engine's connection(s). Repositories use `fetchone`, `fetchall`, `execute`,
    `execute_count` and `transaction`; `dialect` says which SQL runs underneath."""

    dialect: ClassVar[Dialect]

    def __init__(self, target: str) -> None:
        # Shown in errors and logs: the file's path, or the URL without its password.
        self.path = target
        self._listeners: dict[str, list[ChangeCallback]] = {}

    @classmethod
    async def open(
        cls, target: str | Path, *, migrate: bool = True, busy_timeout: float = 5.0
    ) -> Database:
        """The database at `target`: a `postgresql://` URL, else SQLite's file.

        `busy_timeout`: seconds a write waits for another writer's lock before it fails
        (SQLite's "database is locked"; PostgreSQL's lock_timeout)."""
        if is_postgres_url(target):
            from storage.postgres import PostgresDatabase

            return await PostgresDatabase.connect(
                str(target), migrate=migrate, busy_timeout=busy_timeout
            )
        from storage.sqlite import SqliteDatabase

        return await SqliteDatabase.connect(target, migrate=migrate, busy_timeout=busy_timeout)

    async def close(self) -> None:
        raise NotImplementedError

    async def user_version(self) -> int:
        """The number of the last migration applied."""
        raise NotImplementedError

    async def migrate(self, migrations: tuple[Migration, ...] | None = None) -> int:
        raise NotImplementedError

    async def fetchall(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Sequence[object] = ()) -> Any:
        raise NotImplementedError

    async def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        """One write statement, committed on its own."""
        await self.execute_count(sql, params)

    async def execute_count(self, sql: str, params: Sequence[object] = ()) -> int:
        """One write statement, committed on its own; returns the number of rows changed."""
        raise NotImplementedError

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """Several statements that commit together or not at all."""
        raise NotImplementedError

    # What the two engines write differently.

    def truncate(self, expression: str) -> str:
        """`expression` (a non-negative number) cut to its whole part, as an integer."""
        return f"CAST({expression} AS INTEGER)"

    # Caches across processes.

    def on_change(self, topic: str, callback: ChangeCallback) -> None:
        """Run `callback(key)` when another process (PostgreSQL) broadcasts a change of
        `topic`; key "" means everything of it."""
        self._listeners.setdefault(topic, []).append(callback)

    def broadcast(self, topic: str, key: str = "") -> None:
        """After a committed write: tell other processes' caches of `topic` that `key` ("" for
        all) changed. The writer forgets its own cached reads itself; on SQLite there is no
        other process, and nothing to do."""

    def _dispatch(self, topic: str, key: str) -> None:
        for callback in self._listeners.get(topic, ()):
            callback(key)

    @property
    def shared(self) -> bool:
        """Whether other processes may write this database (PostgreSQL): caches of what
        they change are then only as fresh as the last notification."""
        return False
