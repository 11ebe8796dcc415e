"""PostgreSQL, for more than one machine: a pool of psycopg connections, shared by any number
of bot processes.

The repositories' SQL is the same as on SQLite: `?` placeholders become psycopg's `%s` here
(once per statement text, cached), and rows read by position or by column name alike.

- Migrations run in one transaction under an advisory lock: five processes starting at once
  migrate once, and the others find the schema done.
- Writes that other processes cache (roles, subscriptions, items, settings) send a NOTIFY on
  `visnyk_changes` once committed; one listening connection per process runs the callbacks
  registered with `on_change` (storage.db). A listener that lost its connection
  forgets every cache when it is back, since it may have missed notifications.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import AsyncConnection, AsyncCursor
from psycopg_pool import AsyncConnectionPool

from storage.db import Connection, Database, DatabaseError, Migration, load_migrations

log = logging.getLogger(__name__)

CHANNEL = "visnyk_changes"
# pg_advisory_xact_lock's key for migrations: any number the database's other users do not use.
_MIGRATION_LOCK = 0x76697379  # "visy"
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


@lru_cache(maxsize=4096)
def to_psycopg(sql: str) -> str:
    """`?` placeholders as `%s`, and a literal `%` doubled, outside quoted text."""
    out: list[str] = []
    quote: str | None = None
    for char in sql:
        if quote is not None:
            if char == quote:
                quote = None
            out.append("%%" if char == "%" else char)
        elif char in "'\"":
            quote = char
            out.append(char)
        elif char == "?":
            out.append("%s")
        elif char == "%":
            out.append("%%")
        else:
            out.append(char)
    return "".join(out)


class Row:
    """A row by position, by column name, or unpacked, as aiosqlite's rows are."""

    __slots__ = ("_names", "_values")

    def __init__(self, values: Sequence[Any], names: dict[str, int]) -> None:
        self._values = values
        self._names = names

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self._values[self._names[key]]
        return self._values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._names)

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._names, self._values, strict=True))!r})"


def _row_factory(cursor: AsyncCursor[Any]) -> Any:
    description = cursor.description or []
    names = {column.name: index for index, column in enumerate(description)}

    def make(values: Sequence[Any]) -> Row:
        return Row(values, names)

    return make


class PostgresConnection:
    """A transaction's connection, taking the repositories' SQL as SQLite's would."""

    __slots__ = ("_connection",)

    def __init__(self, connection: AsyncConnection[Any]) -> None:
        self._connection = connection

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> AsyncCursor[Any]:
        return await self._connection.execute(to_psycopg(sql), tuple(parameters))

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> None:
        batch = list(parameters)
        if not batch:
            return
        async with self._connection.cursor() as cursor:
            await cursor.executemany(to_psycopg(sql), batch)


class PostgresDatabase(Database):
    dialect = "postgres"

    def __init__(self, pool: AsyncConnectionPool[Any], url: str) -> None:
        super().__init__(_PASSWORD.sub(r"\1***@", url))
        self._url = url
        self._pool = pool
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._notifying: set[asyncio.Task[None]] = set()
        self._origin = uuid.uuid4().hex[:12]  # our own notifications come back: skipped

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        migrate: bool = True,
        busy_timeout: float = 5.0,
        pool_size: int = 10,
    ) -> PostgresDatabase:
        options = f"-c lock_timeout={round(busy_timeout * 1000)} -c timezone=UTC"
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            open=False,
            kwargs={"autocommit": True, "row_factory": _row_factory, "options": options},
            name="visnyk",
        )
        try:
            await pool.open(wait=True, timeout=30)
        except Exception as exc:
            await pool.close()
            raise DatabaseError(f"cannot connect to PostgreSQL: {exc}") from exc
        database = cls(pool, url)
        try:
            if migrate:
                await database.migrate()
            database._listener = asyncio.create_task(database._listen(), name="pg-listen")
            await asyncio.wait_for(database._listening.wait(), timeout=30)
        except BaseException:
            await database.close()
            raise
        return database

    async def close(self) -> None:
        if self._notifying:
            await asyncio.wait(set(self._notifying), timeout=5)
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        await self._pool.close()

    @property
    def shared(self) -> bool:
        return True

    async def user_version(self) -> int:
        row = await self.fetchone(
            "SELECT version FROM visnyk_schema WHERE id = 1"
            if await self._has_schema_table()
            else "SELECT 0"
        )
        return int(row[0]) if row else 0

    async def _has_schema_table(self) -> bool:
        row = await self.fetchone("SELECT to_regclass('visnyk_schema') IS NOT NULL")
        return bool(row and row[0])

    async def migrate(self, migrations: tuple[Migration, ...] | None = None) -> int:
        """Apply the pending migrations in one transaction, under an advisory lock."""
        migrations = load_migrations("postgres") if migrations is None else migrations
        latest = migrations[-1].version if migrations else 0
        async with self._pool.connection() as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS visnyk_schema ("
                "id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"
            )
            cursor = await connection.execute("SELECT version FROM visnyk_schema WHERE id = 1")
            row = await cursor.fetchone()
            current = int(row[0]) if row else 0
            if current > latest:
                raise DatabaseError(
                    f"database {self.path} has schema version {current}, newer than this code "
                    f"knows ({latest}); upgrade Visnyk or use another DATABASE_URL"
                )
            for migration in migrations:
                if migration.version <= current:
                    continue
                log.info("applying migration %s", migration.name)
                try:
                    async with connection.transaction():  # a savepoint: its error is its own
                        await connection.execute(migration.sql.encode())
                except psycopg.Error as exc:
                    raise DatabaseError(f"migration {migration.name} failed: {exc}") from exc
                await connection.execute(
                    "INSERT INTO visnyk_schema (id, version) VALUES (1, %s) "
                    "ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                    (migration.version,),
                )
        return latest

    async def fetchall(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        async with self._pool.connection() as connection:
            cursor = await connection.execute(to_psycopg(sql), tuple(params))
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Sequence[object] = ()) -> Any:
        async with self._pool.connection() as connection:
            cursor = await connection.execute(to_psycopg(sql), tuple(params))
            return await cursor.fetchone()

    async def execute_count(self, sql: str, params: Sequence[object] = ()) -> int:
        async with self._pool.connection() as connection:
            cursor = await connection.execute(to_psycopg(sql), tuple(params))
            return int(cursor.rowcount)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        async with self._pool.connection() as connection, connection.transaction():
            yield PostgresConnection(connection)

    def truncate(self, expression: str) -> str:
        return f"floor({expression})::bigint"

    def broadcast(self, topic: str, key: str = "") -> None:
        payload = f"{self._origin} {topic}:{key}"
        task = asyncio.get_running_loop().create_task(self._notify(payload))
        self._notifying.add(task)
        task.add_done_callback(self._notifying.discard)

    async def _notify(self, payload: str) -> None:
        try:
            await self.execute("SELECT pg_notify(?, ?)", (CHANNEL, payload))
        except Exception as exc:  # the others' caches stay stale until their next change
            log.warning("could not notify the other processes of %s: %s", payload, exc)

    async def _listen(self) -> None:
        """Run the callbacks of every change any process notifies, for as long as we run."""
        delay = 0.5
        while True:
            try:
                async with await AsyncConnection.connect(self._url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    if self._listening.is_set():
                        # Back after a lost connection: what changed meanwhile is unknown.
                        for topic in list(self._listeners):
                            self._dispatch(topic, "")
                    self._listening.set()
                    delay = 0.5
                    async for notice in conn.notifies():
                        origin, _, change = notice.payload.partition(" ")
                        if origin == self._origin:
                            continue
                        topic, _, key = change.partition(":")
                        try:
                            self._dispatch(topic, key)
                        except Exception:
                            log.exception("a cache failed to forget %s", notice.payload)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("lost the PostgreSQL notification connection; reconnecting")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
