"""Announced events and their reminders."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from storage.audit import log_action
from storage.db import Connection, Database
from storage.models import NewItem, Published, from_timestamp, to_timestamp
from storage.sql import capped, enqueue_deliveries, insert_item, search_columns

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
    f"coalesce(e.ends_at, e.starts_at + CASE WHEN e.all_day = 1 THEN {_ALL_DAY_SECONDS} "
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
class EventDetails:
    """What an editor may change of an event after it was announced."""

    title: str
    starts_at: datetime
    ends_at: datetime | None
    all_day: bool
    place: str
    description: str


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
    connection: Connection,
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
                item_id = await insert_item(connection, item, moment, dialect=self._db.dialect)
                if item_id is None:
                    raise ValueError("the announcement was not stored")
                count = await enqueue_deliveries(connection, item_id, item.region_code, 0, moment)
                cursor = await connection.execute(
                    "INSERT INTO events (item_id, region_code, title, starts_at, ends_at, "
                    "all_day, place, description, created_by, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
                [event_id] = await cursor.fetchone()
                await cursor.close()
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

    async def of_item(self, item_id: int) -> Event | None:
        """The event an item announces (cancelled or not); None when it announces none or
        was retracted."""
        row = await self._db.fetchone(
            f"SELECT {_EVENT_COLUMNS} FROM {_VISIBLE_EVENTS} WHERE e.item_id = ?", (item_id,)
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
                item_id = await insert_item(connection, item, now, dialect=self._db.dialect)
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

    async def revise(
        self,
        event_id: int,
        details: EventDetails,
        body_html: str,
        *,
        summary: str,
        editor: int,
        action: str,
        offsets: Sequence[int],
        now: float | None = None,
    ) -> dict[int, int] | None:
        """Change a live event (title, time, place, description) and the text of its
        announcement and of the reminders published of it (`body_html`, which they share;
        `summary`: the announcement's), together; reminders move with a new start. Logs who
        did it (`action`: "correct", "reschedule"). Returns the new revision of each item
        changed (the announcement first), or None when the event is cancelled or its
        announcement retracted."""
        moment = int(time.time() if now is None else now)
        start = to_timestamp(details.starts_at)
        try:
            async with self._db.transaction() as connection:
                cursor = await connection.execute(
                    "SELECT e.item_id, e.starts_at FROM events AS e "
                    "JOIN items AS i ON i.id = e.item_id "
                    "WHERE e.id = ? AND e.cancelled = 0 AND i.retracted_at IS NULL",
                    (event_id,),
                )
                row = await cursor.fetchone()
                await cursor.close()
                if row is None:
                    return None
                item_id, old_start = int(row[0]), int(row[1])
                await connection.execute(
                    "UPDATE events SET title = ?, starts_at = ?, ends_at = ?, all_day = ?, "
                    "place = ?, description = ? WHERE id = ?",
                    (
                        details.title,
                        start,
                        to_timestamp(details.ends_at) if details.ends_at else None,
                        int(details.all_day),
                        details.place,
                        details.description,
                        event_id,
                    ),
                )
                if start != old_start:
                    await _plan(connection, event_id, start, offsets, moment)
                # PostgreSQL's search index: the title's lemmas on every copy, the body's
                # on the announcement (the reminders keep their own).
                index = search_columns(self._db.dialect, capped(details.title), summary)
                index_sql = (
                    "search_title = ?, search_body = CASE WHEN id = ? THEN ? ELSE search_body "
                    "END, "
                    if index
                    else ""
                )
                index_params = (
                    (index["search_title"], item_id, index["search_body"]) if index else ()
                )
                cursor = await connection.execute(
                    f"UPDATE items SET title = ?, body_html = ?, updated_at = ?, {index_sql}"
                    "summary = CASE WHEN id = ? THEN ? ELSE summary END, "
                    "revision = revision + 1 "
                    "WHERE (id = ? OR (event_id = ? AND reminder = 1)) AND retracted_at IS NULL "
                    "RETURNING id, revision",
                    (
                        capped(details.title),
                        body_html,
                        moment,
                        *index_params,
                        item_id,
                        summary,
                        item_id,
                        event_id,
                    ),
                )
                revisions = {int(row[0]): int(row[1]) for row in await cursor.fetchall()}
                await cursor.close()
                await connection.execute(
                    "INSERT INTO audit_log (at, user_id, action, item_id, details) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (moment, editor, action, item_id, details.title[:200]),
                )
        finally:
            self._items_changed()
        ordered = {item_id: revisions.pop(item_id)} if item_id in revisions else {}
        return ordered | dict(sorted(revisions.items()))

    async def cancel_with_notice(
        self, event_id: int, notice: NewItem, *, editor: int, now: float | None = None
    ) -> Published | None:
        """Cancel a live event: its reminders not sent yet are dropped, and the copies of
        its announcement and reminders not sent yet (due, or held for a digest) will not go;
        `notice` goes to every chat that got (or is getting) one of them. Together, and
        logged. None when the event is cancelled already or its announcement retracted."""
        moment = int(time.time() if now is None else now)
        try:
            async with self._db.transaction() as connection:
                cursor = await connection.execute(
                    "UPDATE events SET cancelled = 1 WHERE id = ? AND cancelled = 0 "
                    "AND item_id IN (SELECT id FROM items WHERE retracted_at IS NULL) "
                    "RETURNING item_id",
                    (event_id,),
                )
                row = await cursor.fetchone()
                await cursor.close()
                if row is None:
                    return None
                announcement = int(row[0])
                await connection.execute(
                    "DELETE FROM reminders WHERE event_id = ? AND sent_at IS NULL", (event_id,)
                )
                family = "SELECT id FROM items WHERE id = ? OR event_id = ?"
                await connection.execute(
                    "UPDATE deliveries SET status = 'cancelled', error = 'event cancelled' "
                    f"WHERE status IN ('pending', 'held') AND item_id IN ({family})",
                    (announcement, event_id),
                )
                item_id = await insert_item(
                    connection,
                    replace(notice, event_id=event_id),
                    moment,
                    dialect=self._db.dialect,
                )
                if item_id is None:
                    raise ValueError("the cancellation was not stored")
                cursor = await connection.execute(
                    "INSERT INTO deliveries (item_id, chat_id, priority, created_at) "
                    "SELECT DISTINCT ?, d.chat_id, 1, ? FROM deliveries AS d "
                    "JOIN chats AS c ON c.id = d.chat_id AND c.active = 1 "
                    "WHERE d.status IN ('sent', 'sending', 'bundled') "
                    f"AND d.item_id IN ({family})",
                    (item_id, moment, announcement, event_id),
                )
                count = cursor.rowcount
                await cursor.close()
                await connection.execute(
                    "INSERT INTO audit_log (at, user_id, action, item_id, details) "
                    "VALUES (?, ?, 'cancel_event', ?, ?)",
                    (moment, editor, announcement, notice.title[:200]),
                )
        finally:
            self._items_changed()
        return Published(item_id, count)

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

    async def latest(self, limit: int = 8) -> list[Event]:
        """The events that started last (upcoming ones first), for a coordinator to note that
        a member took part in one; cancelled events and retracted announcements left out."""
        rows = await self._db.fetchall(
            f"SELECT {_EVENT_COLUMNS} FROM {_VISIBLE_EVENTS} WHERE e.cancelled = 0 "
            "ORDER BY e.starts_at DESC, e.id DESC LIMIT ?",
            (limit,),
        )
        return [_event(row) for row in rows]
