"""Storage: real migrations on a temporary database, and what the repositories return."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.db import Database, DatabaseError, Migration, load_migrations
from storage.models import ChatType, ItemKind, NewItem
from storage.repositories import Storage
from tests.raw import INTEGRITY_ERRORS

T0 = datetime(2025, 11, 12, 12, 0, tzinfo=UTC)


async def test_migrations_set_user_version_and_pragmas(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "nested" / "folder" / "v.db")
    try:
        assert await db.user_version() == len(load_migrations())
        mode = await db.fetchone("PRAGMA journal_mode")
        keys = await db.fetchone("PRAGMA foreign_keys")
        assert mode is not None and mode[0] == "wal"
        assert keys is not None and keys[0] == 1
    finally:
        await db.close()
    # Opening again applies nothing and keeps the data.
    db = await Database.open(tmp_path / "nested" / "folder" / "v.db")
    assert await db.user_version() == len(load_migrations())
    await db.close()


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 999")
    with pytest.raises(DatabaseError, match="newer than this code"):
        await Database.open(path)


async def test_a_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "m.db", migrate=False)
    try:
        broken = (
            Migration(1, "0001_ok.sql", "CREATE TABLE a (x INTEGER);"),
            Migration(
                2, "0002_bad.sql", "CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1);"
            ),
        )
        with pytest.raises(DatabaseError, match=r"0002_bad\.sql"):
            await db.migrate(broken)
        assert await db.user_version() == 1
        tables = {row[0] for row in await db.fetchall("SELECT name FROM sqlite_master")}
        assert "a" in tables and "b" not in tables
    finally:
        await db.close()


async def test_latest_orders_filters_and_hides_retracted(store: Storage) -> None:
    ids = await store.items.add_many(
        [
            NewItem("UA-74", "Чернігів 1", T0),
            NewItem("UA-77", "Чернівці 1", T0 + timedelta(minutes=1)),
            NewItem("UA-74", "Чернігів 2", T0 + timedelta(minutes=2), kind=ItemKind.BREAKING),
            NewItem("UA", "Україна", T0 + timedelta(minutes=3)),
        ]
    )
    latest = await store.items.latest(10)
    assert [item.title for item in latest] == ["Україна", "Чернігів 2", "Чернівці 1", "Чернігів 1"]
    assert latest[1].is_breaking and latest[1].published_at == T0 + timedelta(minutes=2)
    chernihiv = await store.items.latest(10, {"UA-74"})
    assert [item.title for item in chernihiv] == ["Чернігів 2", "Чернігів 1"]
    assert await store.items.latest(10, set()) == []
    assert len(await store.items.latest(2)) == 2
    assert await store.items.retract(ids[2])
    assert not await store.items.retract(ids[2])
    assert [item.title for item in await store.items.latest(10, {"UA-74"})] == ["Чернігів 1"]
    assert [item.title for item in await store.items.latest(2)] == ["Україна", "Чернівці 1"]


async def test_latest_sees_every_write_through_the_repository(store: Storage) -> None:
    await store.items.add(NewItem("UA-74", "Перша", T0))
    assert [item.title for item in await store.items.latest(5)] == ["Перша"]
    await store.items.add(NewItem("UA-74", "Друга", T0 + timedelta(minutes=1)))
    assert [item.title for item in await store.items.latest(5)] == ["Друга", "Перша"]
    # A read while a failing batch is open must not leave its rows in the cache.
    with pytest.raises(INTEGRITY_ERRORS):
        await store.items.add_many([NewItem("UA-74", "Третя", T0), NewItem("UA-99", "Ні", T0)])
    assert [item.title for item in await store.items.latest(5)] == ["Друга", "Перша"]


async def test_items_need_a_known_region_and_a_title(store: Storage) -> None:
    with pytest.raises(INTEGRITY_ERRORS):
        await store.items.add(NewItem("UA-99", "Нікуди", T0))
    with pytest.raises(INTEGRITY_ERRORS):
        await store.items.add(NewItem("UA-74", "", T0))
    # A failed batch stores none of its items.
    with pytest.raises(INTEGRITY_ERRORS):
        await store.items.add_many([NewItem("UA-74", "Так", T0), NewItem("UA-99", "Ні", T0)])
    assert await store.items.count() == 0


async def test_naive_times_are_rejected(store: Storage) -> None:
    with pytest.raises(ValueError, match="naive"):
        await store.items.add(NewItem("UA-74", "Без поясу", datetime(2025, 1, 1)))


async def test_chats_upsert_reactivates_and_keeps_language(store: Storage) -> None:
    await store.chats.upsert(42, ChatType.PRIVATE, None, "en")
    await store.db.execute("UPDATE chats SET active = 0 WHERE id = 42")
    chat = await store.chats.get(42)
    assert chat is not None and not chat.active
    await store.chats.upsert(42, ChatType.PRIVATE, None, None)
    chat = await store.chats.get(42)
    assert chat is not None and chat.active and chat.language == "en"
    assert await store.chats.get(43) is None


async def test_regions_are_synced_from_the_code(store: Storage) -> None:
    codes = await store.regions.codes()
    assert len(codes) == 28 and {"UA", "UA-30", "UA-32", "UA-74", "UA-77"} <= codes


async def test_reminders_stored_in_ukrainian_become_reminders_for_every_reader(
    tmp_path: Path,
) -> None:
    """Migration 6: a reminder stored before it (the Ukrainian word in its text) loses the word
    and gains the flag; nothing else changes."""
    db = await Database.open(tmp_path / "old.db", migrate=False)
    try:
        await db.migrate(load_migrations()[:5])
        await db.execute(
            "INSERT INTO regions (code, name_uk, name_en) VALUES ('UA-46', 'Львівщина', 'Lviv')"
        )
        for title, body in (
            ("Нагадування: Концерт", "🗓 ⏰ Нагадування: <b>Концерт</b>\n🕒 23.05.2026 10:00"),
            ("Нагадування про тарифи", None),  # a news title that merely starts alike
        ):
            await db.execute(
                "INSERT INTO items (region_code, kind, title, published_at, created_at, "
                "body_html) VALUES ('UA-46', ?, ?, 0, 0, ?)",
                ("event" if body else "news", title, body),
            )
        await db.migrate()
        rows = await db.fetchall("SELECT title, body_html, reminder FROM items ORDER BY id")
        assert [tuple(row) for row in rows] == [
            ("Концерт", "🗓 <b>Концерт</b>\n🕒 23.05.2026 10:00", 1),
            ("Нагадування про тарифи", None, 0),
        ]
    finally:
        await db.close()
