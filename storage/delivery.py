"""Subscriptions, the outbox and the worker's lease: the storage side of delivery."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Sequence
from contextlib import asynccontextmanager

from storage.db import Database
from storage.models import (
    ChatType,
    Delivery,
    DeliveryResult,
    DeliveryStatus,
    NewItem,
    Published,
)
from storage.sql import enqueue_deliveries, insert_item


class SubscriptionsRepo:
    """A chat's regions are read on every /latest, so they are cached per chat until a write
    through this repository (or a chat migration) changes them."""

    _CACHE_SIZE = 100_000

    def __init__(self, db: Database) -> None:
        self._db = db
        self._regions: dict[int, frozenset[str]] = {}
        db.on_change("subscriptions", lambda key: self.invalidate(int(key) if key else None))

    def invalidate(self, chat_id: int | None = None) -> None:
        """Forget this process's cached regions of a chat (None: of every chat)."""
        if chat_id is None:
            self._regions.clear()
        else:
            self._regions.pop(chat_id, None)

    def changed(self, chat_id: int | None = None) -> None:
        """A committed write changed the chat's subscriptions: forget them here and in every
        other process."""
        self.invalidate(chat_id)
        self._db.broadcast("subscriptions", "" if chat_id is None else str(chat_id))

    @asynccontextmanager
    async def _changing(self, chat_id: int | None) -> AsyncIterator[None]:
        """Around a write: forget the cached regions before it and after it (committed or
        not), so that no read during the transaction stays cached."""
        self.invalidate(chat_id)
        try:
            yield
        finally:
            self.changed(chat_id)

    async def regions_of(self, chat_id: int) -> set[str]:
        cached = self._regions.get(chat_id)
        if cached is None:
            rows = await self._db.fetchall(
                "SELECT region_code FROM subscriptions WHERE chat_id = ?", (chat_id,)
            )
            cached = frozenset(row[0] for row in rows)
            if len(self._regions) >= self._CACHE_SIZE:
                self._regions.clear()
            self._regions[chat_id] = cached
        return set(cached)

    async def add(self, chat_id: int, codes: Iterable[str]) -> set[str]:
        """Subscribe; returns the codes that were not subscribed before."""
        wanted = set(codes)
        now = int(time.time())
        async with self._changing(chat_id), self._db.transaction() as connection:
            cursor = await connection.execute(
                "SELECT region_code FROM subscriptions WHERE chat_id = ?", (chat_id,)
            )
            before = {row[0] for row in await cursor.fetchall()}
            await cursor.close()
            added = wanted - before
            await connection.executemany(
                "INSERT INTO subscriptions (chat_id, region_code, created_at) VALUES (?, ?, ?)",
                [(chat_id, code, now) for code in sorted(added)],
            )
        return added

    async def remove(self, chat_id: int, codes: Iterable[str] | None = None) -> set[str]:
        """Unsubscribe from `codes` (None: from everything); returns what was removed."""
        async with self._changing(chat_id), self._db.transaction() as connection:
            cursor = await connection.execute(
                "SELECT region_code FROM subscriptions WHERE chat_id = ?", (chat_id,)
            )
            before = {row[0] for row in await cursor.fetchall()}
            await cursor.close()
            removed = before if codes is None else before & set(codes)
            await connection.executemany(
                "DELETE FROM subscriptions WHERE chat_id = ? AND region_code = ?",
                [(chat_id, code) for code in sorted(removed)],
            )
        return removed

    async def forget_chat(self, chat_id: int) -> bool:
        """/stop: the chat's subscriptions, its deliveries (pending and the record of what was
        sent), the chat itself and (a private chat's) its user's name, deleted together; False
        when nothing was kept about it."""
        async with self._changing(chat_id), self._db.transaction() as connection:
            deleted = 0
            for statement in (
                "DELETE FROM deliveries WHERE chat_id = ?",
                "DELETE FROM bundles WHERE chat_id = ?",
                "DELETE FROM subscriptions WHERE chat_id = ?",
                "DELETE FROM chat_settings WHERE chat_id = ?",
                "DELETE FROM chats WHERE id = ?",
                "DELETE FROM people WHERE user_id = ?",  # a private chat's id is its user's
            ):
                cursor = await connection.execute(statement, (chat_id,))
                deleted += cursor.rowcount
                await cursor.close()
        return deleted > 0

    async def toggle(self, chat_id: int, code: str) -> bool:
        """Flip one subscription; True when the chat is now subscribed."""
        async with self._changing(chat_id), self._db.transaction() as connection:
            cursor = await connection.execute(
                "DELETE FROM subscriptions WHERE chat_id = ? AND region_code = ?", (chat_id, code)
            )
            removed = cursor.rowcount > 0
            await cursor.close()
            if not removed:
                await connection.execute(
                    "INSERT INTO subscriptions (chat_id, region_code, created_at) "
                    "VALUES (?, ?, ?)",
                    (chat_id, code, int(time.time())),
                )
        return not removed

    async def subscribe_many(self, chat_ids: Sequence[int], code: str) -> None:
        """Bulk subscription, for benchmarks and imports (chats must exist)."""
        now = int(time.time())
        async with self._changing(None), self._db.transaction() as connection:
            await connection.executemany(
                "INSERT INTO subscriptions (chat_id, region_code, created_at) "
                "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(chat_id, code, now) for chat_id in chat_ids],
            )


class OutboxRepo:
    """Items become one delivery row per subscribed active chat, in the item's transaction."""

    def __init__(
        self,
        db: Database,
        on_items_changed: Callable[[], None],
        on_subscriptions_changed: Callable[[int | None], None],
    ) -> None:
        self._db = db
        self._items_changed = on_items_changed
        self._subscriptions_changed = on_subscriptions_changed

    async def publish(self, item: NewItem) -> Published:
        """Store the item and its deliveries together: never half-announced."""
        [published] = await self.publish_many([item])
        if published is None:
            raise ValueError("the item duplicates one already stored")
        return published

    async def publish_many(
        self,
        items: Sequence[NewItem],
        *,
        push: bool | Sequence[bool] = True,
        push_limit: int | None = None,
    ) -> list[Published | None]:
        """Store items, skipping stories already stored (None), all in one transaction.

        Deliveries are made for the items `push` allows (one flag for all, or one per item),
        and only for the first `push_limit` of those that turn out new (a feed's flood)."""
        now = time.time()
        results: list[Published | None] = []
        pushed = 0
        try:
            async with self._db.transaction() as connection:
                for index, item in enumerate(items):
                    skip = item.guid is not None or item.canonical_url is not None
                    item_id = await insert_item(
                        connection, item, now, dialect=self._db.dialect, skip_duplicate=skip
                    )
                    if item_id is None:
                        results.append(None)
                        continue
                    count = 0
                    wanted = push if isinstance(push, bool) else push[index]
                    if wanted and (push_limit is None or pushed < push_limit):
                        pushed += 1
                        priority = 1 if item.kind.value == "breaking" else 0
                        count = await enqueue_deliveries(
                            connection, item_id, item.region_code, priority, now
                        )
                    results.append(Published(item_id, count))
        finally:
            self._items_changed()  # /latest must see the new items
        return results

    async def due(
        self, limit: int, now: float, skip_chats: Collection[int] = ()
    ) -> list[Delivery]:
        """Pending deliveries whose time has come: breaking first, then oldest first."""
        if limit <= 0:
            return []  # SQLite reads a negative LIMIT as no limit at all
        # The IN term is redundant, but without it SQLite cannot use the partial index
        # deliveries_open (in ORDER BY order): it sorted every pending row on each call.
        # The item's state comes along: a retracted item is not sent, and a corrected one is
        # sent as it reads now.
        rows = await self._db.fetchall(
            "SELECT d.id, d.item_id, d.chat_id, c.type, coalesce(s.language, c.language), "
            "d.priority, d.attempts, coalesce(i.revision, 0), i.retracted_at IS NOT NULL, "
            "d.priority > 0 OR coalesce(i.reminder, 0) = 1, d.bundle_id "
            "FROM deliveries AS d JOIN chats AS c ON c.id = d.chat_id "
            "LEFT JOIN items AS i ON i.id = d.item_id "
            "LEFT JOIN chat_settings AS s ON s.chat_id = d.chat_id "
            "WHERE d.status IN ('pending', 'sending') AND d.status = 'pending' "
            "AND d.next_attempt_at <= ? "
            "ORDER BY d.priority DESC, d.id LIMIT ?",
            (now, limit + len(skip_chats)),
        )
        deliveries = [
            Delivery(
                row[0],
                row[1],
                row[2],
                ChatType(row[3]),
                row[4],
                row[5],
                row[6],
                revision=row[7],
                retracted=bool(row[8]),
                urgent=bool(row[9]),
                bundle_id=row[10],
            )
            for row in rows
            if row[2] not in skip_chats
        ]
        return deliveries[:limit]

    async def next_due_at(self) -> float | None:
        row = await self._db.fetchone(
            "SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending'"
        )
        return float(row[0]) if row and row[0] is not None else None

    async def claim(self, ids: Sequence[int]) -> set[int]:
        """Mark deliveries as in flight, before their requests go out; returns those that
        were still pending, which only this caller may send. Another sender's claim of the
        same rows (two senders for a moment, around a lease's handover) finds them taken:
        on PostgreSQL its rows are locked and skipped, not waited for."""
        if not ids:
            return set()
        # (PostgreSQL's branch is not mutated: `make mutate` runs on SQLite.)
        if self._db.dialect == "postgres":  # pragma: no mutate
            sql = (
                "UPDATE deliveries SET status = 'sending' WHERE id IN ("
                "SELECT id FROM deliveries WHERE id = ANY(?) AND status = 'pending' "
                "FOR UPDATE SKIP LOCKED) RETURNING id"
            )
            params: tuple[object, ...] = (list(ids),)  # pragma: no mutate
        else:
            marks = ", ".join("?" * len(ids))
            sql = (
                f"UPDATE deliveries SET status = 'sending' WHERE id IN ({marks}) "
                "AND status = 'pending' RETURNING id"
            )
            params = tuple(ids)
        async with self._db.transaction() as connection:
            cursor = await connection.execute(sql, params)
            rows = list(await cursor.fetchall())
            await cursor.close()
        return {int(row[0]) for row in rows}

    async def defer(self, results: Sequence[DeliveryResult]) -> None:
        """Put pending deliveries off until their `next_attempt_at`; rows another sender has
        claimed meanwhile are left alone."""
        if not results:
            return
        async with self._db.transaction() as connection:
            await connection.executemany(
                "UPDATE deliveries SET next_attempt_at = ? WHERE id = ? AND status = 'pending'",
                [(result.next_attempt_at, result.id) for result in results],
            )

    async def record(self, results: Sequence[DeliveryResult]) -> None:
        """Write a batch of outcomes in one transaction."""
        if not results:
            return
        async with self._db.transaction() as connection:
            await connection.executemany(
                "UPDATE deliveries SET status = ?, attempts = ?, message_id = ?, error = ?, "
                "next_attempt_at = ?, sent_at = ?, revision = coalesce(?, revision) WHERE id = ?",
                [
                    (
                        result.status.value,
                        result.attempts,
                        result.message_id,
                        result.error,
                        result.next_attempt_at,
                        result.sent_at,
                        result.revision,
                        result.id,
                    )
                    for result in results
                ],
            )

    async def requeue_in_flight(self) -> int:
        """At start-up: requests that were in flight when the last process died go again."""
        return await self._db.execute_count(
            "UPDATE deliveries SET status = 'pending' WHERE status = 'sending'"
        )

    async def skip_chat(self, chat_id: int, reason: str) -> int:
        """The chat is gone: deactivate it and skip everything still pending for it."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE chats SET active = 0, updated_at = ? WHERE id = ?",
                (int(time.time()), chat_id),
            )
            cursor = await connection.execute(
                "UPDATE deliveries SET status = 'skipped', error = ? "
                "WHERE chat_id = ? AND status IN ('pending', 'held')",
                (reason, chat_id),
            )
            skipped = cursor.rowcount
            await cursor.close()
        return skipped

    async def migrate_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: its subscriptions and pending deliveries move along."""
        now = int(time.time())
        try:
            await self._migrate_chat(old_id, new_id, now)
        finally:
            self._subscriptions_changed(old_id)
            self._subscriptions_changed(new_id)

    async def _migrate_chat(self, old_id: int, new_id: int, now: int) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                "INSERT INTO chats (id, type, title, language, active, created_at, updated_at) "
                "SELECT ?, 'supergroup', title, language, 1, ?, ? FROM chats WHERE id = ? "
                "ON CONFLICT (id) DO UPDATE SET active = 1, updated_at = excluded.updated_at",
                (new_id, now, now, old_id),
            )
            await connection.execute(
                "INSERT INTO subscriptions (chat_id, region_code, created_at) "
                "SELECT ?, region_code, created_at FROM subscriptions WHERE chat_id = ? "
                "ON CONFLICT DO NOTHING",
                (new_id, old_id),
            )
            await connection.execute("DELETE FROM subscriptions WHERE chat_id = ?", (old_id,))
            await connection.execute(
                "INSERT INTO chat_settings (chat_id, language, digest_at, quiet_from, "
                "quiet_to, quiet_mode, previews, last_digest_day, updated_at) "
                "SELECT ?, language, digest_at, quiet_from, quiet_to, quiet_mode, previews, "
                "last_digest_day, updated_at FROM chat_settings WHERE chat_id = ? "
                "ON CONFLICT DO NOTHING",
                (new_id, old_id),
            )
            # A delivery of the same item that already exists for the new id wins.
            await connection.execute(
                "UPDATE deliveries SET chat_id = ? "
                "WHERE chat_id = ? AND status IN ('pending', 'sending', 'held') "
                "AND (item_id IS NULL OR item_id NOT IN "
                "(SELECT item_id FROM deliveries WHERE chat_id = ? AND item_id IS NOT NULL))",
                (new_id, old_id, new_id),
            )
            await connection.execute(
                "UPDATE deliveries SET status = 'cancelled', error = 'migrated' "
                "WHERE chat_id = ? AND status IN ('pending', 'sending', 'held')",
                (old_id,),
            )
            await connection.execute(
                "UPDATE chats SET active = 0, updated_at = ? WHERE id = ?", (now, old_id)
            )

    async def counts(self, item_id: int | None = None) -> dict[DeliveryStatus, int]:
        """Deliveries by status, for one item or all."""
        where, params = ("WHERE item_id = ?", (item_id,)) if item_id is not None else ("", ())
        rows = await self._db.fetchall(
            f"SELECT status, count(*) FROM deliveries {where} GROUP BY status", params
        )
        counts = dict.fromkeys(DeliveryStatus, 0)
        counts.update({DeliveryStatus(row[0]): int(row[1]) for row in rows})
        return counts


class LeasesRepo:
    """A named lease in SQLite: the holder renews it; another process may take it once expired."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def acquire(
        self, name: str, owner: str, ttl: float, *, steal_from: str | None = None
    ) -> bool:
        """Take or renew the lease; `steal_from` names a holder known to be dead."""
        now = time.time()
        changed = await self._db.execute_count(
            "INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, "
            "expires_at = excluded.expires_at "
            "WHERE leases.owner = excluded.owner OR leases.expires_at < ? OR leases.owner = ?",
            (name, owner, now + ttl, now, steal_from or ""),
        )
        return changed > 0

    async def holder(self, name: str) -> tuple[str, float] | None:
        row = await self._db.fetchone(
            "SELECT owner, expires_at FROM leases WHERE name = ?", (name,)
        )
        return (str(row[0]), float(row[1])) if row else None

    async def release(self, name: str, owner: str) -> None:
        await self._db.execute("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner))
