"""One aiosqlite connection per process, and the numbered migrations that shape it."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiosqlite

from storage.lemmas import index_terms

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def _make_parent_folder(path: str) -> None:
    Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)


# A busy or failing database: another process holding SQLite's write lock past busy_timeout,
# a full disk. What failed may well succeed a little later.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (sqlite3.OperationalError,)


class DatabaseError(Exception):
    """The database cannot be used by this version of the code."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> tuple[Migration, ...]:
    """The packaged `storage/migrations/NNNN_name.sql` files, in order, numbered without gaps."""
    folder = resources.files("storage") / "migrations"
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


class Database:
    """The process's single connection. Repositories use `execute`/`transaction`."""

    def __init__(self, connection: aiosqlite.Connection, path: str) -> None:
        self.connection = connection
        self.path = path
        # One writer at a time on this connection: a transaction must not interleave with
        # another coroutine's statements, since they share the same SQLite connection.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(
        cls, path: str | Path, *, migrate: bool = True, busy_timeout: float = 5.0
    ) -> Database:
        """`busy_timeout`: seconds a write waits for another process's write lock before it
        fails with "database is locked" (the caller decides what then)."""
        target = str(path)
        if target != ":memory:":
            await asyncio.to_thread(_make_parent_folder, target)
        connection = await aiosqlite.connect(target, isolation_level=None)
        connection.row_factory = aiosqlite.Row
        try:
            for pragma in (
                "PRAGMA journal_mode = WAL",
                "PRAGMA foreign_keys = ON",
                f"PRAGMA busy_timeout = {round(busy_timeout * 1000)}",
                "PRAGMA synchronous = NORMAL",
            ):
                await connection.execute(pragma)
            # The search index's triggers turn titles into lemmas with it (migration 0012).
            await connection.create_function("search_terms", 1, index_terms, deterministic=True)
            database = cls(connection, target)
            if migrate:
                await database.migrate()
        except BaseException:
            await connection.close()
            raise
        return database

    async def close(self) -> None:
        await self.connection.close()

    async def user_version(self) -> int:
        async with self.connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self, migrations: tuple[Migration, ...] | None = None) -> int:
        """Apply the pending migrations, each in one transaction with its user_version."""
        migrations = load_migrations() if migrations is None else migrations
        latest = migrations[-1].version if migrations else 0
        current = await self.user_version()
        if current > latest:
            raise DatabaseError(
                f"database {self.path} has schema version {current}, newer than this code "
                f"knows ({latest}); upgrade Visnyk or use another DATABASE_PATH"
            )
        async with self._write_lock:
            for migration in migrations:
                if migration.version <= current:
                    continue
                log.info("applying migration %s", migration.name)
                script = (
                    f"BEGIN IMMEDIATE;\n{migration.sql}\n"
                    f"PRAGMA user_version = {migration.version};\nCOMMIT;"
                )
                try:
                    await self.connection.executescript(script)
                except sqlite3.Error as exc:
                    if self.connection.in_transaction:
                        await self.connection.execute("ROLLBACK")
                    raise DatabaseError(f"migration {migration.name} failed: {exc}") from exc
        return latest

    async def fetchall(self, sql: str, params: tuple[object, ...] = ()) -> list[aiosqlite.Row]:
        async with self.connection.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: tuple[object, ...] = ()) -> aiosqlite.Row | None:
        async with self.connection.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def execute(self, sql: str, params: tuple[object, ...] = ()) -> int:
        """One write statement in autocommit mode; returns lastrowid."""
        async with self._write_lock:
            cursor = await self.connection.execute(sql, params)
            lastrowid = cursor.lastrowid or 0
            await cursor.close()
            return lastrowid

    async def execute_count(self, sql: str, params: tuple[object, ...] = ()) -> int:
        """One write statement in autocommit mode; returns the number of rows changed."""
        async with self._write_lock:
            cursor = await self.connection.execute(sql, params)
            changed = cursor.rowcount
            await cursor.close()
            return changed

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Several statements that commit together or not at all."""
        async with self._write_lock:
            await self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                await self.connection.execute("ROLLBACK")
                raise
            await self.connection.execute("COMMIT")
