"""SQLite, the embedded default: one aiosqlite connection per process, WAL, one writer."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.db import Database, DatabaseError, Migration, load_migrations
from storage.lemmas import index_terms

log = logging.getLogger(__name__)


def _make_parent_folder(path: str) -> None:
    Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)


class SqliteDatabase(Database):
    """The process's single connection."""

    dialect = "sqlite"

    def __init__(self, connection: aiosqlite.Connection, path: str) -> None:
        super().__init__(path)
        self.connection = connection
        # One writer at a time on this connection: a transaction must not interleave with
        # another coroutine's statements, since they share the same SQLite connection.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def connect(
        cls, path: str | Path, *, migrate: bool = True, busy_timeout: float = 5.0
    ) -> SqliteDatabase:
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
            # The search index's triggers turn titles into lemmas with it (migration 0016).
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
        migrations = load_migrations("sqlite") if migrations is None else migrations
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

    async def fetchall(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        async with self.connection.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Sequence[object] = ()) -> Any:
        async with self.connection.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def execute_count(self, sql: str, params: Sequence[object] = ()) -> int:
        async with self._write_lock:
            cursor = await self.connection.execute(sql, params)
            changed = cursor.rowcount
            await cursor.close()
            return changed

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                await self.connection.execute("ROLLBACK")
                raise
            await self.connection.execute("COMMIT")
