"""Editors' changes to published items: corrections, retractions, and delivery reports."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from storage.audit import log_action
from storage.db import Database
from storage.models import CopyChange, DeliveryStatus
from storage.sql import search_columns

# A sent copy nobody is changing now: never changed, or its last change failed.
_CLAIMABLE = (
    "d.status = 'sent' AND d.message_id IS NOT NULL AND (d.change IS NULL OR d.change = 'failed')"
)


@dataclass(frozen=True, slots=True)
class DeliveredCopy:
    """One copy of an item in one chat, as Telegram holds it."""

    chat_id: int
    message_id: int
    language: str  # "uk" or "en": the language it was rendered in
    sent_at: float
    delivery_id: int = 0
    caption: bool = False  # a photo's copy: its text is a caption


@dataclass(frozen=True, slots=True)
class ItemState:
    revision: int  # corrections so far
    retracted: bool


@dataclass(frozen=True, slots=True)
class ItemReport:
    """What became of an item's deliveries."""

    counts: dict[DeliveryStatus, int]
    failures: tuple[tuple[str, int], ...]  # (reason, how many), most frequent first
    created_at: float  # when the item was stored
    first_sent_at: float | None
    last_sent_at: float | None
    changes: dict[CopyChange, int] = field(default_factory=dict)  # of sent copies

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def delivered(self) -> int:
        """Sent on their own, or inside a digest or a list after quiet hours."""
        return self.counts[DeliveryStatus.SENT] + self.counts[DeliveryStatus.BUNDLED]

    @property
    def pending(self) -> int:
        """Not sent yet: due, in flight, or held for a digest or until quiet hours end."""
        return (
            self.counts[DeliveryStatus.PENDING]
            + self.counts[DeliveryStatus.SENDING]
            + self.counts[DeliveryStatus.HELD]
        )

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

    async def correct(self, item_id: int, title: str, body_html: str, editor: int) -> int | None:
        """Replace an item's text (and log who did it): its new revision, or None when there
        is no such item (or it was retracted)."""
        now = int(time.time())
        try:
            async with self._db.transaction() as connection:
                index = search_columns(self._db.dialect, title)
                index_sql = "".join(f"{column} = ?, " for column in index)
                cursor = await connection.execute(
                    f"UPDATE items SET title = ?, body_html = ?, updated_at = ?, {index_sql}"
                    "revision = revision + 1 WHERE id = ? AND retracted_at IS NULL "
                    "RETURNING revision",
                    (title, body_html, now, *index.values(), item_id),
                )
                row = await cursor.fetchone()
                await cursor.close()
                if row is not None:
                    await connection.execute(
                        "INSERT INTO audit_log (at, user_id, action, item_id, details) "
                        "VALUES (?, ?, 'correct', ?, ?)",
                        (now, editor, item_id, title[:200]),
                    )
        finally:
            self._items_changed()  # /latest must show the new text
        if row is None:
            return None
        log_action(editor, "correct", item_id=item_id)
        return int(row[0])

    async def states(self, item_ids: Collection[int]) -> dict[int, ItemState]:
        """Revision and retraction of each item that exists."""
        if not item_ids:
            return {}
        marks = ", ".join("?" * len(item_ids))
        rows = await self._db.fetchall(
            f"SELECT id, revision, retracted_at IS NOT NULL FROM items WHERE id IN ({marks})",
            tuple(item_ids),
        )
        return {int(row[0]): ItemState(int(row[1]), bool(row[2])) for row in rows}

    async def family(self, item_id: int) -> list[int]:
        """The item, and the reminders published of it if it announces an event: they are
        retracted together."""
        rows = await self._db.fetchall(
            "SELECT id FROM items WHERE id = ? "
            "OR event_id IN (SELECT id FROM events WHERE item_id = ?) ORDER BY id",
            (item_id, item_id),
        )
        return [int(row[0]) for row in rows]

    async def in_flight(self, item_ids: Collection[int]) -> list[int]:
        """Deliveries of the items whose requests are out now (their message ids unknown)."""
        if not item_ids:
            return []
        rows = await self._db.fetchall(
            f"SELECT id FROM deliveries WHERE item_id IN ({', '.join('?' * len(item_ids))}) "
            "AND status = 'sending'",
            tuple(item_ids),
        )
        return [int(row[0]) for row in rows]

    async def claim_copies(
        self,
        *,
        item_ids: Collection[int] = (),
        ids: Collection[int] = (),
        below_revision: int | None = None,
    ) -> list[DeliveredCopy]:
        """Sent copies (of `item_ids`, or among delivery `ids`) that nobody is changing now,
        marked as being changed by the caller, who records the outcome with `record_changes`.
        With `below_revision`: only copies showing an older text. An editor's command and the
        delivery worker both claim, so that no copy is changed twice."""
        params: tuple[object, ...]
        if item_ids:
            where = f"d.item_id IN ({', '.join('?' * len(item_ids))})"
            params = tuple(item_ids)
        elif ids:
            where, params = f"d.id IN ({', '.join('?' * len(ids))})", tuple(ids)
        else:
            return []
        if below_revision is not None:
            where += " AND d.revision < ?"
            params += (below_revision,)
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "SELECT d.id, d.chat_id, d.message_id, c.language, d.sent_at, "
                "i.photo IS NOT NULL "
                "FROM deliveries AS d JOIN chats AS c ON c.id = d.chat_id "
                "LEFT JOIN items AS i ON i.id = d.item_id "
                f"WHERE {where} AND {_CLAIMABLE} ORDER BY d.id",
                params,
            )
            rows = await cursor.fetchall()
            await cursor.close()
            await connection.executemany(
                "UPDATE deliveries SET change = 'pending' WHERE id = ?",
                [(row[0],) for row in rows],
            )
        return [
            DeliveredCopy(
                row[1],
                row[2],
                "en" if row[3] == "en" else "uk",
                float(row[4] or time.time()),
                delivery_id=row[0],
                caption=bool(row[5]),
            )
            for row in rows
        ]

    async def record_changes(
        self, changes: Sequence[tuple[int, CopyChange | None, int | None]]
    ) -> None:
        """(delivery id, what became of the copy (None: it reads as it should), the revision
        it shows now (None: as before)) for copies claimed with `claim_copies`."""
        if not changes:
            return
        async with self._db.transaction() as connection:
            await connection.executemany(
                "UPDATE deliveries SET change = ?, revision = coalesce(?, revision) WHERE id = ?",
                [
                    (None if change is None else change.value, revision, delivery_id)
                    for delivery_id, change, revision in changes
                ],
            )

    async def unsettled(
        self, ids: Collection[int], *, retracted: bool = False, revision: int | None = None
    ) -> int:
        """How many of these deliveries (in flight when an editor changed their item) are
        not yet as the change wants them: still in flight, being changed, or sent and not yet
        claimed (deleted when `retracted`, at `revision` otherwise)."""
        if not ids:
            return 0
        needs = "1 = 1" if retracted else "d.revision < ?"
        params: tuple[object, ...] = tuple(ids) + (() if retracted else (revision or 0,))
        row = await self._db.fetchone(
            f"SELECT count(*) FROM deliveries AS d WHERE d.id IN ({', '.join('?' * len(ids))}) "
            "AND (d.status = 'sending' OR (d.status = 'sent' AND d.message_id IS NOT NULL "
            f"AND (d.change = 'pending' OR (d.change IS NULL AND {needs}))))",
            params,
        )
        return int(row[0]) if row else 0

    async def changes(self, item_ids: Collection[int]) -> dict[CopyChange, int]:
        """What became of the items' sent copies after they were sent."""
        if not item_ids:
            return {}
        rows = await self._db.fetchall(
            "SELECT change, count(*) FROM deliveries "
            f"WHERE item_id IN ({', '.join('?' * len(item_ids))}) AND status = 'sent' "
            "AND change IS NOT NULL GROUP BY change",
            tuple(item_ids),
        )
        return {CopyChange(row[0]): int(row[1]) for row in rows}

    async def revision_counts(self, item_id: int, revision: int) -> tuple[int, int]:
        """Sent copies of the item that show `revision` (or later), and those showing older."""
        row = await self._db.fetchone(
            "SELECT count(*) FILTER (WHERE revision >= ?), count(*) FILTER (WHERE revision < ?) "
            "FROM deliveries WHERE item_id = ? AND status = 'sent' AND message_id IS NOT NULL",
            (revision, revision, item_id),
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def is_retracted(self, item_id: int) -> bool:
        row = await self._db.fetchone("SELECT retracted_at FROM items WHERE id = ?", (item_id,))
        return row is not None and row[0] is not None

    async def delivered(self, item_id: int) -> list[DeliveredCopy]:
        """Copies Telegram holds: sent deliveries with their message ids."""
        rows = await self._db.fetchall(
            "SELECT d.chat_id, d.message_id, c.language, d.sent_at, d.id, i.photo IS NOT NULL "
            "FROM deliveries AS d JOIN chats AS c ON c.id = d.chat_id "
            "LEFT JOIN items AS i ON i.id = d.item_id "
            "WHERE d.item_id = ? AND d.status = 'sent' AND d.message_id IS NOT NULL "
            "ORDER BY d.id",
            (item_id,),
        )
        return [
            DeliveredCopy(
                row[0],
                row[1],
                "en" if row[2] == "en" else "uk",
                float(row[3] or time.time()),
                delivery_id=row[4],
                caption=bool(row[5]),
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
            cursor = await connection.execute(
                "SELECT change, count(*) FROM deliveries "
                "WHERE item_id = ? AND status = 'sent' AND change IS NOT NULL GROUP BY change",
                (item_id,),
            )
            changes = await cursor.fetchall()
            await cursor.close()
        counts = dict.fromkeys(DeliveryStatus, 0)
        counts.update({DeliveryStatus(row[0]): int(row[1]) for row in by_status})
        return ItemReport(
            counts=counts,
            failures=tuple((str(row[0]), int(row[1])) for row in failures),
            created_at=float(item[0]),
            first_sent_at=times[0] if times else None,
            last_sent_at=times[1] if times else None,
            changes={CopyChange(row[0]): int(row[1]) for row in changes},
        )
