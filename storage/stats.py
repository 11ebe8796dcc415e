"""/stats: the figures an admin wants at a glance, each from an index or a small table.

Nothing here scans the deliveries table (it grows by one row per subscriber per item): the
open queue is read through its partial index, and what was sent is counted by the delivery
worker in memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True, slots=True)
class Stats:
    private_chats: int
    groups: int  # groups and supergroups
    channels: int
    inactive_chats: int  # blocked the bot, or removed it
    subscriptions: int
    top_regions: tuple[tuple[str, int], ...]  # (region code, subscribed chats), most first
    items_total: int
    items_last_day: int
    breaking_last_day: int
    sources: int
    failing_sources: int
    queued: int  # deliveries pending or being sent


class StatsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def collect(self, top: int = 5, now: float | None = None) -> Stats:
        day_ago = int((now or time.time()) - 86_400)
        chats = {
            (row[0], bool(row[1])): int(row[2])
            for row in await self._db.fetchall(
                "SELECT type, active, count(*) FROM chats GROUP BY type, active"
            )
        }
        regions = await self._db.fetchall(
            "SELECT s.region_code, count(*) AS n FROM subscriptions AS s "
            "JOIN chats AS c ON c.id = s.chat_id AND c.active = 1 "
            "GROUP BY s.region_code ORDER BY n DESC, s.region_code LIMIT ?",
            (top,),
        )
        row = await self._db.fetchone(
            "SELECT (SELECT count(*) FROM subscriptions AS s JOIN chats AS c "
            "        ON c.id = s.chat_id AND c.active = 1), "
            "(SELECT count(*) FROM visible_items), "
            "(SELECT count(*) FROM visible_items WHERE published_at > ?), "
            "(SELECT count(*) FROM visible_items WHERE published_at > ? AND kind = 'breaking'), "
            "(SELECT count(*) FROM sources WHERE enabled = 1), "
            "(SELECT count(*) FROM sources WHERE enabled = 1 AND failures > 0), "
            "(SELECT count(*) FROM deliveries WHERE status IN ('pending', 'sending'))",
            (day_ago, day_ago),
        )
        assert row is not None
        active = {kind: count for (kind, is_active), count in chats.items() if is_active}
        return Stats(
            private_chats=active.get("private", 0),
            groups=active.get("group", 0) + active.get("supergroup", 0),
            channels=active.get("channel", 0),
            inactive_chats=sum(count for (_, is_active), count in chats.items() if not is_active),
            subscriptions=int(row[0]),
            top_regions=tuple((str(code), int(count)) for code, count in regions),
            items_total=int(row[1]),
            items_last_day=int(row[2]),
            breaking_last_day=int(row[3]),
            sources=int(row[4]),
            failing_sources=int(row[5]),
            queued=int(row[6]),
        )


@dataclass(frozen=True, slots=True)
class OutboxState:
    depth: int  # deliveries pending or being sent
    oldest_created_at: float | None  # when the oldest of them was queued; None: empty

    def oldest_age(self, now: float) -> float:
        return 0.0 if self.oldest_created_at is None else max(0.0, now - self.oldest_created_at)


@dataclass(frozen=True, slots=True)
class SourceHealth:
    id: int
    region_code: str
    last_success_at: float | None  # None: never succeeded
    created_at: float


class OpsRepo:
    """What health checks, metrics and /stats' chart read: small tables, indexes, and of the
    deliveries only the open queue (partial index) or the last day's rows (a rowid range)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def outbox(self) -> OutboxState:
        row = await self._db.fetchone(
            "SELECT count(*), min(id) FROM deliveries WHERE status IN ('pending', 'sending')"
        )
        if row is None or not row[0]:
            return OutboxState(0, None)
        # Rows are numbered in the order they were queued: the lowest open id is the oldest.
        oldest = await self._db.fetchone(
            "SELECT created_at FROM deliveries WHERE id = ?", (int(row[1]),)
        )
        return OutboxState(int(row[0]), float(oldest[0]) if oldest else None)

    async def subscribers_by_region(self) -> dict[str, int]:
        """Active chats subscribed to each region (regions without any are left out)."""
        rows = await self._db.fetchall(
            "SELECT s.region_code, count(*) FROM subscriptions AS s "
            "JOIN chats AS c ON c.id = s.chat_id AND c.active = 1 GROUP BY s.region_code"
        )
        return {str(row[0]): int(row[1]) for row in rows}

    async def active_chats(self) -> dict[str, int]:
        """Active chats by kind: private, group, supergroup, channel."""
        rows = await self._db.fetchall(
            "SELECT type, count(*) FROM chats WHERE active = 1 GROUP BY type"
        )
        return {str(row[0]): int(row[1]) for row in rows}

    async def sources(self) -> list[SourceHealth]:
        """The enabled feed sources and when each last succeeded."""
        rows = await self._db.fetchall(
            "SELECT id, region_code, last_success_at, created_at FROM sources WHERE enabled = 1 "
            "ORDER BY id"
        )
        return [
            SourceHealth(
                int(row[0]),
                str(row[1]),
                float(row[2]) if row[2] is not None else None,
                float(row[3]),
            )
            for row in rows
        ]

    async def deliveries_per_hour(self, since: float) -> dict[tuple[int, str], int]:
        """Deliveries queued since `since`, counted by (hour, status): hour 0 is the hour
        starting at `since`, 1 the next, and so on."""
        first = await self._first_id_since(since)
        if first is None:
            return {}
        rows = await self._db.fetchall(
            f"SELECT {self._db.truncate('(created_at - ?) / 3600')} AS hour, status, count(*) "
            "FROM deliveries WHERE id >= ? AND created_at >= ? GROUP BY hour, status",
            (since, first, since),
        )
        return {(int(row[0]), str(row[1])): int(row[2]) for row in rows}

    async def _first_id_since(self, since: float) -> int | None:
        """An id from which on every delivery was queued at or after `since` (and none
        before it was), found by bisection.

        The table has no index on created_at (one more index to write per delivery), but ids
        grow in the order rows are queued, and so does created_at: some thirty lookups by
        rowid find the start of the last day, whatever the table's size."""
        bounds = await self._db.fetchone("SELECT min(id), max(id) FROM deliveries")
        if bounds is None or bounds[0] is None:
            return None
        low, high = int(bounds[0]), int(bounds[1])
        if await self._queued_at(high) < since:
            return None
        while low < high:  # the first row at or after `low` is too old; from `high` on, not
            middle = (low + high) // 2
            if await self._queued_at(middle) >= since:
                high = middle
            else:
                low = middle + 1
        return low

    async def _queued_at(self, delivery_id: int) -> float:
        """When the first delivery numbered `delivery_id` or more was queued."""
        row = await self._db.fetchone(
            "SELECT created_at FROM deliveries WHERE id >= ? ORDER BY id LIMIT 1", (delivery_id,)
        )
        return float(row[0]) if row is not None else float("inf")
