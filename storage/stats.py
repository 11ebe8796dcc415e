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
