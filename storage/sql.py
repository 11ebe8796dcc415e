"""Statements more than one repository runs inside its own transactions."""

from __future__ import annotations

from storage.db import Connection, Dialect
from storage.lemmas import index_terms
from storage.models import NewItem, to_timestamp

TITLE_LIMIT = 300  # characters of a stored title (as jobs.parsing cuts a feed's)


def capped(text: str, limit: int = TITLE_LIMIT) -> str:
    """`text` cut to `limit` characters, ending in "…" when it was longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def search_columns(dialect: Dialect, title: str, summary: str | None = None) -> dict[str, str]:
    """What PostgreSQL's search index reads beside a title (and a body) being written: their
    lemmas (storage.lemmas). SQLite's triggers make these themselves (migration 0016)."""
    if dialect != "postgres":
        return {}
    columns = {"search_title": index_terms(title)}
    if summary is not None:
        columns["search_body"] = index_terms(summary)
    return columns


async def insert_item(
    connection: Connection,
    item: NewItem,
    now: float,
    *,
    dialect: Dialect,
    skip_duplicate: bool = False,
) -> int | None:
    """Insert an item; with `skip_duplicate`, a story already stored gives None instead."""
    title = capped(item.title)  # every way in (feeds, editors, events) stores it bounded
    values: dict[str, object] = {
        "region_code": item.region_code,
        "kind": item.kind.value,
        "title": title,
        "summary": item.summary,
        "url": item.url,
        "source_name": item.source_name,
        "published_at": to_timestamp(item.published_at),
        "created_at": int(now),
        "source_id": item.source_id,
        "guid": item.guid,
        "canonical_url": item.canonical_url,
        "title_key": item.title_key,
        "day": item.day,
        "author_id": item.author_id,
        "body_html": item.body_html,
        "reminder": int(item.reminder),
        "event_id": item.event_id,
        "cancellation": int(item.cancellation),
        "photo": item.photo,
        **search_columns(dialect, title, item.summary),
    }
    conflict = " ON CONFLICT DO NOTHING" if skip_duplicate else ""
    cursor = await connection.execute(
        f"INSERT INTO items ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})"
        f"{conflict} RETURNING id",
        tuple(values.values()),
    )
    row = await cursor.fetchone()
    await cursor.close()
    return int(row[0]) if row else None


NATIONAL = "UA"  # the "all Ukraine" region code


async def enqueue_deliveries(
    connection: Connection, item_id: int, region_code: str, priority: int, now: float
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
