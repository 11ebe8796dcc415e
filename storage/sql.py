"""Statements more than one repository runs inside its own transactions."""

from __future__ import annotations

import aiosqlite

from storage.models import NewItem, to_timestamp

TITLE_LIMIT = 300  # characters of a stored title (as jobs.parsing cuts a feed's)


def capped(text: str, limit: int = TITLE_LIMIT) -> str:
    """`text` cut to `limit` characters, ending in "…" when it was longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def insert_item(
    connection: aiosqlite.Connection, item: NewItem, now: float, *, skip_duplicate: bool = False
) -> int | None:
    """Insert an item; with `skip_duplicate`, a story already stored gives None instead."""
    verb = "INSERT OR IGNORE" if skip_duplicate else "INSERT"
    cursor = await connection.execute(
        f"{verb} INTO items (region_code, kind, title, summary, url, source_name, published_at, "
        "created_at, source_id, guid, canonical_url, title_key, day, author_id, body_html, "
        "reminder, event_id, cancellation, photo) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            item.region_code,
            item.kind.value,
            capped(item.title),  # every way in (feeds, editors, events) stores it bounded
            item.summary,
            item.url,
            item.source_name,
            to_timestamp(item.published_at),
            int(now),
            item.source_id,
            item.guid,
            item.canonical_url,
            item.title_key,
            item.day,
            item.author_id,
            item.body_html,
            int(item.reminder),
            item.event_id,
            int(item.cancellation),
            item.photo,
        ),
    )
    inserted = cursor.rowcount > 0
    item_id = cursor.lastrowid
    await cursor.close()
    return item_id if inserted and item_id else None


NATIONAL = "UA"  # the "all Ukraine" region code


async def enqueue_deliveries(
    connection: aiosqlite.Connection, item_id: int, region_code: str, priority: int, now: float
) -> int:
    """One delivery per active chat subscribed to the item's region or to all Ukraine; a
    national item goes to every chat that subscribed to anything. Returns how many."""
    if region_code == NATIONAL:
        audience = "SELECT DISTINCT chat_id FROM subscriptions"
        params: tuple[object, ...] = ()
    else:
        audience = "SELECT DISTINCT chat_id FROM subscriptions WHERE region_code IN (?, ?)"
        params = (region_code, NATIONAL)
    cursor = await connection.execute(
        "INSERT INTO deliveries (item_id, chat_id, priority, created_at) "
        f"SELECT ?, audience.chat_id, ?, ? FROM ({audience}) AS audience "
        "JOIN chats ON chats.id = audience.chat_id AND chats.active = 1",
        (item_id, priority, now, *params),
    )
    count = cursor.rowcount
    await cursor.close()
    return count
