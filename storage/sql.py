"""Statements more than one repository runs inside its own transactions."""

from __future__ import annotations

import aiosqlite

from storage.models import NewItem, to_timestamp


async def insert_item(
    connection: aiosqlite.Connection, item: NewItem, now: float, *, skip_duplicate: bool = False
) -> int | None:
    """Insert an item; with `skip_duplicate`, a story already stored gives None instead."""
    verb = "INSERT OR IGNORE" if skip_duplicate else "INSERT"
    cursor = await connection.execute(
        f"{verb} INTO items (region_code, kind, title, summary, url, source_name, published_at, "
        "created_at, source_id, guid, canonical_url, title_key, day, author_id, body_html) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            item.region_code,
            item.kind.value,
            item.title,
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
        ),
    )
    inserted = cursor.rowcount > 0
    item_id = cursor.lastrowid
    await cursor.close()
    return item_id if inserted and item_id else None
