"""Announced events and their reminders."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import aiosqlite

from storage.audit import log_action
from storage.db import Database
from storage.models import NewItem, Published, from_timestamp, to_timestamp
from storage.sql import enqueue_deliveries, insert_item

_ALL_DAY_SECONDS = 86_400
_TIMED_SECONDS = 7_200  # an event with a start time and no end: over two hours after it
_EVENT_COLUMNS = (
    "e.id, e.item_id, e.region_code, e.title, e.starts_at, e.ends_at, e.all_day, e.place, "
    "e.description, e.cancelled, e.created_by"
)
# Events readers may see: those whose announcement is not retracted (cancelled ones are, and
# say so). Every read of events goes through it.
_VISIBLE_EVENTS = "events AS e JOIN visible_items AS i ON i.id = e.item_id"
# When an event is over: its end, or a day after an all-day start, or two hours after a start.
_OVER_AT = (
    f"coalesce(e.ends_at, e.starts_at + CASE WHEN e.all_day THEN {_ALL_DAY_SECONDS} "
    f"ELSE {_TIMED_SECONDS} END)"
)


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    item_id: int  # the announcement
    region_code: str
    title: str  # plain text
    starts_at: datetime  # aware, UTC
    ends_at: datetime | None
    all_day: bool
    place: str
    description: str
    cancelled: bool
    created_by: int


@dataclass(frozen=True, slots=True)
class NewEvent:
    region_code: str
    title: str
    starts_at: datetime
    ends_at: datetime | None
    all_day: bool
    place: str
    description: str
    created_by: int


@dataclass(frozen=True, slots=True)
class Reminder:
    id: int
    event: Event
    offset_s: int  # seconds before the start
    due_at: datetime


def _event(row: Sequence[Any]) -> Event:
    return Event(
        id=row[0],
        item_id=row[1],
        region_code=row[2],
        title=row[3],
        starts_at=from_timestamp(row[4]),
        ends_at=from_timestamp(row[5]) if row[5] is not None else None,
        all_day=bool(row[6]),
        place=row[7],
        description=row[8],
        cancelled=bool(row[9]),
        created_by=row[10],
    )


async def _plan(
    connection: aiosqlite.Connection,
    event_id: int,
    starts_at: int,
    offsets: Sequence[int],
    now: int,
) -> None:
    """Reminders at `offsets` before the start; one whose time has passed is not kept (and a
    moved one that was sent already is due again)."""
    for offset in offsets:
        due_at = starts_at - offset
        if due_at > now:
            await connection.execute(
                "INSERT INTO reminders (event_id, due_at, offset_s) VALUES (?, ?, ?) "
                "ON CONFLICT (event_id, offset_s) DO UPDATE SET due_at = excluded.due_at, "
                "sent_at = NULL",
                (event_id, due_at, offset),
            )
        else:
            await connection.execute(
                "DELETE FROM reminders WHERE event_id = ? AND offset_s = ? AND sent_at IS NULL",
                (event_id, offset),
            )


class EventsRepo:
    def __init__(self, db: Database, on_items_changed: Callable[[], None]) -> None:
        self._db = db
        self._items_changed = on_items_changed

    async def create(
        self, event: NewEvent, item: NewItem, offsets: Sequence[int], *, now: float | None = None
    ) -> tuple[int, Published]:
        """Store the announcement, its deliveries, the event and its reminders, and log who
        did it, in one transaction."""
        moment = int(time.time() if now is None else now)
        try:
            async with self._db.transaction() as connection:
                item_id = await insert_item(connection, item, moment)
                if item_id is None:
                    raise ValueError("the announcement was not stored")
                count = await enqueue_deliveries(connection, item_id, item.region_code, 0, moment)
                cursor = await connection.execute(
                    "INSERT INTO events (item_id, region_code, title, starts_at, ends_at, "
                    "all_day, place, description, created_by, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        item_id,
                        event.region_code,
                        event.title,
                        to_timestamp(event.starts_at),
                        to_timestamp(event.ends_at) if event.ends_at else None,
                        int(event.all_day),
                        event.place,
                        event.description,
                        event.created_by,
                        moment,
                    ),
                )
                event_id = cursor.lastrowid
                await cursor.close()
                assert event_id is not None
                await _plan(connection, event_id, to_timestamp(event.starts_at), offsets, moment)
                await connection.execute(
                    "INSERT INTO audit_log (at, user_id, action, item_id, details) "
                    "VALUES (?, ?, 'announce', ?, ?)",
                    (
                        moment,
                        event.created_by,
                        item_id,
                        f"{event.region_code} {event.title}"[:1000],
                    ),
                )
        finally:
            self._items_changed()
        log_action(event.created_by, "announce", item_id=item_id)
        return event_id, Published(item_id, count)

    async def get(self, event_id: int) -> Event | None:
        """The event, cancelled or not; None when there is none or its announcement was
        retracted."""
        row = await self._db.fetchone(
            f"SELECT {_EVENT_COLUMNS} FROM {_VISIBLE_EVENTS} WHERE e.id = ?", (event_id,)
        )
        return _event(row) if row else None

    async def upcoming(
        self, regions: Collection[str] | None, now: float, limit: int = 10
    ) -> list[Event]:
        """Events not over yet (ongoing ones too), soonest first; `regions` narrows to those
        codes (None: every region). Cancelled events and retracted announcements are left out."""
        sql = (
            f"SELECT {_EVENT_COLUMNS} FROM {_VISIBLE_EVENTS} "
            f"WHERE e.cancelled = 0 AND {_OVER_AT} > ?"
        )
        params: tuple[object, ...] = (int(now),)
        if regions is not None:
            codes = sorted(regions)
            if not codes:
                return []
            sql += f" AND e.region_code IN ({', '.join('?' * len(codes))})"
            params += tuple(codes)
        rows = await self._db.fetchall(
            sql + " ORDER BY e.starts_at, e.id LIMIT ?", (*params, limit)
        )
        return [_event(row) for row in rows]

    async def reminders(self, event_id: int) -> list[tuple[int, datetime, bool]]:
        """(offset, due, sent) of an event's reminders, soonest due first."""
        rows = await self._db.fetchall(
            "SELECT offset_s, due_at, sent_at IS NOT NULL FROM reminders WHERE event_id = ? "
            "ORDER BY due_at",
            (event_id,),
        )
        return [(row[0], from_timestamp(row[1]), bool(row[2])) for row in rows]

    async def due_reminders(self, now: float, limit: int = 100) -> list[Reminder]:
        """Unsent reminders whose time has come, of events not cancelled and not started yet
        (after a long downtime, a reminder of what has begun would only confuse), oldest
        first."""
        rows = await self._db.fetchall(
            f"SELECT r.id, r.offset_s, r.due_at, {_EVENT_COLUMNS} FROM {_VISIBLE_EVENTS} "
            "JOIN reminders AS r ON r.event_id = e.id "
            "WHERE r.sent_at IS NULL AND r.due_at <= ? AND e.cancelled = 0 "
            "AND e.starts_at > ? ORDER BY r.due_at, r.id LIMIT ?",
            (int(now), int(now), limit),
        )
        return [
            Reminder(row[0], _event(tuple(row)[3:]), row[1], from_timestamp(row[2]))
            for row in rows
        ]

    async def send_reminder(self, reminder_id: int, item: NewItem) -> Published | None:
        """Mark the reminder sent and store its item (tied to the event) with deliveries,
        together; None when it was sent or dropped already, or its event was cancelled or
        its announcement retracted since it was found due."""
        now = int(time.time())
        try:
            async with self._db.transaction() as connection:
                cursor = await connection.execute(
                    "UPDATE reminders SET sent_at = ? WHERE id = ? AND sent_at IS NULL "
                    f"AND event_id IN (SELECT e.id FROM {_VISIBLE_EVENTS} WHERE e.cancelled = 0) "
                    "RETURNING event_id",
                    (now, reminder_id),
                )
                claimed = await cursor.fetchone()
                await cursor.close()
                if claimed is None:
                    return None
                item = replace(item, event_id=claimed[0])
                item_id = await insert_item(connection, item, now)
                if item_id is None:
                    raise ValueError("the reminder was not stored")
                count = await enqueue_deliveries(connection, item_id, item.region_code, 0, now)
        finally:
            self._items_changed()
        return Published(item_id, count)

    async def cancel(self, event_id: int) -> bool:
        """Cancel an event and drop its pending reminders; False when there is no such event
        or it was cancelled already."""
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "UPDATE events SET cancelled = 1 WHERE id = ? AND cancelled = 0", (event_id,)
            )
            changed = cursor.rowcount > 0
            await cursor.close()
            if changed:
                await connection.execute(
                    "DELETE FROM reminders WHERE event_id = ? AND sent_at IS NULL", (event_id,)
                )
        return changed

    async def reschedule(
        self,
        event_id: int,
        starts_at: datetime,
        ends_at: datetime | None,
        offsets: Sequence[int],
        *,
        all_day: bool | None = None,
        now: float | None = None,
    ) -> bool:
        """Move an event; its reminders move with it (those now past are dropped, those sent
        for the old time are due again for the new one). False for no such live event."""
        moment = int(time.time() if now is None else now)
        start = to_timestamp(starts_at)
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "UPDATE events SET starts_at = ?, ends_at = ?, all_day = coalesce(?, all_day) "
                "WHERE id = ? AND cancelled = 0",
                (
                    start,
                    to_timestamp(ends_at) if ends_at else None,
                    None if all_day is None else int(all_day),
                    event_id,
                ),
            )
            changed = cursor.rowcount > 0
            await cursor.close()
            if changed:
                await _plan(connection, event_id, start, offsets, moment)
        return changed
