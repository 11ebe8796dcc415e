"""What PostgreSQL adds to the storage layer (storage/postgres.py): migrations under a lock,
caches kept true across processes, claims that never overlap.

Two `Database` objects on one database stand for two bot processes here: each has its own
pool and its own listening connection, as a process would. The whole suite runs on
PostgreSQL too (the Makefile's second leg); these are what it cannot show.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import psycopg
import pytest

from bot.factory import open_storage
from infra.settings import Settings
from storage.db import Database, DatabaseError, Migration, load_migrations
from storage.models import ChatType, NewItem
from storage.postgres import to_psycopg
from storage.repositories import Storage
from storage.roles import Role
from tests.postgres import Cluster

pytestmark = pytest.mark.postgres_only

LVIV, KYIV = "UA-46", "UA-30"


async def eventually(check: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():  # type: ignore[misc]
        assert time.monotonic() < deadline, "not within the time"
        await asyncio.sleep(0.01)


@asynccontextmanager
async def two_processes(url: str) -> AsyncIterator[tuple[Storage, Storage]]:
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    first = await open_storage(settings)
    second = await open_storage(settings)
    try:
        yield first, second
    finally:
        await first.db.close()
        await second.db.close()


def test_placeholders_become_psycopgs_outside_quoted_text() -> None:
    assert to_psycopg("SELECT ? WHERE a = ?") == "SELECT %s WHERE a = %s"
    assert (
        to_psycopg("SELECT '?%' || ? WHERE b LIKE '%x'") == "SELECT '?%%' || %s WHERE b LIKE '%%x'"
    )
    assert to_psycopg('SELECT "odd?name" FROM t WHERE c = ?') == (
        'SELECT "odd?name" FROM t WHERE c = %s'
    )


async def test_five_processes_starting_at_once_migrate_once(
    postgres_cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    url = postgres_cluster.create_database("five_at_once")
    caplog.set_level(logging.INFO, logger="storage.postgres")
    databases = await asyncio.gather(*(Database.open(url) for _ in range(5)))
    try:
        versions = {await database.user_version() for database in databases}
    finally:
        for database in databases:
            await database.close()
    assert versions == {1}
    applied = [r for r in caplog.records if r.getMessage().startswith("applying migration")]
    assert [r.getMessage() for r in applied] == ["applying migration 0001_schema.sql"]


async def test_a_database_newer_than_the_code_is_refused(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("UPDATE visnyk_schema SET version = 99")
    with pytest.raises(DatabaseError, match="newer than this code"):
        await Database.open(postgres_url)


async def test_a_failed_migration_changes_nothing_and_says_which(
    postgres_cluster: Cluster,
) -> None:
    url = postgres_cluster.create_database("broken_migration")

    broken = (*load_migrations("postgres"), Migration(2, "0002_bad.sql", "CREATE TABLE x (;"))
    database = await Database.open(url, migrate=False)
    try:
        with pytest.raises(DatabaseError, match=r"0002_bad\.sql"):
            await database.migrate(broken)
        assert await database.user_version() == 0  # one transaction: 0001 went back too
    finally:
        await database.close()


async def test_a_grant_in_one_process_reaches_the_others_cache(postgres_url: str) -> None:
    async with two_processes(postgres_url) as (one, other):
        assert await other.roles.regions(42, Role.EDITOR) == frozenset()  # cached: none
        await one.roles.grant(42, Role.EDITOR, {LVIV}, by=1)
        await eventually(lambda: _has(other.roles.regions(42, Role.EDITOR), {LVIV}))
        await one.roles.revoke(42, Role.EDITOR, by=1)
        await eventually(lambda: _has(other.roles.regions(42, Role.EDITOR), set()))


async def test_subscriptions_settings_and_news_reach_the_others_caches(postgres_url: str) -> None:
    async with two_processes(postgres_url) as (one, other):
        await one.chats.upsert(7, ChatType.PRIVATE, None, "uk")
        assert await other.subscriptions.regions_of(7) == set()
        assert await other.items.latest(5) == []
        assert (await other.chat_settings.get(7)).language is None
        await one.subscriptions.add(7, {KYIV})
        await one.chat_settings.update(7, language="en")
        await one.outbox.publish(NewItem(KYIV, "Новина з Києва", datetime.now(UTC)))

        async def all_seen() -> bool:
            return (
                await other.subscriptions.regions_of(7) == {KYIV}
                and [item.title for item in await other.items.latest(5)] == ["Новина з Києва"]
                and (await other.chat_settings.get(7)).language == "en"
            )

        await eventually(all_seen)


async def test_two_senders_claiming_the_same_rows_never_share_one(postgres_url: str) -> None:
    async with two_processes(postgres_url) as (one, other):
        for chat in range(1, 201):
            await one.chats.upsert(chat, ChatType.PRIVATE, None, "uk")
        await one.subscriptions.subscribe_many(list(range(1, 201)), LVIV)
        await one.outbox.publish(NewItem(LVIV, "Усім", datetime.now(UTC)))
        due = [delivery.id for delivery in await one.outbox.due(200, time.time())]
        assert len(due) == 200
        mine, theirs = await asyncio.gather(
            one.outbox.claim(due), other.outbox.claim(list(reversed(due)))
        )
        assert not mine & theirs and mine | theirs == set(due)


async def _has(read: object, expected: set[str]) -> bool:
    return set(await read) == expected  # type: ignore[misc]
