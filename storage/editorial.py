"""Editors' changes to published items: corrections, retractions, and delivery reports."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from storage.db import Database
from storage.models import DeliveryStatus


@dataclass(frozen=True, slots=True)
class DeliveredCopy:
    """One copy of an item in one chat, as Telegram holds it."""

    chat_id: int
    message_id: int
    language: str  # "uk" or "en": the language it was rendered in
    sent_at: float


@dataclass(frozen=True, slots=True)
class ItemReport:
    """What became of an item's deliveries."""

    counts: dict[DeliveryStatus, int]
    failures: tuple[tuple[str, int], ...]  # (reason, how many), most frequent first
    created_at: float  # when the item was stored
    first_sent_at: float | None
    last_sent_at: float | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def delivered(self) -> int:
        return self.counts[DeliveryStatus.SENT]

    @property
    def pending(self) -> int:
        return self.counts[DeliveryStatus.PENDING] + self.counts[DeliveryStatus.SENDING]

    @property
    def failed(self) -> int:
        return self.counts[DeliveryStatus.FAILED]

    @property
    def skipped(self) -> int:
        """Chats that blocked the bot or vanished, and copies cancelled (retracted, moved)."""
        return self.counts[DeliveryStatus.SKIPPED] + self.counts[DeliveryStatus.CANCELLED]


class EditorialRepo:
    def __init__(self, db: Database, on_items_changed: Callable[[], None]) -> None:
        self._db = db
        self._items_changed = on_items_changed

    async def correct(self, item_id: int, title: str, body_html: str, editor: int) -> bool:
        """Replace an item's text (and log who did it); False when there is no such item."""
        now = int(time.time())
        try:
            async with self._db.transaction() as connection:
                cursor = await connection.execute(
                    "UPDATE items SET title = ?, body_html = ?, updated_at = ? "
                    "WHERE id = ? AND retracted_at IS NULL",
                    (title, body_html, now, item_id),
                )
                changed = cursor.rowcount > 0
                await cursor.close()
                if changed:
                    await connection.execute(
                        "INSERT INTO audit_log (at, user_id, action, item_id, details) "
                        "VALUES (?, ?, 'correct', ?, ?)",
                        (now, editor, item_id, title[:200]),
                    )
        finally:
            self._items_changed()  # /latest must show the new text
        return changed

    async def is_retracted(self, item_id: int) -> bool:
        row = await self._db.fetchone("SELECT retracted_at FROM items WHERE id = ?", (item_id,))
        return row is not None and row[0] is not None

    async def delivered(self, item_id: int) -> list[DeliveredCopy]:
        """Copies Telegram holds: sent deliveries with their message ids."""
        rows = await self._db.fetchall(
            "SELECT d.chat_id, d.message_id, c.language, d.sent_at FROM deliveries AS d "
            "JOIN chats AS c ON c.id = d.chat_id "
            "WHERE d.item_id = ? AND d.status = 'sent' AND d.message_id IS NOT NULL "
            "ORDER BY d.id",
            (item_id,),
        )
        return [
            DeliveredCopy(
                row[0], row[1], "en" if row[2] == "en" else "uk", float(row[3] or time.time())
            )
            for row in rows
        ]

    async def cancel_pending(self, item_id: int) -> int:
        """Copies not sent yet will not be: returns how many were cancelled."""
        return await self._db.execute_count(
            "UPDATE deliveries SET status = 'cancelled', error = 'retracted' "
            "WHERE item_id = ? AND status = 'pending'",
            (item_id,),
        )

    async def report(self, item_id: int) -> ItemReport | None:
        """Deliveries by status, failure reasons, and timing; None without such an item."""
        item = await self._db.fetchone("SELECT created_at FROM items WHERE id = ?", (item_id,))
        if item is None:
            return None
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "SELECT status, count(*) FROM deliveries WHERE item_id = ? GROUP BY status",
                (item_id,),
            )
            by_status = await cursor.fetchall()
            await cursor.close()
            cursor = await connection.execute(
                "SELECT coalesce(error, ''), count(*) AS n FROM deliveries "
                "WHERE item_id = ? AND status = 'failed' GROUP BY 1 ORDER BY n DESC LIMIT 10",
                (item_id,),
            )
            failures = await cursor.fetchall()
            await cursor.close()
            cursor = await connection.execute(
                "SELECT min(sent_at), max(sent_at) FROM deliveries "
                "WHERE item_id = ? AND status = 'sent'",
                (item_id,),
            )
            times = await cursor.fetchone()
            await cursor.close()
        counts = dict.fromkeys(DeliveryStatus, 0)
        counts.update({DeliveryStatus(row[0]): int(row[1]) for row in by_status})
        return ItemReport(
            counts=counts,
            failures=tuple((str(row[0]), int(row[1])) for row in failures),
            created_at=float(item[0]),
            first_sent_at=times[0] if times else None,
            last_sent_at=times[1] if times else None,
        )
