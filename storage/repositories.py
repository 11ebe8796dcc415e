"""Repositories: one statement or one guarded transaction per method."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection, Iterable, Sequence

from storage.chat_settings import ChatSettingsRepo
from storage.db import Database, Row
from storage.delivery import LeasesRepo, OutboxRepo, SubscriptionsRepo
from storage.editorial import EditorialRepo
from storage.events import EventsRepo
from storage.members import MembersRepo
from storage.models import Chat, ChatType, Item, ItemKind, NewItem, from_timestamp
from storage.roles import AuditRepo, PeopleRepo, RolesRepo
from storage.search import match_expression, text_groups, ts_query
from storage.sources import SourcesRepo
from storage.sql import insert_item
from storage.stats import OpsRepo, StatsRepo

_ITEM_COLUMNS = (
    "id, region_code, kind, title, summary, url, source_name, published_at, author_id, body_html, "
    "reminder, cancellation, photo, revision"
)

# The same, named by the view readers read (for joins).
_VISIBLE_ITEM_COLUMNS = ", ".join(
    f"visible_items.{name.strip()}" for name in _ITEM_COLUMNS.split(",")
)


def _item(row: Row) -> Item:
    return Item(
        id=row["id"],
        region_code=row["region_code"],
        kind=ItemKind(row["kind"]),
        title=row["title"],
        summary=row["summary"],
        url=row["url"],
        source_name=row["source_name"],
        published_at=from_timestamp(row["published_at"]),
        author_id=row["author_id"],
        body_html=row["body_html"],
        reminder=bool(row["reminder"]),
        cancellation=bool(row["cancellation"]),
        photo=row["photo"],
        revision=row["revision"],
    )


class RegionsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def sync(self, regions: Iterable[tuple[str, str, str]]) -> None:
        """Upsert (code, name_uk, name_en) rows: the code's region list is the truth."""
        rows = list(regions)
        async with self._db.transaction() as connection:
            await connection.executemany(
                "INSERT INTO regions (code, name_uk, name_en) VALUES (?, ?, ?) "
                "ON CONFLICT (code) DO UPDATE SET name_uk = excluded.name_uk, "
                "name_en = excluded.name_en",
                rows,
            )

    async def codes(self) -> set[str]:
        rows = await self._db.fetchall("SELECT code FROM regions")
        return {row["code"] for row in rows}


# /search ranks the newest this many matches (a common word has hundreds of thousands).
SEARCH_CANDIDATES = 1000
# Candidates ranked by one statement (see search_page).
SEARCH_CHUNK = 500
# Matches among the newest items (items_recent) that are enough to rank there alone.
RECENT_ENOUGH = 200
# Days after which a match needs twice the relevance to rank as high as a new one.
RECENCY_HALF_WEIGHT = 30.0


class ItemsRepo:
    """Items. Reads of the newest items are cached until the next write through this repository.

    /latest and /region are the hottest reads and change only when items do. On SQLite the
    bot's process is the one writer of its database (see README), so its own writes are the
    only invalidation; on PostgreSQL other processes' writes are broadcast (storage.db).
    """

    _CACHE_SIZE = 256

    def __init__(self, db: Database) -> None:
        self._db = db
        # One shared query per key: concurrent readers of a cold key await the same task.
        self._latest: dict[tuple[int, frozenset[str] | None], asyncio.Task[list[Item]]] = {}
        db.on_change("items", lambda _key: self.invalidate())

    def invalidate(self) -> None:
        """Forget this process's cached reads: items changed."""
        self._latest.clear()

    def changed(self) -> None:
        """A write to items ended (committed or not): forget cached reads here and in every
        other process."""
        self.invalidate()
        self._db.broadcast("items")

    async def add(self, item: NewItem) -> int:
        return (await self.add_many([item]))[0]

    async def add_many(self, items: Sequence[NewItem]) -> list[int]:
        now = int(time.time())
        ids = []
        try:
            async with self._db.transaction() as connection:
                for item in items:
                    item_id = await insert_item(connection, item, now, dialect=self._db.dialect)
                    ids.append(item_id or 0)
        finally:
            # After the transaction (committed or not): a read during it may have cached
            # rows that are now different.
            self.changed()
        return ids

    async def retract(self, item_id: int) -> bool:
        """Hide an item from readers; False when there is no such visible item.

        An event's announcement takes the event's reminders with it: those published already
        are hidden too, and their copies not sent yet are cancelled (those not due yet are
        never published: see EventsRepo).
        """
        now = int(time.time())
        try:
            async with self._db.transaction() as connection:
                cursor = await connection.execute(
                    "UPDATE items SET retracted_at = ? WHERE id = ? AND retracted_at IS NULL",
                    (now, item_id),
                )
                changed = cursor.rowcount > 0
                await cursor.close()
                if changed:
                    reminders = "SELECT id FROM events WHERE item_id = ?"
                    await connection.execute(
                        "UPDATE items SET retracted_at = ? "
                        f"WHERE retracted_at IS NULL AND event_id IN ({reminders})",
                        (now, item_id),
                    )
                    await connection.execute(
                        "UPDATE deliveries SET status = 'cancelled', error = 'retracted' "
                        "WHERE status = 'pending' AND item_id IN "
                        f"(SELECT id FROM items WHERE event_id IN ({reminders}))",
                        (item_id,),
                    )
        finally:
            self.changed()
        return changed

    async def latest(self, limit: int, regions: Collection[str] | None = None) -> list[Item]:
        """Newest first; `regions` narrows to those codes (None means every region)."""
        key = (limit, None if regions is None else frozenset(regions))
        query = self._latest.get(key)
        if query is None:
            if len(self._latest) >= self._CACHE_SIZE:
                self._latest.clear()
            query = asyncio.ensure_future(self._query_latest(limit, regions))
            self._latest[key] = query
        try:
            return list(await asyncio.shield(query))
        except Exception:
            if self._latest.get(key) is query:
                del self._latest[key]
            raise

    async def _query_latest(self, limit: int, regions: Collection[str] | None) -> list[Item]:
        if regions is None:
            rows = await self._db.fetchall(
                f"SELECT {_ITEM_COLUMNS} FROM visible_items "
                "ORDER BY published_at DESC, id DESC LIMIT ?",
                (limit,),
            )
        else:
            codes = sorted(regions)
            if not codes:
                return []
            marks = ", ".join("?" * len(codes))
            rows = await self._db.fetchall(
                f"SELECT {_ITEM_COLUMNS} FROM visible_items "
                f"WHERE region_code IN ({marks}) ORDER BY published_at DESC, id DESC LIMIT ?",
                (*codes, limit),
            )
        return [_item(row) for row in rows]

    async def search(
        self,
        query: str | Sequence[Collection[str]],
        limit: int = 10,
        *,
        offset: int = 0,
        region_code: str | None = None,
    ) -> list[Item]:
        """The best `limit` items for `query` after the first `offset`; see `search_page`."""
        items, _total = await self.search_page(
            query, limit, offset=offset, region_code=region_code
        )
        return items

    async def search_page(
        self,
        query: str | Sequence[Collection[str]],
        limit: int = 10,
        *,
        offset: int = 0,
        region_code: str | None = None,
        now: float | None = None,
    ) -> tuple[list[Item], int]:
        """Items whose title or body has every word of `query` in some form, best first, and
        how many there are (up to SEARCH_CANDIDATES).

        `query` is plain text, or groups of terms (storage.search). Only the newest
        SEARCH_CANDIDATES matches are ranked: relevance (FTS5's bm25, a title counting thrice
        a body) weighed down with age, so that of two equally good matches the newer comes
        first and a month-old one needs twice the relevance. Words found RECENT_ENOUGH times
        among the newest 50,000 items are ranked there, with those items' statistics. Both
        bound the time a common word holds the database's one thread.
        """
        groups = text_groups(query) if isinstance(query, str) else query
        if self._db.dialect == "postgres":
            found = await self._postgres_matches(groups, region_code)
        else:
            found = await self._sqlite_matches(groups, region_code, offset)
        if found is None:
            return [], 0
        candidates, total = found
        moment = time.time() if now is None else now
        half_weight = RECENCY_HALF_WEIGHT * 86400.0
        ranked: list[tuple[float, int, int]] = []  # (blended rank, -published_at, -id)
        for item_id, rank, published_at in candidates:
            age = max(0.0, moment - published_at)
            ranked.append((rank / (1.0 + age / half_weight), -published_at, -item_id))
        ranked.sort()
        page = [-negative_id for _, _, negative_id in ranked[offset : offset + limit]]
        if not page:
            return [], total
        rows = await self._db.fetchall(
            f"SELECT {_ITEM_COLUMNS} FROM visible_items "
            f"WHERE id IN ({', '.join('?' * len(page))})",
            tuple(page),
        )
        by_id = {row["id"]: _item(row) for row in rows}
        return [by_id[item_id] for item_id in page if item_id in by_id], total

    async def _sqlite_matches(
        self, groups: Sequence[Collection[str]], region_code: str | None, offset: int
    ) -> tuple[list[tuple[int, float, int]], int] | None:
        """The newest SEARCH_CANDIDATES matches in FTS5's index (migration 0016) as (id,
        relevance, published_at), lower relevance better, and how many there are."""
        expression = match_expression(groups, region_code)
        if expression is None:
            return None
        # Among the newest items when the words are found often enough there (ranking reads
        # every row of each term in its table: see migration 0012), else among all.
        for table in ("items_recent", "items_index"):
            row = await self._db.fetchone(
                f"SELECT count(*) FROM (SELECT rowid FROM {table} WHERE {table} MATCH ? "
                "ORDER BY rowid DESC LIMIT ?)",
                (expression, SEARCH_CANDIDATES),
            )
            total = int(row[0]) if row else 0
            if total >= RECENT_ENOUGH:
                break
        candidates: list[tuple[int, float, int]] = []
        if total == 0 or offset >= total:
            return candidates, total
        # Ranked a chunk at a time, newest first: each statement holds the database's one
        # thread for a millisecond or two, and whatever else is waiting for it (a /latest)
        # goes between two chunks instead of after the whole search.
        below, seen = 2**63 - 1, 0
        while seen < total:
            rows = await self._db.fetchall(
                "SELECT hits.id, hits.rank, visible_items.published_at FROM ("
                f"  SELECT rowid AS id, bm25({table}, 3.0, 1.0, 0.0) AS rank FROM {table}"
                f"  WHERE {table} MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?"
                ") AS hits LEFT JOIN visible_items ON visible_items.id = hits.id",
                (expression, below, min(SEARCH_CHUNK, total - seen)),
            )
            if not rows:
                break
            seen += len(rows)
            below = min(int(row[0]) for row in rows)
            candidates += [
                (item_id, rank, published_at)
                for item_id, rank, published_at in rows
                if published_at is not None  # not for readers (the index follows items: never)
            ]
        return candidates, total

    async def _postgres_matches(
        self, groups: Sequence[Collection[str]], region_code: str | None
    ) -> tuple[list[tuple[int, float, int]], int] | None:
        """The same from PostgreSQL's index (a tsvector of the same lemmas, the title weighing
        thrice the body): ts_rank, negated so that lower is better as with bm25."""
        expression = ts_query(groups)
        if expression is None:
            return None
        region_sql, params = ("AND region_code = ? ", (region_code,)) if region_code else ("", ())
        rows = await self._db.fetchall(
            "SELECT id, -ts_rank('{0, 0, 0.3333, 1}', search, query), published_at "
            "FROM items, to_tsquery('simple', ?) AS query "
            f"WHERE retracted_at IS NULL AND search @@ query {region_sql}"
            "ORDER BY id DESC LIMIT ?",
            (expression, *params, SEARCH_CANDIDATES),
        )
        candidates = [(int(row[0]), float(row[1]), int(row[2])) for row in rows]
        return candidates, len(candidates)

    async def get(self, item_id: int) -> Item | None:
        """Any item, retracted ones too: for editors and the delivery worker, who must know
        of them. What readers ask for by id goes through `visible`."""
        row = await self._db.fetchone(
            f"SELECT {_ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)
        )
        return _item(row) if row else None

    async def visible(self, item_id: int) -> Item | None:
        """The item as readers may see it: None once it is retracted."""
        row = await self._db.fetchone(
            f"SELECT {_ITEM_COLUMNS} FROM visible_items WHERE id = ?", (item_id,)
        )
        return _item(row) if row else None

    async def visible_many(self, item_ids: Sequence[int]) -> list[Item]:
        """Those of the items readers may still see, newest first."""
        found: list[Item] = []
        for start in range(0, len(item_ids), 500):  # SQLite's limit on bound parameters
            chunk = tuple(item_ids[start : start + 500])
            rows = await self._db.fetchall(
                f"SELECT {_ITEM_COLUMNS} FROM visible_items "
                f"WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            found += [_item(row) for row in rows]
        return sorted(found, key=lambda item: (item.published_at, item.id), reverse=True)

    async def count(self) -> int:
        row = await self._db.fetchone("SELECT count(*) FROM items")
        return int(row[0]) if row else 0


class ChatsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert(
        self, chat_id: int, chat_type: ChatType, title: str | None, language: str | None
    ) -> Chat:
        """Remember a chat that spoke to the bot (and mark it active again)."""
        now = int(time.time())
        await self._db.execute(
            "INSERT INTO chats (id, type, title, language, active, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (id) DO UPDATE SET type = excluded.type, "
            "title = excluded.title, language = coalesce(excluded.language, chats.language), "
            "active = 1, updated_at = excluded.updated_at",
            (chat_id, chat_type.value, title, language, now, now),
        )
        return Chat(chat_id, chat_type, title, language, active=True)

    async def get(self, chat_id: int) -> Chat | None:
        row = await self._db.fetchone(
            "SELECT id, type, title, language, active FROM chats WHERE id = ?", (chat_id,)
        )
        if row is None:
            return None
        return Chat(
            row["id"], ChatType(row["type"]), row["title"], row["language"], bool(row["active"])
        )


class Storage:
    """The repositories over one database, handed to handlers as `storage`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.regions = RegionsRepo(db)
        self.items = ItemsRepo(db)
        self.chats = ChatsRepo(db)
        self.subscriptions = SubscriptionsRepo(db)
        self.outbox = OutboxRepo(db, self.items.changed, self.subscriptions.changed)
        self.leases = LeasesRepo(db)
        self.sources = SourcesRepo(db)
        self.roles = RolesRepo(db)
        self.audit = AuditRepo(db)
        self.people = PeopleRepo(db)
        self.members = MembersRepo(db)
        self.editorial = EditorialRepo(db, self.items.changed)
        self.events = EventsRepo(db, self.items.changed)
        self.stats = StatsRepo(db)
        self.ops = OpsRepo(db)
        self.chat_settings = ChatSettingsRepo(db, self.items.visible_many)
